"""A page per place (``/lieux/{did}``), per offer or need (``/lieux/{did}/{col}/{rid}``), and
the Atom feed of a place's offers and needs (``/lieux/{did}.atom``), read from the store."""

from __future__ import annotations

import asyncio
import datetime
import math
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from node.api_errors import ApiError, bad_parameter
from node.appkeys import HIDDEN, KEY, SEARCH, SETTINGS, STORE
from node.display import html, identity, jsonld
from node.display import record_text as views
from node.federation import peers
from node.federation.feed_routes import base_url
from node.hidden import NOTHING_HIDDEN
from node.store.database import Store
from node.web import atom, errors, match_pages, meta, network_pages
from node.web.conditional import http_date
from node.web.trust_cache import local_trust
from protocol.state import Record
from search.documents import ts_of_line
from search.index import SearchIndex

PROVENANCE = ("source", "licence", "date", "source_id")
#: What an offer's or a need's page adds of the matches (``node.web.match_pages``).
MATCHED = {"need": match_pages.need_context, "offer": match_pages.offer_context}


def _updated(store: Store, record: Record) -> str | None:
    line = store.line(record.author, record.seq)
    if line is None:
        return None
    ts = orjson.loads(line)["header"].get("ts")
    return ts if isinstance(ts, str) else None


#: Listings shown per page of a place's page (a regional network may publish thousands).
LISTINGS_PER_PAGE = 50
#: A place that published nothing for this long is said to be perhaps out of date.
QUIET_DAYS = 365


def freshness(store: Store, did: str, me: str, today: datetime.date | None = None) -> dict:
    """When the place last published, and whether its own node stopped answering (for 30
    days and nothing new: « inactif ? », ``peers.inactive_places``): what a reader needs
    to trust a copy (directories go stale; a silent node must show it)."""
    today = today or datetime.date.today()
    head = store.feed(did)
    line = store.line(did, head.seq) if head is not None else None
    published = ts_of_line(line)[:10]
    try:
        day = datetime.date.fromisoformat(published)
    except ValueError:
        day = None
    quiet = day is not None and today - day > datetime.timedelta(days=QUIET_DAYS)
    silent = None  # its own node, followed by this one, does not answer: since when
    if did != me and did in peers.silent_places(store):
        own = [p for p in peers.peers(store).values() if p.did == did]
        if own:
            last = max((p.last_success or "" for p in own), default="")
            silent = views.french_date(last) if last else "toujours"
    return {
        "published": views.french_date(published) if day else "",
        "quiet": quiet,
        "silent": silent,
        "inactive": did != me and did in peers.inactive_places(store, today),
    }


def _load(
    store: Store,
    did: str,
    claimants: Callable[[str], dict[str, tuple[str, str]]] = lambda _: {},
    page: int = 1,
) -> dict[str, Any] | None:
    """Everything a place page shows (its listings: page ``page``), or None when this node
    holds nothing of ``did``."""
    head = store.feed(did)
    if head is None:
        return None
    records = store.records(author=did)
    profile = next((r for r in records if r.col == "profile" and r.rid == "profile"), None)
    body = profile.body if profile and profile.body else None
    view = views.place(did, body)  # a node publishing listings is not the places it lists
    items: dict[str, list[tuple[dict[str, Any], Record]]] = {"offer": [], "need": [], "listing": []}
    for record in records:
        if record.col in items and record.body:
            items[record.col].append(
                (views.listing(did, record.col, record.rid, record.body), record)
            )
    for group in items.values():
        group.sort(key=lambda pair: pair[0]["title"].casefold())
    total = len(items["listing"])
    pages = max(1, math.ceil(total / LISTINGS_PER_PAGE))
    start = (page - 1) * LISTINGS_PER_PAGE
    items["listing"] = items["listing"][start : start + LISTINGS_PER_PAGE]
    claimed = claimants(did) if items["listing"] else {}
    shown: dict[str, list[dict[str, Any]]] = {}
    for col, group in items.items():
        shown[col] = []
        for item, record in group:  # the dates of what is shown only: one read each
            item["updated"] = _updated(store, record)
            item["claimed_by"] = claimed.get(record.rid) if col == "listing" else None
            shown[col].append(item)
    listings = {
        "total": total,
        "page": page,
        "pages": pages,
        "prev_url": f"?page={page - 1}" if page > 1 else None,
        "next_url": f"?page={page + 1}" if page < pages else None,
    }
    return {"place": view, **shown, "listings": listings, "stored_at": head.updated_at}


