"""The aiohttp application of a node, built by :func:`create_app` (no global state).

The store and the identity key are opened when the application starts (``cleanup_ctx``) and
the store is closed when it stops, so an app can be built, served and torn down many times in
one process (tests, benchmarks).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from node import scheduler
from node.admin import endorsements as admin_endorsements
from node.admin import masking as admin_masking
from node.admin import peers as admin_peers
from node.admin import records as admin_records
from node.admin import site as admin
from node.admin.auth import LOGIN_PATH
from node.admin.site import protected
from node.appkeys import KEY, SEARCH, SETTINGS, SIGNER, STORE, VERSION, WRITER
from node.client_address import client_address
from node.display import dot_map, html
from node.federation import feed_routes, hiding, inbox, push_hub, subscriptions, sync
from node.home import KeyInForce, finish_rotation, load_identity
from node.publishing.kinds import KINDS
from node.settings import Settings
from node.store.database import Store
from node.tasks import in_own_thread
from node.web import (
    admission,
    answer_cache,
    crawlers,
    geojson,
    map_assets,
    map_page,
    openapi,
    pages,
    place_pages,
    search_api,
    stats_api,
    urgent,
)
from node.web.answer_cache import cached
from node.web.conditional import conditional_middleware
from node.web.dashboard import page as dashboard_page
from node.web.errors import cors_headers, error_middleware, with_expect_continue
from node.web.match_api import handle_match
from node.web.match_pages import FEED_ROUTE, need_atom
from node.web.server import UNPARSED
from node.writer import Writer
from search.index import SearchIndex, index_path

log = logging.getLogger("maillage.node")


def routes() -> list[web.RouteDef]:
    """Every route of a node, in the order they are matched."""
    kinds = "{kind:" + "|".join(KINDS) + "}"
    return [
        # the feed API and push (node.federation): what other nodes read and send
        web.get("/.well-known/maillage", feed_routes.well_known),
        web.get("/feeds", feed_routes.feeds),
        web.get("/feeds/{did}/entries", feed_routes.entries),
        web.get("/feeds/{did}/head", feed_routes.head),
        web.get("/feeds/{did}/fork", feed_routes.fork),
        web.post("/inbox", inbox.inbox),
        web.post("/inbox/callback/{token}", inbox.callback_push),
        web.get("/inbox/callback/{token}", subscriptions.challenge),
        # the search API (node.web)
        web.get("/api/search", cached("api", search_api.handle_search)),
        web.get("/api/match", cached("match", handle_match)),
        web.get("/api/places.geojson", cached("geojson", geojson.places_geojson)),
        web.get("/api/stats", cached("stats", stats_api.handle_stats)),
        web.get("/api/stats.csv", cached("stats-csv", stats_api.handle_stats_csv)),
        web.get("/api/openapi.json", openapi.openapi),
        # the public pages (node.web)
        web.get("/", cached("page", pages.index)),
        web.get("/search.atom", cached("atom", pages.search_atom)),
        web.get("/tableau-de-bord", cached("dashboard", dashboard_page)),
        web.get(urgent.FEED_PATH, cached("urgent-atom", urgent.urgent_atom)),
        web.get("/opensearch.xml", pages.opensearch),
        web.get("/robots.txt", crawlers.robots),
        web.get("/sitemap.xml", crawlers.sitemap_index),
        web.get(crawlers.PAGE_ROUTE, crawlers.sitemap_page),
        web.get("/carte", cached("map", map_page.carte)),
        web.get("/static/maillage.css", pages.stylesheet),
        web.get(dot_map.BACKGROUND_URL, map_page.background),
        web.get(map_assets.SCRIPT_URL, map_assets.asset),
        web.get(map_assets.ROUTE, map_assets.asset),
        web.get("/static/favicon.svg", pages.favicon),
        web.get("/favicon.ico", pages.favicon),  # browsers ask for it anyway
        web.get("/lieux/{did}.atom", cached("place-atom", place_pages.place_atom)),  # first
        web.get("/lieux/{did}", cached("place", place_pages.place_page)),
        web.get("/lieux/{did}/{col}/{rid}", cached("listing", place_pages.listing_page)),
        web.get(FEED_ROUTE, cached("need-atom", need_atom)),
        # the admin area (node.admin): every page but the login behind protected()
        web.get(LOGIN_PATH, admin.login_page),
        web.post(LOGIN_PATH, admin.login),
        web.post("/admin/deconnexion", protected(admin.logout)),
        web.get("/admin", protected(admin.dashboard)),
        web.get("/admin/profil", protected(admin_records.profile_form)),
        web.post("/admin/profil", protected(admin_records.profile_form)),
        web.get(f"/admin/{kinds}/ajouter", protected(admin_records.record_form)),
        web.post(f"/admin/{kinds}/ajouter", protected(admin_records.record_form)),
        web.get(f"/admin/{kinds}/{{rid}}/modifier", protected(admin_records.record_form)),
        web.post(f"/admin/{kinds}/{{rid}}/modifier", protected(admin_records.record_form)),
        web.get(f"/admin/{kinds}/{{rid}}/retirer", protected(admin_records.remove)),
        web.post(f"/admin/{kinds}/{{rid}}/retirer", protected(admin_records.remove)),
        web.get("/admin/pairs", protected(admin_peers.peers_page)),
        web.post("/admin/pairs/suivre", protected(admin_peers.follow)),
        web.get("/admin/pairs/ne-plus-suivre", protected(admin_peers.unfollow)),
        web.post("/admin/pairs/ne-plus-suivre", protected(admin_peers.unfollow)),
        web.post("/admin/pairs/recommander", protected(admin_endorsements.endorse)),
        web.get("/admin/pairs/ne-plus-recommander", protected(admin_endorsements.unendorse)),
        web.post("/admin/pairs/ne-plus-recommander", protected(admin_endorsements.unendorse)),
        web.post("/admin/pairs/masquer", protected(admin_masking.mute)),
        web.post("/admin/pairs/ne-plus-masquer", protected(admin_masking.unmute)),
        web.post("/admin/pairs/listes/appliquer", protected(admin_masking.apply)),
        web.post("/admin/pairs/listes/retirer", protected(admin_masking.unapply)),
    ]


def create_app(settings: Settings) -> web.Application:
    """The node's web application, serving the home described by ``settings``."""
    # conditional_middleware outside the error handler: it sees the error answers too
    app = web.Application(
        client_max_size=settings.max_request_bytes,
        middlewares=[conditional_middleware, error_middleware],
    )
    app[SETTINGS] = settings
    app[VERSION] = package_version()
    app.on_response_prepare.append(cors_headers)  # streamed answers (pages) have them too
    app.cleanup_ctx.append(_resources)
    app.cleanup_ctx.append(_search_index)  # after _resources: built from the open store
    scheduler.setup(app)  # after _resources: jobs start once the store is open
    scheduler.add_job(app, scheduler.Job("catch-up", lambda: app[WRITER].catch_up(), 0.5))
    hiding.setup(app)  # after _search_index: the places this node hides, read at start
    html.setup(app)
    admission.setup(app)  # search and pages: a few at once, the rest shed (503)
    answer_cache.setup(app)  # after _search_index: answers kept per index generation
    feed_routes.setup(app)
    sync.setup(app)
    push_hub.setup(app)
    inbox.setup(app)
    subscriptions.setup(app)
    admin.setup(app)
    app.router.add_routes(with_expect_continue(routes()))
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    # The key in force, signing for the place's did: after a rotation, the key file holds
    # the new key, and identity.did the did that followers know (node.home).
    key = await asyncio.to_thread(load_identity, settings)
    # A serving node writes: a folder in read-only mode or a full disk stops it at the start.
    store = await asyncio.to_thread(Store, settings.store_path, allow_read_only=False)
    app[KEY] = await asyncio.to_thread(finish_rotation, settings, key, store)
    app[SIGNER] = KeyInForce(settings, app[KEY])
    app[STORE] = store
    app[WRITER] = writer = Writer(store)
    try:
        yield
    finally:
        writer.close()
        store.close()


