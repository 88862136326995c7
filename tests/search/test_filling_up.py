"""A node filling up (entries by the thousand from a peer) leaves them to its index thread,
which hands the catch-up to a child process at once, even while it rebuilds a new node's
empty index; once it is done the index thread merges pass after pass, not one pass every
:data:`search.opening.IDLE_SECONDS`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from node.store.database import Store
from search import opening, writing
from search.index import SearchIndex, new_writer
from search.storage import open_checked
from tests.support.index_crashes import documents, rebuilt
from tests.support.index_thread import Running, fill
from tests.support.polling import until


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "store.sqlite3")
    yield store
    store.close()


async def test_a_new_node_filling_up_rebuilds_apart(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "maillage.search")
    monkeypatch.setattr(writing, "BURST_ENTRIES", 50)
    entries = fill(store, places=3, offers=40)
    # Far below the 10,000 a ready index waits for: it is the burst that sends it apart.
    index = SearchIndex(tmp_path / "index", store, load=False, batch=10, apart_entries=10_000)
    index.add_entries(entries)  # the listener, while the index is not open yet
    running = Running(index)
    fresh = rebuilt(store, tmp_path / "fresh")
    try:
        await until(lambda: index.ready and documents(index) == documents(fresh), 60, what="built")
        assert not index._apart_failed
    finally:
        running.stop()
        fresh.close()
    said = [r.getMessage() for r in caplog.records]
    assert any("absent : construction" in line for line in said)
    assert any("processus à part" in line for line in said)


async def test_a_burst_is_left_to_the_index_thread(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "BURST_ENTRIES", 20)
    SearchIndex(tmp_path / "index", store).close()
    index = SearchIndex(tmp_path / "index", store, batch=10, apart_entries=0)
    index._worker = True  # as the serving node's index
    try:
        first = fill(store, places=1, offers=5)
        index.add_entries(first)  # 6 entries: a few feeds moving, indexed at once
        assert len(documents(index)) == 6
        index.add_entries(fill(store, places=1, offers=30)[6:])  # 30 more within 10 s
        assert len(documents(index)) == 6  # left to the index thread (woken)
        assert index._dirty
    finally:
        index.close()


def test_progress_of_a_rebuild_apart_is_relayed(store: Store, tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index", store)
    try:
        index._apart_event({"commit": 3, "progress": [2, 5]})
        assert index.progress == (2, 5)
        index._apart_event({"commit": 4, "progress": ["2", None]})  # not the child's: ignored
        index._apart_event({"commit": 5, "progress": None})
        assert index.progress == (2, 5)
    finally:
        index.close()


async def test_the_index_thread_merges_pass_after_pass(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opening, "MERGE_DOCS", 25)  # two segments of 10 a pass
    SearchIndex(tmp_path / "index", store).close()
    ix = open_checked(tmp_path / "index")
    for n in range(opening.MERGE_AFTER + 6):
        writer = new_writer(ix)
        for i in range(n * 10, n * 10 + 10):
            writer.add_document(key=str(i), all=[(f"atelier mot{i}", 1)], col="offer")
        writer.commit(merge=False)
    ix.close()
    running = Running(SearchIndex(tmp_path / "index", store, load=False))
    try:  # within one idle wait: one pass each would leave it at 13 segments for 30 s
        await until(
            lambda: (
                running.index._ix is not None
                and len(running.index._ix._segments()) <= opening.MERGE_AFTER
            ),
            opening.IDLE_SECONDS / 2,
            what="merged",
        )
    finally:
        running.stop()
