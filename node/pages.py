"""The public HTML pages: the search page (``GET /``), its Atom feed, OpenSearch, the CSS.

Peer text is untrusted: templates autoescape, JSON-LD is escaped by :mod:`node.jsonld`, and
every page carries a strict Content-Security-Policy (no script, no external resource, styles
from this node only, forms sent to this node only). The search is ``app[SEARCH].search``
in a worker thread; the places' pages are in :mod:`node.place_pages`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from node import atom, jsonld, peers, views
from node.appkeys import KEY, SEARCH, SETTINGS, STORE, STYLESHEET, TEMPLATES
from node.middleware import bad_parameter, index_not_ready
from node.routes_feeds import base_url
from node.store import Store
from protocol import geography
from protocol import vocabulary as vocab
from search.index import IndexNotReady
from search.model import Hit, ParamError, SearchParams, SearchResult, parse_params
from search.schema import PLACE_COLS

log = logging.getLogger("maillage.http")

HERE = Path(__file__).parent
CSS_PATH = HERE / "static" / "maillage.css"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
FACETS = (("category", "Catégorie"), ("enjeu", "Enjeu"), ("department", "Département"))
COLS = (("offer", "Offres"), ("need", "Besoins"), ("profile", "Lieux"))
RADII = ("5", "10", "20", "30", "50", "100")


@functools.cache
def environment() -> jinja2.Environment:
    """The templates, read and compiled once per process (~90 ms) and shared by its apps:
    files changed under a running node (an upgrade in place, before the restart) are not
    mixed with the code that was started."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        auto_reload=False,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = views.number
    groups = [(vocab.CATEGORY_GROUPS.label(g), g) for g in vocab.CATEGORY_GROUPS]
    env.globals.update(
        category_groups=[
            (label, [(c, vocab.CATEGORIES[c]) for c in vocab.CATEGORIES if c.startswith(g + ".")])
            for label, g in groups
        ],
        enjeux=list(vocab.ENJEUX.items()),
        departments=sorted(
            ((code, geography.department_label(code)) for code in geography.DEPARTMENTS),
            key=lambda item: item[1],
        ),
        cols=COLS,
        radii=RADII,
    )
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
        env.get_template(name)
    return env


def setup(app: web.Application) -> None:
    app[TEMPLATES] = environment()
    app[STYLESHEET] = CSS_PATH.read_bytes()
    app.router.add_get("/", index)
    app.router.add_get("/search.atom", search_atom)
    app.router.add_get("/opensearch.xml", opensearch)
    app.router.add_get("/static/maillage.css", stylesheet)
    for path in ("/favicon.ico", "/static/favicon.svg"):  # browsers ask /favicon.ico anyway
        app.router.add_get(path, favicon)


def render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A page of ``template`` with the headers every HTML page carries."""
    context.setdefault("node_name", request.app[SETTINGS].name)
    context.setdefault("alternate", None)
    context.setdefault("ld", None)
    html = request.app[TEMPLATES].get_template(template).render(context)
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


ERROR_TITLES = {400: "Requête invalide", 404: "Page introuvable", 500: "Erreur interne"}
UNEXPECTED = (
    "Une erreur inattendue est survenue sur ce nœud. Réessayez dans un moment ; si elle "
    "revient, prévenez la personne qui s'occupe du nœud (le détail est dans son journal)."
)
#: The page of last resort, when even the error template cannot be rendered.
BARE_500 = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur interne</title>'
    f'<h1>Erreur interne</h1><p>{UNEXPECTED}</p><p><a href="/">Retour à la recherche</a></p>'
)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    title = ERROR_TITLES.get(status, f"Erreur {status}")
    return render(request, "error.html", {"title": title, "message": message}, status)


@web.middleware
async def html_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """A browser asking for an unknown page, or meeting a bug, gets a French HTML page,
    not JSON (the API and feeds keep their JSON errors: ``node.middleware``)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not _wants_page(request):
            raise
        messages = {404: "Il n'y a rien à cette adresse.", 405: "Méthode non acceptée ici."}
        return error_page(request, exc.status, messages.get(exc.status, "Requête invalide."))
    except Exception:
        if not _wants_page(request):
            raise
        log.exception("erreur inattendue en traitant %s %s", request.method, request.raw_path)
        try:
            return error_page(request, 500, UNEXPECTED)
        except Exception:
            log.exception("page d'erreur impossible à produire")
            response = web.Response(text=BARE_500, status=500, content_type="text/html")
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            return response