async def _search_index(app: web.Application) -> AsyncIterator[None]:
    """Open (or rebuild) the search index in a thread; wait for it ``index_wait_seconds`` at
    most, then serve anyway: a long rebuild goes on while the node serves its feeds, and the
    search pages say so until the index is ready."""
    settings = app[SETTINGS]
    index = SearchIndex(
        index_path(settings.home),
        app[STORE],
        load=False,
        batch=settings.index_batch,
        apart_entries=settings.index_apart_entries,
    )
    app[SEARCH] = index
    writer = app[WRITER]
    writer.add_listener(lambda entries: asyncio.to_thread(index.add_entries, entries))
    writer.add_fork_listener(lambda dids: asyncio.to_thread(index.remove_authors, dids))
    writer.add_recovery_listener(lambda dids: asyncio.to_thread(index.reindex_authors, dids))
    loading = in_own_thread(index.run, "maillage-index")  # the index thread, for good
    opened = asyncio.ensure_future(asyncio.to_thread(index.opened.wait))
    try:  # stopped while waiting too (Ctrl-C at start-up): the thread is stopped and joined
        await asyncio.wait(
            {loading, opened},
            timeout=settings.index_wait_seconds,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if not index.ready and not loading.done():
            log.warning("index de recherche en construction : le nœud sert ses flux en attendant")
        yield
    finally:
        index.stop()  # after the batch in progress (search.catchup)
        try:
            await loading
        except Exception:
            log.exception("index de recherche impossible à ouvrir")
        await opened
        index.close()


def package_version() -> str:
    try:
        return version("maillage")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+inconnue"


class AccessLogger(AbstractAccessLogger):
    """One compact line per request: client, method, path, status, body bytes, time."""

    __slots__ = ()

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        # raw_path: as sent, still percent-encoded, so it cannot forge a log line.
        unparsed = request.get(UNPARSED, False)  # aiohttp's stand-in, not what was sent
        self.logger.info(
            "%s %s %s %s %sB %.1fms",
            client_address(request),
            "-" if unparsed else request.method,
            "(requête illisible)" if unparsed else request.raw_path[:300],
            response.status,
            response.body_length,
            time * 1000,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