def _pick(store: Store, did: str, col: str, rid: str, index: SearchIndex) -> dict[str, Any] | None:
    record = store.record(did, col, rid)
    if record is None or record.body is None:
        return None
    profile = store.record(did, "profile", "profile")  # the place, not all its records
    place = views.place(did, profile.body if profile is not None else None)
    item = views.listing(did, col, rid, record.body)
    item["updated"] = _updated(store, record)
    item["claimed_by"] = index.claimants(did).get(rid) if col == "listing" else None
    head = store.feed(did)
    stored_at = head.updated_at if head is not None else None
    return {"place": place, "item": item, "body": record.body, "stored_at": stored_at}


#: What the pages of a place this node hides (``node.hidden``) answer: 410, « gone from
#: here », rather than 404: the place exists, its copy is kept, this node does not show it.
HIDDEN_PLACE = "Ce lieu est masqué par ce nœud : son opérateur a choisi de ne plus le montrer."


def _hidden(request: web.Request, did: str) -> bool:
    return request.app.get(HIDDEN, NOTHING_HIDDEN).hides(did)


async def place_page(request: web.Request) -> web.Response:
    did = request.match_info["did"]
    if _hidden(request, did):
        return errors.error_page(request, 410, HIDDEN_PLACE)
    page = request.query.get("page", "1")
    if not page.isascii() or not page.isdigit() or not 1 <= int(page) <= 100_000:
        return errors.error_page(request, 400, "page : attendu un nombre entier, 1 ou plus.")
    index = request.app[SEARCH]
    data = await asyncio.to_thread(_load, request.app[STORE], did, index.claimants, int(page))
    if data is None:
        return errors.error_page(request, 404, "Ce nœud ne connaît pas ce lieu.")
    if int(page) > data["listings"]["pages"]:
        return errors.error_page(request, 404, "Cette page de fiches n'existe pas.")
    me = request.app[KEY].did
    data["fresh"] = await asyncio.to_thread(freshness, request.app[STORE], did, me)
    today = datetime.date.today()  # a network's members' current offers; who endorses it
    data.update(await asyncio.to_thread(network_pages.context, request.app[STORE], did, today))
    base = base_url(request)
    place = data["place"]
    paged = f"?page={page}" if int(page) > 1 else ""
    data["canonical"] = identity.own_url(base, place["url"] + paged, place)
    network = data.get("network") or {}
    ld = jsonld.place(
        place,
        base,
        data["offer"],
        data["need"],
        members=network.get("members", []),
        networks=data["endorsed_by"]["networks"],
    )
    context = {**data, "ld": jsonld.dumps(ld), "alternate": f"/lieux/{did}.atom"}
    context["meta"] = meta.place_page(request, place)
    return _dated(html.render(request, "place.html", context), data["stored_at"])


async def listing_page(request: web.Request) -> web.Response:
    did, col, rid = (request.match_info[k] for k in ("did", "col", "rid"))
    if _hidden(request, did):
        return errors.error_page(request, 410, HIDDEN_PLACE)
    data = None
    if col in views.LISTING_COLS:
        data = await asyncio.to_thread(
            _pick, request.app[STORE], did, col, rid, request.app[SEARCH]
        )
    if data is None:
        return errors.error_page(request, 404, "Cette offre ou ce besoin n'existe pas (ou plus).")
    claimed = data["item"].get("claimed_by")
    if claimed and _hidden(request, claimed[0]):  # the listing of a place hidden here
        return errors.error_page(request, 410, HIDDEN_PLACE)
    base = base_url(request)
    if col == "listing":  # a place listed by this feed's node: shown as a place
        return _dated(_listed_place(request, data, base), data["stored_at"])
    ld = jsonld.listing(data["item"], data["body"], data["place"], base)
    data["fresh"] = await asyncio.to_thread(
        freshness, request.app[STORE], did, request.app[KEY].did
    )
    data["canonical"] = identity.own_url(base, data["item"]["url"], data["place"])
    context = {**data, "ld": jsonld.dumps(ld), "alternate": f"/lieux/{did}.atom"}
    if col in MATCHED:  # who may serve a need; the needs an offer could serve
        index, store = request.app[SEARCH], request.app[STORE]
        trust = await local_trust(request)
        context.update(await asyncio.to_thread(MATCHED[col], index, store, did, rid, trust))
    if col == "need":
        context["alternate"] = match_pages.feed_url(did, rid)  # follow the need's proposals
    context["meta"] = meta.listing_page(request, data["item"], data["place"])
    return _dated(html.render(request, "listing.html", context), data["stored_at"])


