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

from node import admin, openapi, pages, place_pages, push, routes_feeds, scheduler, sync
from node.appkeys import KEY, SEARCH, SETTINGS, STORE, VERSION, WRITER
from node.client import client_address
from node.middleware import api_middleware
from node.settings import Settings
from node.store import Store
from node.writer import Writer
from protocol.keys import load_key
from search import api as search_api
from search.index import SearchIndex, index_path

log = logging.getLogger("maillage.node")


def create_app(settings: Settings) -> web.Application:
    """The node's web application, serving the home described by ``settings``."""
    app = web.Application(
        client_max_size=settings.max_request_bytes, middlewares=[api_middleware, pages.html_errors]
    )
    app[SETTINGS] = settings
    app[VERSION] = package_version()
    app.cleanup_ctx.append(_resources)
    app.cleanup_ctx.append(_search_index)  # after _resources: built from the open store
    scheduler.setup(app)  # after _resources: jobs start once the store is open
    scheduler.add_job(app, scheduler.Job("catch-up", lambda: app[WRITER].catch_up(), 0.5))
    routes_feeds.setup(app)
    pages.setup(app)
    place_pages.setup(app)
    openapi.setup(app)
    sync.setup(app)
    push.setup(app)
    search_api.setup(app)
    admin.setup(app)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[KEY] = await asyncio.to_thread(load_key, settings.key_path)
    store = await asyncio.to_thread(Store, settings.store_path)
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
    index = SearchIndex(index_path(settings.home), app[STORE], load=False)
    app[SEARCH] = index
    writer = app[WRITER]
    writer.add_listener(lambda entries: asyncio.to_thread(index.add_entries, entries))
    writer.add_fork_listener(lambda dids: asyncio.to_thread(index.remove_authors, dids))
    loading = asyncio.ensure_future(asyncio.to_thread(index.load))
    try:  # stopped while waiting too (Ctrl-C at start-up): the thread is stopped and joined
        await asyncio.wait({loading}, timeout=settings.index_wait_seconds)
        if not loading.done():
            log.warning("index de recherche en construction : le nœud sert ses flux en attendant")
        yield
    finally:
        index.stop()
        try:
            await loading
        except Exception:
            log.exception("index de recherche impossible à ouvrir")
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
        self.logger.info(
            "%s %s %s %s %sB %.1fms",
            client_address(request),
            request.method,
            request.raw_path[:300],
            response.status,
            response.body_length,
            time * 1000,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
