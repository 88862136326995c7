"""Matches on the pages: a need's candidates, the open needs an offer could serve, and the
need's Atom feed ``/lieux/{did}/need/{rid}/propositions.atom``.

The need's page (``place_pages.listing_page``) shows its first :data:`ON_PAGE` matches
with their reasons, links to each offer, to the JSON (``/api/match``) and to the feed; an
offer's page shows the open needs it could serve, most urgent first. The feed holds the
need itself, then its candidates (:data:`IN_FEED` at most), so that a town hall follows a
need in any feed reader: a new proposal is a new entry. The feed is named after what it
holds (« propositions »), under the need's own page.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from node.api_errors import ApiError
from node.appkeys import SEARCH, STORE
from node.display import record_text as views
from node.federation.feed_routes import base_url
from node.web import atom, match_api
from node.web.match_api import inactive_authors, one_match_json
from node.web.trust_cache import local_trust
from search.documents import ts_of_line
from search.index import IndexNotReady, SearchIndex
from search.matching import Match, Served
from search.trust import Trust

#: Matches shown on a need's page; entries of the need's feed (after the need itself).
ON_PAGE = 10
IN_FEED = 50
#: Needs shown on an offer's page.
NEEDS_ON_PAGE = 10


FEED_ROUTE = "/lieux/{did}/need/{rid}/propositions.atom"


def feed_url(did: str, rid: str) -> str:
    return f"/lieux/{did}/need/{rid}/propositions.atom"


def _distance(km: float | None) -> str:
    if km is None:
        return ""
    return "à moins d'1 km" if km < 1 else f"à {views.number(round(km))} km"


def _shown(match: Match) -> dict[str, Any]:
    return {**one_match_json(match), "distance_text": _distance(match.distance_km)}


def _updated(store: Any, did: str, rid: str) -> str | None:
    """When the need was last published (the date of its feed's entries)."""
    record = store.record(did, "need", rid)
    return (ts_of_line(store.line(did, record.seq)) or None) if record is not None else None


def _matches(
    index: SearchIndex,
    did: str,
    rid: str,
    day: datetime.date,
    inactive: set[str],
    trust: Trust | None = None,
):
    try:
        return index.match(did, rid, today=day, inactive=inactive, trust=trust)
    except IndexNotReady:
        return None


def need_context(
    index: SearchIndex, store: Any, did: str, rid: str, trust: Trust | None = None
) -> dict[str, Any]:
    """What a need's page shows of its matches (``matches`` None: the index is loading);
    ``trust``: this node's trust graph (``search.trust``), for their hops."""
    matches: list[Match] | None
    try:
        inactive = inactive_authors(store)
        found = index.match(did, rid, today=match_api.today(), inactive=inactive, trust=trust)
        matches = [] if found is None else found[1]
    except IndexNotReady:
        matches = None
    return {
        "matches": None if matches is None else [_shown(m) for m in matches[:ON_PAGE]],
        "matches_total": 0 if matches is None else len(matches),
        "matches_json": "/api/match?" + urlencode({"author": did, "rid": rid}),
        "matches_atom": feed_url(did, rid),
    }


def _served(served: Served) -> dict[str, Any]:
    need = served.need
    item = views.listing(need.author, "need", need.rid, dict(need.body))
    return {
        "title": need.title,
        "url": item["url"],
        "place": need.place,
        "urgency": item["urgency"],
        "due_date": item["due_date"],
        "quantity": item["quantity"],
        "distance_text": _distance(served.match.distance_km),
        "reasons": served.match.reasons,
    }


def offer_context(
    index: SearchIndex, store: Any, did: str, rid: str, trust: Trust | None = None
) -> dict[str, Any]:
    """The open needs an offer's page shows, most urgent, soonest and nearest first (the
    trust graph does not order them: ``trust`` is unused)."""
    inactive = inactive_authors(store)
    served = index.needs_for_offer(did, rid, today=match_api.today(), inactive=inactive)
    return {"needs_served": [_served(s) for s in served[:NEEDS_ON_PAGE]]}


async def need_atom(request: web.Request) -> web.Response:
    did, rid = request.match_info["did"], request.match_info["rid"]
    index, store = request.app[SEARCH], request.app[STORE]
    inactive = inactive_authors(store)
    trust = await local_trust(request)
    day = match_api.today()
    found = await asyncio.to_thread(_matches, index, did, rid, day, inactive, trust)
    if found is None:
        if not index.ready:
            raise ApiError(503, "index-loading", "L'index de recherche est en construction.")
        raise ApiError(404, "unknown-need", "Ce nœud ne détient pas ce besoin.")
    need, matches = found
    updated = await asyncio.to_thread(_updated, store, did, rid)
    base = base_url(request)
    item = views.listing(did, "need", rid, dict(need.body))
    place = need.place
    entries = [
        {
            "url": base + item["url"],
            "title": f"Besoin : {need.title}",
            "updated": updated,
            "summary": atom.summary(item, place=place.name, city=place.city),
            "category": item["category"],
            "category_label": item["category_label"],
        }
    ]
    for number, match in enumerate(matches[:IN_FEED], 1):
        where = ", ".join(p for p in (match.place.name, match.place.city) if p)
        entries.append(
            {
                "url": base + match.url,
                "title": f"Proposition {number} : {match.title}" + (f" ({where})" if where else ""),
                "summary": " — ".join(match.reasons),
                "updated": updated,
            }
        )
    self_url = base + feed_url(did, rid)
    body = atom.feed(
        feed_id=self_url,
        title=f"Propositions pour le besoin « {need.title} »",
        subtitle=f"{place.name} : qui peut répondre à ce besoin, les meilleures d'abord",
        self_url=self_url,
        html_url=base + item["url"],
        author=place.name or "Maillage",
        entries=entries,
    )
    return web.Response(body=body, content_type=atom.ATOM, charset="utf-8")