def _wants_page(request: web.Request) -> bool:
    """A browser's GET of a page (not of the API, the feeds or the inbox)."""
    api = request.path.startswith(("/api/", "/feeds", "/.well-known/", "/inbox"))
    wants_html = "text/html" in request.headers.get("Accept", "")
    return wants_html and not api and request.method in ("GET", "HEAD")


async def index(request: web.Request) -> web.Response:
    store, did = request.app[STORE], request.app[KEY].did
    about = await asyncio.to_thread(_about, store, did)
    about["name"] = request.app[SETTINGS].name
    try:
        params = parse_params(request.query)
    except ParamError as exc:
        context = {"form": dict(request.query), "error": f"{exc.param} : {exc.message}"}
        return render(request, "search.html", {**context, "about": about, "result": None}, 400)
    context: dict[str, Any] = {"form": dict(request.query), "error": None, "about": about}
    try:
        result: SearchResult = await asyncio.to_thread(request.app[SEARCH].search, params)
    except IndexNotReady as exc:  # the node serves its feeds; the search comes shortly
        waiting = index_not_ready(exc.percent, exc.failed)
        context.update(error=waiting.message, result=None)
        response = render(request, "search.html", context, 503)
        response.headers.update(waiting.headers)
        return response
    cards = [card(hit) for hit in result.hits]
    silent = await asyncio.to_thread(peers.silent_places, store) if cards else set()
    for item, hit in zip(cards, result.hits, strict=True):
        item["silent"] = hit.author in silent
    pages = max(1, math.ceil(result.total / params.per_page))
    first = (result.page - 1) * params.per_page + 1
    query = params.to_query()
    query.pop("page", None)
    context.update(
        result=result,
        cards=cards,
        params=params,
        facets=_facets(params, result),
        active=_active(params),
        pages=pages,
        first=first,
        prev_url=link(params, page=result.page - 1) if result.page > 1 else None,
        next_url=link(params, page=result.page + 1) if result.page < pages else None,
        suggestion_url=link(params, q=result.suggestion) if result.suggestion else None,
        alternate="/search.atom" + (f"?{urlencode(query)}" if query else ""),
        ld=jsonld.dumps(jsonld.item_list(cards, base_url(request), first, result.total)),
    )
    return render(request, "search.html", context)


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


def card(hit: Hit) -> dict[str, Any]:
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
        "expired": views.expired(hit.valid_until or body.get("valid_until")),
    }


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


def _active(params: SearchParams) -> list[dict[str, str]]:
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
    return active


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
        result: SearchResult = await asyncio.to_thread(request.app[SEARCH].search, params)
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
        item = card(hit)
        where = ", ".join(x for x in (item["place_name"], item["city"]) if x)
        summary = " — ".join(x for x in (where, views.plain(hit.snippet), *item["short"]) if x)
        entries.append(
            {
                "url": base + item["url"],
                "title": item["title"],
                "updated": hit.updated,
                "summary": summary,
                "category": hit.category,
                "category_label": item["category_label"],
            }
        )
    body = atom.feed(
        feed_id=f"{base}/search.atom" + (f"?{encoded}" if encoded else ""),
        title="Maillage : " + (", ".join(words) or "tous les résultats"),
        subtitle=f"{result.total} résultat(s) sur le nœud {request.app[SETTINGS].name}",
        self_url=f"{base}/search.atom" + (f"?{encoded}" if encoded else ""),
        html_url=f"{base}/" + (f"?{encoded}" if encoded else ""),
        author=request.app[SETTINGS].name,
        entries=entries,
    )
    return web.Response(body=body, content_type=atom.ATOM, charset="utf-8")


async def opensearch(request: web.Request) -> web.Response:
    body = atom.opensearch(base_url(request), request.app[SETTINGS].name)
    return web.Response(body=body, content_type=atom.OPENSEARCH, charset="utf-8")


async def favicon(request: web.Request) -> web.Response:
    icon = (HERE / "static" / "favicon.svg").read_bytes()
    return web.Response(body=icon, content_type="image/svg+xml")


async def stylesheet(request: web.Request) -> web.Response:
    css = request.app[STYLESHEET]
    tag = hashlib.sha256(css).hexdigest()[:20]
    if any(e.value == tag for e in request.if_none_match or ()):
        response = web.Response(status=304)
    else:
        response = web.Response(body=css, content_type="text/css", charset="utf-8")
    response.headers["ETag"] = f'"{tag}"'
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
