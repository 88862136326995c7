"""``GET /api/places.geojson``: what a search lists, with coordinates, as GeoJSON (RFC 7946).

The markers of the map (``/carte``, the search page's map) come from here, with the search's
own parameters (``search.model.SEARCH_PARAMS``, read by ``parse_params``): the same filters
give the same records. One search of the local index answers it, at most
:data:`MAX_FEATURES` hits deep (the search's own deepest page, ``searching.MAX_DEPTH``), in
the search's order; ``page`` and ``per_page`` are not used. Records without a position are
left out (``total`` counts them, ``located`` does not); a collection cut short says so
(``truncated`` and a French ``message``). The Feature shape is the export's
(``node.io.export.point_feature``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
from aiohttp import web

from node.api_errors import bad_parameter, index_not_ready
from node.appkeys import SEARCH
from node.display import record_text as views
from node.io.export import point_feature
from node.web.admission import run_search
from node.web.trust_cache import local_trust
from search.index import IndexNotReady
from search.model import SEARCH_PARAMS, Hit, ParamError, SearchParams, SearchResult, parse_params

#: Features at most in one answer: a map shows no more, and 5,000 weigh about 1.5 MB.
MAX_FEATURES = 5000
GEOJSON = "application/geo+json"
#: The parameters of a search that choose what is on the map (not its paging).
MAP_PARAMS = tuple(p for p in SEARCH_PARAMS if p.name not in ("page", "per_page"))


@dataclasses.dataclass(frozen=True)
class Located:
    """What a map shows: the hits with a position, out of ``total`` matching."""

    hits: list[Hit]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > MAX_FEATURES

    @property
    def message(self) -> str | None:
        if not self.truncated:
            return None
        return (
            f"Carte limitée aux {MAX_FEATURES} premiers résultats sur {self.total} : "
            "précisez la recherche pour voir les autres."
        )


def map_params(params: SearchParams) -> SearchParams:
    """The same search, one page as deep as the map goes."""
    return dataclasses.replace(params, page=1, per_page=MAX_FEATURES)


def located(result: SearchResult) -> Located:
    hits = [hit for hit in result.hits if hit.lat is not None and hit.lon is not None]
    return Located(hits, result.total)


async def search_located(request: web.Request, params: SearchParams) -> Located:
    """The map's hits for ``params`` (:class:`IndexNotReady` while the index loads)."""
    trust = await local_trust(request, params.reseau)
    search = request.app[SEARCH].search
    return located(await run_search(request, search, map_params(params), trust))


def hit_feature(hit: Hit) -> dict[str, Any]:
    assert hit.lat is not None and hit.lon is not None
    properties = {
        "title": hit.title,
        "col": hit.col,
        "col_label": views.COL_LABELS.get(hit.col, hit.col),
        "place": hit.place.name,
        "city": hit.place.city or "",
        "url": hit.url,
        "category_label": hit.category_label or "",
        "hops": hit.hops,
    }
    return point_feature(f"{hit.author}/{hit.col}/{hit.rid}", hit.lat, hit.lon, properties)


def collection(found: Located) -> dict[str, Any]:
    """The FeatureCollection (its foreign members ``total``, ``located``, ``truncated`` and
    ``message`` say how much of the search it holds)."""
    return {
        "type": "FeatureCollection",
        "features": [hit_feature(hit) for hit in found.hits],
        "total": found.total,
        "located": len(found.hits),
        "truncated": found.truncated,
        "message": found.message,
    }


async def places_geojson(request: web.Request) -> web.Response:
    try:
        params = parse_params(request.query)
    except ParamError as exc:
        raise bad_parameter(f"{exc.param} : {exc.message}") from None
    try:
        found = await search_located(request, params)
    except IndexNotReady as exc:
        raise index_not_ready(exc.percent, exc.failed) from None
    return web.Response(body=orjson.dumps(collection(found)), content_type=GEOJSON)
