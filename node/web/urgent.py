"""« Besoins urgents »: the banner of the search page and the per-node Atom feed.

Every urgent need this node holds (:func:`search.urgency.is_urgent`: ``haute`` or
``critique``, due date still ahead), its own or a copy, shows in a banner at the top of the
search page until its last day, most urgent and soonest first, :data:`SHOWN` at most with a
link to every need (the search page with ``col=need``); ``/besoins-urgents.atom`` lists
them all, newest stored first, for a town hall's feed reader.

The banner is a region labelled by its visible heading (a ``<section>`` with
``aria-labelledby``), not ``role="alert"``: an alert is for a message that appears while the
page is in use, and screen readers announce it, interrupting, each time it is rendered;
this notice is part of the page on every load. As a labelled landmark it is listed with
the page's regions, and a screen-reader user jumps to it, or past it, at will.

The search page is served some 2,000 times a second from the answer cache: the list is read
(one indexed query, ``Store.needs_of_urgency``) once per generation of the answers and per
day, kept beside the answers (``AnswerCache.keep_value``), and rendered into the page the
cache keeps.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from node.appkeys import HIDDEN, SETTINGS, STORE
from node.display import record_text as views
from node.federation.feed_routes import base_url
from node.hidden import NOTHING_HIDDEN
from node.store.database import Store
from node.web import atom
from node.web.admission import run_search
from node.web.answer_cache import ANSWERS, generation
from search.searching import hit_url
from search.urgency import URGENT_LEVELS, is_urgent, order_key

#: Urgent needs shown in the banner; the others are behind the link to every need.
SHOWN = 5
#: The list of every need (the search page, needs only).
ALL_NEEDS = "/?col=need"
FEED_PATH = "/besoins-urgents.atom"


@dataclass(frozen=True, slots=True)
class UrgentNeeds:
    newest: list[dict[str, Any]]  # newest stored first (the feed)
    ranked: list[dict[str, Any]]  # most urgent, then soonest first (the banner)


def urgent_needs(
    store: Store, today: datetime.date, hidden: frozenset[str] = frozenset()
) -> UrgentNeeds:
    """The urgent needs ``store`` holds on ``today``, ready for the banner and the feed
    (none of the places this node hides, ``node.hidden``)."""
    items = []
    for held in store.needs_of_urgency(URGENT_LEVELS):
        record, body = held.record, held.record.body
        if record.author in hidden:
            continue
        if not is_urgent("need", body, today):
            continue
        assert isinstance(body, dict)  # is_urgent says so
        profile = held.profile or {}
        item = views.listing(record.author, "need", record.rid, body)
        item.update(
            url=hit_url(record.author, "need", record.rid),
            place=views.text(profile.get("name")),
            city=views.text(views.mapping(profile.get("address")).get("city")),
            level=body["urgency"],
            due=before(body.get("due_date"), today),
            updated=held.stored_at,
            order=order_key(body),
        )
        items.append(item)
    return UrgentNeeds(items, sorted(items, key=lambda item: item["order"]))


def before(value: object, today: datetime.date) -> str:
    """``2026-12-11`` → « avant le 11 décembre » (with the year when it is not this one's);
    "" when it is not a day."""
    day = views.french_date(value)
    if not day or day == views.text(value):
        return ""
    this_year = f" {today.year}"
    return "avant le " + (day.removesuffix(this_year) if day.endswith(this_year) else day)


async def kept(request: web.Request) -> UrgentNeeds:
    """:func:`urgent_needs`, read again only when the store or the day changed."""
    cache, today = request.app[ANSWERS], datetime.date.today()
    made_from = (generation(request.app), today)
    needs = cache.kept_value("urgent", made_from)
    if needs is None:
        hidden = request.app.get(
            HIDDEN, NOTHING_HIDDEN
        ).authors  # a change of it is a new index generation
        needs = await run_search(request, urgent_needs, request.app[STORE], today, hidden)
        cache.keep_value("urgent", made_from, needs)
    return needs


async def banner(request: web.Request) -> dict[str, Any]:
    """What the search page's banner shows (nothing when no need is urgent)."""
    ranked = (await kept(request)).ranked
    return {"items": ranked[:SHOWN], "total": len(ranked), "all_url": ALL_NEEDS}


async def urgent_atom(request: web.Request) -> web.Response:
    """``/besoins-urgents.atom``: every urgent need held, newest first."""
    needs = (await kept(request)).newest
    base, name = base_url(request), request.app[SETTINGS].name
    entries = [
        atom.record_entry(
            base, item, f"{item['urgency']} : {item['title']}", item["place"], item["city"]
        )
        for item in needs
    ]
    body = atom.feed(
        feed_id=base + FEED_PATH,
        title=f"Besoins urgents · {name}",
        subtitle=f"{len(entries)} besoin(s) urgent(s) connu(s) du nœud {name}",
        self_url=base + FEED_PATH,
        html_url=base + ALL_NEEDS,
        author=name,
        entries=entries,
    )
    return web.Response(body=body, content_type=atom.ATOM, charset="utf-8")
