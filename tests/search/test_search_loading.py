"""A node whose search index takes long to open or rebuild serves its feeds meanwhile.

The search answers 503 (French page, JSON ``index-loading`` with Retry-After) until the
index is ready; entries stored during the wait are searchable once it is; a node stopped
during a rebuild gives up cleanly, and the next start rebuilds.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from aiohttp import web

from node.app import create_app
from node.home import Node
from search.index import IndexNotReady, SearchIndex, index_path
from search.model import SearchParams
from tests.support.http_servers import serve
from tests.support.polling import until
from tests.support.samples import OFFER


@pytest.fixture
def held_back(monkeypatch):  # type: ignore[no-untyped-def]
    """Every index load waits until the test sets the event."""
    gate = threading.Event()
    original = SearchIndex.load

    def load(self: SearchIndex) -> None:
        gate.wait(30)
        original(self)

    monkeypatch.setattr(SearchIndex, "load", load)
    yield gate
    gate.set()


async def test_feeds_are_served_while_the_index_loads(node: Node, held_back) -> None:
    node.store.append_own(node.key, col="offer", rid="laser", body={**OFFER, "title": "Laser"})
    settings = node.settings.model_copy(update={"index_wait_seconds": 0.05})
    client = await serve(settings)
    try:
        assert (await client.get("/feeds")).status == 200
        assert (await client.get(f"/feeds/{node.key.did}/entries")).status == 200

        response = await client.get("/api/search", params={"q": "laser"})
        assert response.status == 503
        assert response.headers["Retry-After"] == "5"
        assert (await response.json())["error"] == "index-loading"
        page = await client.get("/", params={"q": "laser"}, headers={"Accept": "text/html"})
        assert page.status == 503
        assert "en construction" in await page.text()
        assert (await client.get("/search.atom", params={"q": "laser"})).status == 503
        place = await client.get(f"/lieux/{node.key.did}")  # pages from the store still work
        assert place.status == 200

        # stored while the index loads: found once it is ready
        node.store.append_own(
            node.key, col="offer", rid="couture", body={**OFFER, "title": "Couture en série"}
        )
        held_back.set()

        async def ready() -> bool:
            return (await client.get("/api/search", params={"q": "couture"})).status == 200

        await until(ready, timeout=20)
        data = await (await client.get("/api/search", params={"q": "couture"})).json()
        assert [hit["rid"] for hit in data["results"]] == ["couture"]
        data = await (await client.get("/api/search", params={"q": "laser"})).json()
        assert "laser" in [hit["rid"] for hit in data["results"]]
    finally:
        await client.close()


def test_a_rebuild_stopped_midway_is_redone_at_the_next_start(node: Node, tmp_path: Path):
    node.store.append_own(node.key, col="offer", rid="laser", body={**OFFER, "title": "Laser"})
    path = index_path(node.settings.home)
    index = SearchIndex(path, node.store, load=False)
    with pytest.raises(IndexNotReady) as refused:
        index.search(SearchParams(q="laser"))
    assert not refused.value.failed
    index.stop()  # as when the node stops during the rebuild
    index.load()
    assert not index.ready
    index.close()
    again = SearchIndex(path, node.store)
    try:
        assert again.rebuilt and again.ready
        assert [h.rid for h in again.search(SearchParams(q="laser")).hits] == ["laser"]
    finally:
        again.close()


async def test_a_start_up_cancelled_while_the_index_loads_stops_the_loading(
    node: Node, monkeypatch
) -> None:
    """Ctrl-C during the start-up (``make demo``, ``maillage serve``): the runner's clean-up
    finds no thread still writing the index (it once raced the removal of the home)."""
    entered, finished = threading.Event(), threading.Event()

    def load(self: SearchIndex) -> None:
        entered.set()
        give_up = time.monotonic() + 10  # a regression fails, rather than hangs, the test
        while not self._stopping and time.monotonic() < give_up:
            threading.Event().wait(0.01)  # a rebuild checks for stop between chunks
        if self._stopping:
            finished.set()

    monkeypatch.setattr(SearchIndex, "load", load)
    settings = node.settings.model_copy(update={"index_wait_seconds": 30})
    runner = web.AppRunner(create_app(settings))
    setup = asyncio.ensure_future(runner.setup())
    await until(entered.is_set, timeout=10)
    setup.cancel()
    with pytest.raises(asyncio.CancelledError):
        await setup
    assert finished.is_set()  # stopped and joined before the cancellation went on
    await runner.cleanup()  # what the demo does next: closes the store, no error