def _dated(response: web.Response, stored_at: str | None) -> web.Response:
    """``Last-Modified``: when this node last stored an entry of the place's feed (what the
    feed says cannot have changed since; what comes from elsewhere, a claim or a silent
    node, is caught by the ETag). Revalidation is :mod:`node.web.conditional`'s."""
    if modified := http_date(stored_at):
        response.headers["Last-Modified"] = modified
    return response


def _listed_place(request: web.Request, data: dict[str, Any], base: str) -> web.Response:
    item, body = data["item"], data["body"]
    listed = {**views.place(item["author"], body), "url": item["url"]}
    place = identity.listed(listed, data["place"])
    provenance = views.mapping(body.get("provenance"))
    context = {
        "place": place,
        "canonical": identity.own_url(base, item["url"], place),
        "publisher": data["place"],
        "item": {**item, "updated_fr": views.french_date(item["updated"])},
        "claimed_by": item["claimed_by"],
        "provenance": {
            **{k: views.text(provenance.get(k)) for k in PROVENANCE},
            "date_fr": views.french_date(provenance.get("date")),
        },
        "ld": jsonld.dumps(jsonld.place(place, base)),
        "meta": meta.place_page(request, place),
    }
    return html.render(request, "listing_place.html", context)


#: Entries per page of a place's Atom feed (RFC 5005 paging: ``?page=2``…).
ATOM_PAGE_SIZE = 50


async def place_atom(request: web.Request) -> web.Response:
    did = request.match_info["did"]
    page = request.query.get("page", "1")
    if not page.isascii() or not page.isdigit() or not 1 <= int(page) <= 100_000:
        raise bad_parameter("page : attendu un nombre entier, 1 ou plus.")
    if _hidden(request, did):
        raise ApiError(410, "hidden-place", HIDDEN_PLACE)
    data = await asyncio.to_thread(_load, request.app[STORE], did)
    if data is None:
        raise ApiError(404, "unknown-feed", "Ce nœud ne connaît pas ce lieu.")
    base = base_url(request)
    place = data["place"]
    items = sorted(data["offer"] + data["need"], key=lambda item: item["title"].casefold())
    items.sort(key=lambda item: item["updated"] or "", reverse=True)  # newest first
    pages = max(1, math.ceil(len(items) / ATOM_PAGE_SIZE))
    number = int(page)
    if number > pages:
        raise ApiError(404, "not-found", "Cette page du flux n'existe pas.")
    shown = items[(number - 1) * ATOM_PAGE_SIZE : number * ATOM_PAGE_SIZE]
    entries = [
        atom.record_entry(
            base, item, f"{item['col_label']} : {item['title']}", place["name"], place["city"]
        )
        for item in shown
    ]

    def page_url(n: int) -> str:
        return f"{base}/lieux/{did}.atom" + (f"?page={n}" if n > 1 else "")

    body = atom.feed(
        feed_id=f"{base}/lieux/{did}",
        title=f"{place['name']} : offres et besoins",
        subtitle=place["summary"],
        self_url=page_url(number),
        html_url=f"{base}/lieux/{did}",
        author=place["name"] or request.app[SETTINGS].name,
        entries=entries,
        pages=atom.page_links(page_url, number, pages),
    )
    response = web.Response(body=body, content_type=atom.ATOM, charset="utf-8")
    return _dated(response, data["stored_at"])
