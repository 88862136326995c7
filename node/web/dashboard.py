"""``GET /tableau-de-bord``: the dashboard of enjeux, what this node knows, drawn on the server.

A thin handler: it reads the filters (a GET form: department, region, category, enjeu,
network) with the rules of ``/api/stats`` (``node.web.stats_api.parse_filters``), counts
with ``search.stats.compute`` on the search threads (admission), turns the counts into
charts and tables (:mod:`node.web.dashboard_view`) and renders ``dashboard.html``. No
JavaScript: the charts are inline SVG. Its answers are kept per index generation
(``node.app`` wraps it in ``answer_cache.cached``).

A network is a node that follows its members: the networks offered in the form are the held
profiles whose families include ``reseau``, and this node itself. A node whose own profile
is a network's titles the page with that name.
"""

from __future__ import annotations

import datetime
from typing import Any

from aiohttp import web

from node.api_errors import bad_parameter, index_not_ready
from node.appkeys import KEY, SEARCH, SETTINGS, STORE
from node.display import html
from node.display import record_text as views
from node.store.database import Store
from node.web import map_page
from node.web.admission import run_search
from node.web.dashboard_view import view
from node.web.stats_api import parse_filters, today
from protocol import geography
from search.index import IndexNotReady
from search.model import SearchParams
from search.params import ParamError
from search.stats import StatsFilters, compute

NETWORK_FAMILY = "reseau"


def networks(
    store: Store, did: str, own_name: str, hidden: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """The networks to choose from: this node first, then each held profile of a network
    (not one this node hides), as (did, name), by name."""
    found = {}
    for record in store.records(col="profile"):
        if record.author in hidden:
            continue
        body = record.body if isinstance(record.body, dict) else {}
        families = body.get("families")
        if isinstance(families, list) and NETWORK_FAMILY in families and record.author != did:
            found[record.author] = views.text(body.get("name")) or record.author
    return [(did, f"{own_name} (ce nœud)"), *sorted(found.items(), key=lambda item: item[1])]


def own_network_name(store: Store, did: str) -> str | None:
    """This node's name as a network's, when its own profile has the family ``reseau``."""
    for record in store.records(col="profile", author=did):
        body = record.body if isinstance(record.body, dict) else {}
        families = body.get("families")
        if isinstance(families, list) and NETWORK_FAMILY in families:
            return views.text(body.get("name")) or None
    return None


def _gather(
    store: Store, index: Any, did: str, name: str, filters: StatsFilters, day: datetime.date
) -> dict[str, Any]:
    """What the page needs from the store and the index (on a search thread)."""
    stats = compute(store, index, filters, day).to_json()
    return {
        "stats": stats,
        "networks": networks(store, did, name, index.hidden_authors),
        "network_name": own_network_name(store, did),
    }


async def page(request: web.Request) -> web.Response:
    try:
        filters = parse_filters(request.query)  # the rules of /api/stats
    except ParamError as exc:
        raise bad_parameter(f"{exc.param} : {exc.message}") from None
    day = today()  # the one reading of the clock, as /api/stats
    name, did = request.app[SETTINGS].name, request.app[KEY].did
    store, index = request.app[STORE], request.app[SEARCH]
    try:
        got = await run_search(request, _gather, store, index, did, name, filters, day)
    except IndexNotReady as exc:
        raise index_not_ready(exc.percent, exc.failed) from None
    network_name = got["network_name"]
    title = (
        f"{network_name} : tableau de bord"
        if network_name
        else f"Tableau de bord des enjeux : {name}"
    )
    try:  # the places and offers of the same territory, on the map (Leaflet where it runs)
        panel = await map_page.search_panel(
            request, _map_search(filters, day), label="Les lieux et les offres du tableau"
        )
    except IndexNotReady as exc:
        raise index_not_ready(exc.percent, exc.failed) from None
    context = {
        **view(got["stats"], filters.applied(), day),
        "map_panel": panel,
        "page_title": title,
        "form": filters.applied(),
        "networks": got["networks"],
        "regions": sorted(geography.REGIONS.items(), key=lambda item: item[1]),
    }
    return html.render(request, "dashboard.html", context, policy=map_page.map_policy(request))


def _map_search(filters: StatsFilters, day: datetime.date) -> SearchParams:
    """The search whose hits the dashboard's map shows: the filters' territory, category
    (a code: the search knows no group), enjeu and network."""
    category = filters.category if filters.category and "." in filters.category else None
    return SearchParams(
        department=filters.department,
        region=filters.region,
        category=category,
        enjeu=filters.enjeu,
        today=day,
        reseau=filters.reseau,
    )
