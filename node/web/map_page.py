"""``GET /carte``: the map of what this node knows, then the list of what it shows.

With JavaScript, ``static/carte.js`` draws Leaflet with clustered markers read from
``/api/places.geojson`` with the page's own filters; without it, the page shows the SVG the
server drew (:mod:`node.display.dot_map`). Both use the projection of
:mod:`node.display.france_map`: the script gets its constants from the panel's
``data-map`` attribute, written here from the Python constants. By default the background
is the bundled map of departments, so no request leaves the node; an operator's tile server
(``map_tiles_url``) replaces it, and only then may the page's CSP name that host.

:func:`map_panel` is the context of the include ``map_panel.html`` for any page (the search
page's compact map from its hits; :func:`search_panel` for a page with none, such as the
dashboard); a page that includes it renders with :func:`map_policy`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from node.appkeys import SETTINGS
from node.display import dot_map, france_map, html, vendor
from node.display.record_text import COL_LABELS
from node.web import meta
from node.web.geojson import MAX_FEATURES, Located, search_located
from node.web.map_assets import SCRIPT_URL
from protocol import geography
from search.index import IndexNotReady
from search.model import Hit, ParamError, SearchParams, parse_params

STYLESHEETS = (
    vendor.asset_url("leaflet", "leaflet.css"),
    vendor.asset_url("leaflet.markercluster", "MarkerCluster.css"),
    vendor.asset_url("leaflet.markercluster", "MarkerCluster.Default.css"),
)
SCRIPTS = (
    vendor.asset_url("leaflet", "leaflet.js"),
    vendor.asset_url("leaflet.markercluster", "leaflet.markercluster.js"),
    SCRIPT_URL,
)


def map_policy(request: web.Request) -> str:
    """The CSP of a page with the map (its tile server, if the operator set one)."""
    return html.map_policy(request.app[SETTINGS].map_tiles_url)


def map_panel(
    request: web.Request,
    params: SearchParams,
    hits: Sequence[Hit],
    *,
    compact: bool,
    label: str,
) -> dict[str, Any]:
    """The context of ``map_panel.html``: the server's dot map of ``hits`` and what the
    browser map needs to draw the markers of the same search."""
    settings = request.app[SETTINGS]
    points = [(hit.lat, hit.lon) for hit in hits if hit.lat is not None and hit.lon is not None]
    drawn = dot_map.dot_map(points, label)  # type: ignore[arg-type]
    query = params.to_query()
    query.pop("page", None)
    query.pop("per_page", None)
    tiles = None
    if settings.map_tiles_url:
        tiles = {"url": settings.map_tiles_url, "attribution": settings.map_tiles_attribution}
    config = {
        "geojson": "/api/places.geojson" + (f"?{urlencode(query)}" if query else ""),
        "background": dot_map.BACKGROUND_URL,
        "projection": france_map.projection(),
        "tiles": tiles,
        "attribution": dot_map.ATTRIBUTION,
        "compact": compact,
    }
    return {
        "svg": drawn.svg,
        "on_map": drawn.on_map,
        "off_map": drawn.off_map,
        "located": len(points),
        "config": json.dumps(config, ensure_ascii=False, separators=(",", ":")),
        "compact": compact,
        "label": label,
        "attribution": dot_map.ATTRIBUTION,
        "tiles_attribution": settings.map_tiles_attribution if tiles else "",
        "stylesheets": STYLESHEETS,
        "scripts": SCRIPTS,
        "full_url": "/carte" + (f"?{urlencode(query)}" if query else ""),
        "search_url": "/" + (f"?{urlencode(query)}" if query else ""),
    }


async def search_panel(
    request: web.Request, params: SearchParams, *, label: str, compact: bool = True
) -> dict[str, Any]:
    """:func:`map_panel` of everything ``params`` finds (up to ``MAX_FEATURES``), for a page
    that has no hits of its own to draw (the dashboard); :class:`IndexNotReady` while the
    index loads. Render the page with :func:`map_policy`."""
    found = await search_located(request, params)
    return map_panel(request, params, found.hits, compact=compact, label=label)


def _groups(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    """The list under the map, by department (French name), then title."""

    def department(hit: Hit) -> str:
        code = hit.place.department or ""
        return geography.department_label(code) if code else "Département inconnu"

    ordered = sorted(hits, key=lambda h: (department(h), h.title.casefold()))
    return [
        {
            "name": name,
            "items": [
                {
                    "title": hit.title,
                    "url": hit.url,
                    "kind": COL_LABELS.get(hit.col, hit.col),
                    "place": hit.place.name if hit.col not in ("profile", "listing") else "",
                    "city": hit.place.city or "",
                    "category": hit.category_label or "",
                }
                for hit in items
            ],
        }
        for name, items in groupby(ordered, key=department)
    ]


async def carte(request: web.Request) -> web.Response:
    context: dict[str, Any] = {"form": dict(request.query), "map_panel": None, "groups": []}
    context["meta"] = meta.tags(
        request,
        f"Carte · {request.app[SETTINGS].name}",
        "La carte des tiers-lieux, de leurs offres et de leurs besoins que connaît ce nœud "
        "du réseau Maillage.",
    )
    try:
        params = parse_params(request.query)
    except ParamError as exc:
        context["error"] = f"{exc.param} : {exc.message}"
        return html.render(request, "carte.html", context, 400)
    try:
        found: Located = await search_located(request, params)
    except IndexNotReady:
        context["error"] = "L'index de recherche se construit : la carte sera là dans un instant."
        return html.render(request, "carte.html", context, 503)
    label = f"Carte de France des départements : {len(found.hits)} résultats situés"
    context.update(
        error=None,
        found=found,
        max_features=MAX_FEATURES,
        groups=_groups(found.hits),
        map_panel=map_panel(request, params, found.hits, compact=False, label=label),
    )
    return html.render(request, "carte.html", context, policy=map_policy(request))


async def background(request: web.Request) -> web.Response:
    """The departments behind both maps (``dot_map.background_svg``)."""
    response = web.Response(body=dot_map.background_svg(), content_type="image/svg+xml")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
