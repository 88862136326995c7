"""The public HTML pages: the search page (``GET /``), its Atom feed, OpenSearch, the CSS.

Peer text is untrusted: templates autoescape, JSON-LD is escaped by :mod:`node.display.jsonld`, and
every page carries a strict Content-Security-Policy (no script, no external resource, styles
from this node only, forms sent to this node only). The search is ``app[SEARCH].search``
in a worker thread; the places' pages are in :mod:`node.web.place_pages`.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import math
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from node.api_errors import bad_parameter, index_not_ready
from node.appkeys import KEY, SEARCH, SETTINGS, STORE
from node.display import html, jsonld
from node.display import record_text as views
from node.display.html import STYLESHEET
from node.federation import peers
from node.federation.feed_routes import base_url
from node.store.database import Store
from node.web import atom, dashboard, map_page, meta, urgent
from node.web.admission import run_search
from node.web.answer_cache import ANSWERS, generation
from node.web.trust_cache import local_trust
from protocol import geography
from protocol import vocabulary as vocab
from search.index import IndexNotReady
from search.model import SORTS, Hit, ParamError, SearchParams, SearchResult, parse_params
from search.schema import PLACE_COLS
from search.trust import label as trust_label

log = logging.getLogger("maillage.http")

FACETS = (("category", "Catégorie"), ("enjeu", "Enjeu"), ("department", "Département"))


async def index(request: web.Request) -> web.Response:
    store, did = request.app[STORE], request.app[KEY].did
    about = dict(await _about_kept(request, store, did))
    about["name"] = request.app[SETTINGS].name
    banner = await urgent.banner(request)  # « Besoins urgents », kept per generation
    try:
        params = parse_params(request.query)
    except ParamError as exc:
        context = {"form": dict(request.query), "error": f"{exc.param} : {exc.message}"}
        context["urgent"] = banner
        context["meta"] = meta.search_page(request, request.query.get("q", ""), None)
        return html.render(request, "search.html", {**context, "about": about, "result": None}, 400)
    context: dict[str, Any] = {"form": dict(request.query), "error": None, "about": about}
    context["networks"] = await _networks_kept(request, store, did)
    context["proximities"] = PROXIMITIES
    context["urgent"] = banner
    context["meta"] = meta.search_page(request, params.q, None)
    try:
        trust = await local_trust(request, params.reseau)
        result: SearchResult = await run_search(request, request.app[SEARCH].search, params, trust)
    except IndexNotReady as exc:  # the node serves its feeds; the search comes shortly
        waiting = index_not_ready(exc.percent, exc.failed)
        context.update(error=waiting.message, result=None)
        response = html.render(request, "search.html", context, 503)
        response.headers.update(waiting.headers)
        return response
    cards = [card(hit, params.today) for hit in result.hits]
    for item, hit in zip(cards, result.hits, strict=True):
        item["trust"] = trust_label(hit.hops, hit.author in trust.endorsed)
    silent, inactive = await asyncio.to_thread(_stale, store, params) if cards else (set(), set())
    for item, hit in zip(cards, result.hits, strict=True):
        item["silent"] = hit.author in silent
        item["inactive"] = hit.author in inactive
    pages = max(1, math.ceil(result.total / params.per_page))
    first = (result.page - 1) * params.per_page + 1
    query = params.to_query()
    query.pop("page", None)
    context.update(
        meta=meta.search_page(request, params.q, result.total),
        result=result,
        cards=cards,
        params=params,
        facets=_facets(params, result),
        active=_active(params, context["networks"]),
        tabs=_tabs(params),
        sorts=[(code, SORT_LABELS[code]) for code in SORTS],
        pages=pages,
        first=first,
        prev_url=link(params, page=result.page - 1) if result.page > 1 else None,
        next_url=link(params, page=result.page + 1) if result.page < pages else None,
        suggestion_url=link(params, q=result.suggestion) if result.suggestion else None,
        alternate="/search.atom" + (f"?{urlencode(query)}" if query else ""),
        ld=jsonld.dumps(jsonld.item_list(cards, base_url(request), first, result.total)),
    )
    if any(hit.lat is not None for hit in result.hits):  # on a map beside them (map_page)
        label = f"Carte des résultats de cette page : {result.total} au total"
        context["map_panel"] = map_page.map_panel(
            request, params, result.hits, compact=True, label=label
        )
        return html.render(request, "search.html", context, policy=map_page.map_policy(request))
    return html.render(request, "search.html", context)


def _stale(store: Store, params: SearchParams) -> tuple[set[str], set[str]]:
    """The places of the hits to mark: silent nodes, and the « inactif ? » ones."""
    today = params.today or datetime.date.today()
    return peers.silent_places(store), peers.inactive_places(store, today)


def link(params: SearchParams, **changes: Any) -> str:
    """The search page URL for ``params`` with ``changes`` (None removes); page 1 unless given."""
    query = params.to_query()
    query.pop("page", None)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        elif not (name == "page" and value == 1):
            query[name] = str(value)
    return "/?" + urlencode(query) if query else "/"


def card(hit: Hit, today: datetime.date | None = None) -> dict[str, Any]:
    """A search hit ready for the card macro (``today``: the search's day, for the dates)."""
    body = hit.body if isinstance(hit.body, dict) else {}
    view = views.listing(hit.author, hit.col, hit.rid, body)
    distance = None
    if hit.distance_km is not None:
        distance = f"{hit.distance_km:.1f}".replace(".", ",") + " km"
    if hit.col in PLACE_COLS:  # a place: its kind and address instead of conditions
        view["short"] = views.place_short(body)
    return {
        **view,
        "url": hit.url or (f"/lieux/{hit.author}" if hit.col == "profile" else view["url"]),
        "title": hit.title or view["title"],
        "category_label": hit.category_label or view["category_label"],
        "snippet": views.snippet(hit.snippet),
        # a place's card is titled with its name already
        "place_name": "" if hit.col in PLACE_COLS else hit.place.name,
        # a listing is its own place (its author is the node that imported it)
        "place_url": hit.url if hit.col == "listing" else f"/lieux/{hit.place.did or hit.author}",
        "city": hit.place.city or "",
        "department": hit.place.department or "",
        "distance": distance,
        "valid_until": views.french_date(hit.valid_until or body.get("valid_until")),
        "valid_past": views.expired(hit.valid_until or body.get("valid_until"), today),
        "expired": hit.expired,  # listed with « inclure les expirés » only
        "inactive": False,  # set by the search page (peers.inactive_places)
        "trust": "",  # set by the search page: how close it is (search.trust.label)
    }


#: The orders of the search page's form (``search.model.SORTS``).
SORT_LABELS = {
    "relevance": "Pertinence",
    "distance": "Distance (avec « près de »)",
    "recent": "Les plus récents",
    "due": "Échéance (besoins)",
}


def _tabs(params: SearchParams) -> list[dict[str, Any]]:
    """« Tout » and « Besoins » (needs only, soonest due date first) above the results."""
    return [
        {"label": "Tout", "url": link(params, col=None, sort=None), "active": not params.col},
        {
            "label": "Besoins",
            "url": link(params, col="need", sort="due"),
            "active": params.col == "need",
        },
    ]


#: Values shown at once in a facet group (the most frequent, and the one chosen); the
#: others (a search over the census spans ~100 departments) are behind « Voir les autres ».
FACET_SHOWN = 8


def _facets(params: SearchParams, result: SearchResult) -> list[dict[str, Any]]:
    groups = []
    for name, title in FACETS:
        current = getattr(params, name)
        items = [
            {
                "label": f.label or f.code,
                "count": f.count,
                "url": link(params, **{name: None if f.code == current else f.code}),
                "active": f.code == current,
            }
            for f in result.facets.get(name, [])
        ]
        if items:
            shown = items[:FACET_SHOWN]
            shown += [item for item in items[FACET_SHOWN:] if item["active"]]
            more = [item for item in items[FACET_SHOWN:] if not item["active"]]
            groups.append({"name": name, "title": title, "items": shown, "more": more})
    return groups


def _active(
    params: SearchParams, networks: list[tuple[str, str]] | None = None
) -> list[dict[str, str]]:
    networks = networks or []
    labels = {
        "col": lambda c: views.COL_LABELS.get(c, c),
        "category": vocab.CATEGORIES.label,
        "enjeu": vocab.ENJEUX.label,
        "department": lambda d: f"Département : {geography.department_label(d)}",
        "region": lambda r: f"Région : {geography.region_label(r)}",
    }
    active = [
        {"label": label(getattr(params, name)), "url": link(params, **{name: None})}
        for name, label in labels.items()
        if getattr(params, name)
    ]
    radius = f" ({params.radius_km:g} km)" if params.radius_km else ""
    url = link(params, near=None, radius_km=None, sort=None)
    if params.near is not None:
        active.append({"label": f"Près de {params.near[0]}, {params.near[1]}{radius}", "url": url})
    elif params.town is not None:
        active.append({"label": f"Près de {params.town}{radius}", "url": url})
    return active + _trust_active(params, networks)


def _trust_active(params: SearchParams, networks: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The filters of issue 15 applied: « Proximité » and « Réseau »."""
    active = []
    if params.max_hops is not None:
        shown = dict(PROXIMITIES).get(str(params.max_hops), f"jusqu'à {params.max_hops} relais")
        active.append({"label": f"Proximité : {shown}", "url": link(params, max_hops=None)})
    if params.reseau:
        name = dict(networks).get(params.reseau, params.reseau)
        active.append({"label": f"Réseau : {name}", "url": link(params, reseau=None)})
    return active


#: The « Proximité » field of the search page: ``max_hops`` and its French label.
PROXIMITIES = (
    ("", "tout"),
    ("0", "ce nœud seul"),
    ("1", "ce nœud et ceux qu'il suit ou recommande"),
    ("2", "jusqu'à 2 relais"),
    ("3", "jusqu'à 3 relais"),
)


async def _networks_kept(request: web.Request, store: Store, did: str) -> list[tuple[str, str]]:
    """The networks of the « Réseau » field (the dashboard's), read again after a write."""
    cache, made_from = request.app[ANSWERS], generation(request.app)
    kept = cache.kept_value("networks", made_from)
    if kept is None:
        name = request.app[SETTINGS].name
        kept = await run_search(request, dashboard.networks, store, did, name)
        cache.keep_value("networks", made_from, kept)
    return kept


async def _about_kept(request: web.Request, store: Store, did: str) -> dict[str, Any]:
    """:func:`_about`, read again only when the node wrote something (it reads every own
    record: 25 ms on the census node, on every page)."""
    cache, made_from = request.app[ANSWERS], generation(request.app)
    kept = cache.kept_value("about", made_from)
    if kept is None:
        kept = await run_search(request, _about, store, did)
        cache.keep_value("about", made_from, kept)
    return kept


def _about(store: Store, did: str) -> dict[str, Any]:
    own = store.records(author=did)
    profile = next((r.body for r in own if r.col == "profile" and r.body), None) or {}
    return {
        "did": did,
        "summary": views.text(profile.get("summary")),
        "city": views.text(views.mapping(profile.get("address")).get("city")),
        "offers": sum(1 for r in own if r.col == "offer"),
        "needs": sum(1 for r in own if r.col == "need"),
        "copies": sum(1 for feed in store.feeds() if feed.author != did),
    }


async def search_atom(request: web.Request) -> web.Response:
    try:
        params = parse_params(request.query)
    except ParamError as exc:
        raise bad_parameter(f"{exc.param} : {exc.message}") from None
    try:
        trust = await local_trust(request, params.reseau)
        result: SearchResult = await run_search(request, request.app[SEARCH].search, params, trust)
    except IndexNotReady as exc:
        raise index_not_ready(exc.percent, exc.failed) from None
    base = base_url(request)
    query = params.to_query()
    query.pop("page", None)
    encoded = urlencode(query)
    words = [f"« {params.q} »"] if params.q else []
    words += [a["label"] for a in _active(params)]
    entries = []
    for hit in result.hits:
        item = card(hit, params.today)
        entries.append(
            {
                "url": base + item["url"],
                "title": item["title"],
                "updated": hit.updated,
                "summary": atom.summary(
                    item,
                    place=item["place_name"],
                    city=item["city"],
                    excerpt=views.plain(hit.snippet),
                ),
                "category": hit.category,
                "category_label": item["category_label"],
            }
        )
    feed_url = f"{base}/search.atom" + (f"?{encoded}" if encoded else "")

    def page_url(number: int) -> str:
        paged = urlencode({**query, "page": str(number)}) if number > 1 else encoded
        return f"{base}/search.atom" + (f"?{paged}" if paged else "")

    pages = max(1, math.ceil(result.total / params.per_page))
    body = atom.feed(
        feed_id=feed_url,
        title="Maillage : " + (", ".join(words) or "tous les résultats"),
        subtitle=f"{result.total} résultat(s) sur le nœud {request.app[SETTINGS].name}",
        self_url=page_url(result.page),
        html_url=f"{base}/" + (f"?{encoded}" if encoded else ""),
        author=request.app[SETTINGS].name,
        entries=entries,
        pages=atom.page_links(page_url, result.page, pages),
    )
    return web.Response(body=body, content_type=atom.ATOM, charset="utf-8")


async def opensearch(request: web.Request) -> web.Response:
    body = atom.opensearch(base_url(request), request.app[SETTINGS].name)
    return web.Response(body=body, content_type=atom.OPENSEARCH, charset="utf-8")


async def favicon(request: web.Request) -> web.Response:
    path = html.STATIC / "favicon.svg"
    response = web.Response(body=path.read_bytes(), content_type="image/svg+xml")
    response.headers["Last-Modified"] = _file_date(path)
    return response


async def stylesheet(request: web.Request) -> web.Response:
    """The style sheet; its validators and 304 are :mod:`node.web.conditional`'s."""
    response = web.Response(body=request.app[STYLESHEET], content_type="text/css", charset="utf-8")
    response.headers["Last-Modified"] = _file_date(html.CSS_PATH)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _file_date(path: Path) -> str:
    return formatdate(path.stat().st_mtime, usegmt=True)
