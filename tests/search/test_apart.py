"""A big catch-up runs in a child process (:mod:`search.apart`), beside the node's index
thread, and ends with the documents a rebuild makes; the node writes nothing meanwhile,
stops the child when it stops, and catches up itself when the child fails."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from node.store.database import Store
from search import opening
from search.apart import ApartCatchUp, entries_behind
from search.index import SearchIndex
from tests.support.index_crashes import documents, rebuilt
from tests.support.index_thread import Running, fill
from tests.support.polling import until


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "store.sqlite3")
    yield store
    store.close()


def started(store: Store, where: Path, places: int, offers: int, batch: int) -> Running:
    """The index thread over an empty, complete index, the store filled ahead of it."""
    SearchIndex(where / "index", store).close()
    fill(store, places=places, offers=offers)
    index = SearchIndex(where / "index", store, load=False, batch=batch, apart_entries=50)
    return Running(index)


def caught_up(index: SearchIndex, store: Store, fresh: SearchIndex) -> bool:
    return not index._apart and documents(index) == documents(fresh)


async def test_a_big_catch_up_runs_apart_and_ends_like_a_rebuild(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "maillage.search")
    running = started(store, tmp_path, places=3, offers=40, batch=10)
    index = running.index
    fresh = rebuilt(store, tmp_path / "fresh")
    try:
        await until(lambda: caught_up(index, store, fresh), 60, what="caught up apart")
        assert entries_behind(store, index.marks) == 0
        assert not index._apart_failed
    finally:
        running.stop()
        fresh.close()
    said = [r.getMessage() for r in caplog.records]
    assert any("processus à part" in line for line in said)
    assert not any(r.exc_info for r in caplog.records)


async def test_entries_stored_meanwhile_are_left_to_the_child_then_indexed(
    store: Store, tmp_path: Path
) -> None:
    running = started(store, tmp_path, places=4, offers=60, batch=5)
    index = running.index
    try:
        await until(lambda: index._apart, 30, what="the child started")
        fill(store, places=4, offers=5, first=60)  # a live round while the child works
        index.add_entries([])  # the listener: leaves them (a write now would race it)
        index.remove_authors([])
        fresh = rebuilt(store, tmp_path / "fresh")
        try:
            await until(lambda: caught_up(index, store, fresh), 60, what="every entry")
        finally:
            fresh.close()
    finally:
        running.stop()


async def test_a_node_stopping_stops_the_child_after_its_batch(
    store: Store, tmp_path: Path
) -> None:
    running = started(store, tmp_path, places=4, offers=200, batch=5)
    index = running.index
    children: list[ApartCatchUp] = []
    original = opening.ApartCatchUp

    def spy(*args):  # type: ignore[no-untyped-def]
        children.append(original(*args))
        return children[-1]

    opening.ApartCatchUp = spy  # type: ignore[misc]
    try:
        await until(lambda: children and index.generation > 1, 30, what="a commit apart")
    finally:
        opening.ApartCatchUp = original  # type: ignore[misc]
        running.stop()
    assert children[0].process.returncode == 0  # stopped after its batch, not killed
    again = SearchIndex(tmp_path / "index", store)  # goes on from the watermarks
    fresh = rebuilt(store, tmp_path / "fresh")
    try:
        assert documents(again) == documents(fresh)
    finally:
        again.close()
        fresh.close()


FAILURES = [
    (
        'print(\'{"failed": "RuntimeError: panne"}\'); raise SystemExit(1)',
        "index de recherche : rattrapage à part interrompu (RuntimeError: panne) ; repris "
        "dans le nœud",
    ),
    (
        "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
        "index de recherche : rattrapage à part arrêté (signal 9) ; repris dans le nœud",
    ),
]


@pytest.mark.parametrize(("code", "said"), FAILURES)
async def test_a_failing_child_leaves_the_catch_up_to_the_node(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch, code, said
) -> None:
    monkeypatch.setattr(
        ApartCatchUp, "command", staticmethod(lambda *_: [sys.executable, "-c", code])
    )
    running = started(store, tmp_path, places=2, offers=40, batch=10)
    index = running.index
    fresh = rebuilt(store, tmp_path / "fresh")
    try:
        await until(lambda: caught_up(index, store, fresh), 60, what="caught up by the node")
        assert index._apart_failed
    finally:
        running.stop()
        fresh.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [said]


async def test_the_child_stops_when_the_node_is_gone(store: Store, tmp_path: Path) -> None:
    SearchIndex(tmp_path / "index", store).close()
    fill(store, places=4, offers=200)
    child = ApartCatchUp(tmp_path / "index", store.path, 5)
    try:
        assert child.process.stdin is not None
        child.process.stdin.close()  # what the system does when the node dies (kill -9)
        await until(lambda: child.process.poll() is not None, 30, what="the child ended")
        assert child.process.returncode == 0
    finally:
        child.close()


def test_entries_behind_counts_what_the_index_misses(store: Store, tmp_path: Path) -> None:
    SearchIndex(tmp_path / "index", store).close()
    fill(store, places=2, offers=10)
    index = SearchIndex(tmp_path / "index", store)
    try:
        assert entries_behind(store, index.marks) == 0
    finally:
        index.close()
    fill(store, places=2, offers=3, first=10)
    index = SearchIndex(tmp_path / "index", store, load=False)
    index._try_open(store)
    try:
        assert entries_behind(store, index.marks) == 6
    finally:
        index.close()
