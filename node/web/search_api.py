"""``GET /api/search``: the local index as JSON (parameters of :func:`parse_params`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from node.api_errors import bad_parameter, index_not_ready, json_response
from node.appkeys import SEARCH
from node.web.admission import run_search
from node.web.trust_cache import local_trust
from search.index import IndexNotReady
from search.model import Hit, ParamError, SearchResult, parse_params


async def handle_search(request: web.Request) -> web.Response:
    try:
        params = parse_params(request.query)
    except ParamError as exc:
        raise bad_parameter(f"{exc.param} : {exc.message}") from None
    try:
        trust = await local_trust(request, params.reseau)
        result = await run_search(request, request.app[SEARCH].search, params, trust)
    except IndexNotReady as exc:
        raise index_not_ready(exc.percent, exc.failed) from None
    return json_response(result_json(result))


def hit_json(hit: Hit) -> dict[str, Any]:
    data: dict[str, Any] = {
        "author": hit.author,
        "col": hit.col,
        "rid": hit.rid,
        "title": hit.title,
        "snippet": hit.snippet,
        "place": {
            "name": hit.place.name,
            "city": hit.place.city,
            "department": hit.place.department,
        },
        "category": hit.category,
        "category_label": hit.category_label,
        "url": hit.url,
        "updated": hit.updated,
        "valid_until": hit.valid_until,
        "hops": hit.hops,
    }
    if hit.distance_km is not None:
        data["distance_km"] = hit.distance_km
    return data


def result_json(result: SearchResult) -> dict[str, Any]:
    """The JSON answer of a search (also printed by ``maillage search --json``)."""
    return {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "results": [hit_json(hit) for hit in result.hits],
        "facets": {
            name: [{"code": f.code, "label": f.label, "count": f.count} for f in facets]
            for name, facets in result.facets.items()
        },
        "suggestion": result.suggestion,
        "any_word": result.any_word,
        "around": None if result.around is None else dataclasses.asdict(result.around),
        "unknown_town": result.unknown_town,
    }
