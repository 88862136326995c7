"""The index catches up by seq, in bounded batches: watermarks, crashes, feeds changed behind.

Every test compares the index with one rebuilt from the same store: after any crash and
any change of the store, the catch-up must end with the same documents.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from node.store.database import Store
from protocol.signing import sign_entry
from search.faults import IndexBusy
from search.index import HEADS_FILE, SearchIndex
from search.watermarks import read_marks
from tests.support.index_crashes import Crash, answers, crash_after, documents, rebuilt
from tests.support.samples import OFFER, key

PLACE = {"name": "La Fabrique", "address": {"city": "Périgueux"}, "department": "24"}
MOVED = {"name": "La Fabrique", "address": {"city": "Bordeaux"}, "department": "33"}
QUERIES = ("", "laser", "bordeaux", "périgueux")


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "store.sqlite3")
    yield store
    store.close()


def big_feed(store: Store, signer, count: int = 30) -> None:
    store.append_own(signer, col="profile", rid="profile", body=PLACE)
    for i in range(count):
        store.append_own(signer, col="offer", rid=f"o{i}", body={**OFFER, "title": f"Laser {i}"})


def same_as_rebuilt(index: SearchIndex, store: Store, where: Path) -> None:
    fresh = rebuilt(store, where)
    try:
        assert documents(index) == documents(fresh)
        assert answers(index, *QUERIES) == answers(fresh, *QUERIES)
    finally:
        fresh.close()


def test_a_catch_up_commits_batches_and_a_crash_keeps_them(store: Store, tmp_path: Path):
    signer = key("fabrique")
    SearchIndex(tmp_path / "index", store, batch=4).close()  # an empty, complete index
    big_feed(store, signer, 30)
    index = SearchIndex(tmp_path / "index", store, batch=4, load=False)
    with pytest.raises(Crash), crash_after(index, "save", 4):
        index.load()
    index.close()  # killed: what was committed stays
    marks = read_marks(tmp_path / "index")
    mark = marks.feeds[signer.did]  # a new feed: a pass over its records, under way
    assert marks.complete and mark.scan not in (None, "")
    again = SearchIndex(tmp_path / "index", store, batch=4, load=False)
    again.opened.clear()
    steps: list[int] = []
    original = again._advance  # one call per batch of a feed, whatever the commits

    def counted(*args):
        steps.append(1)
        return original(*args)

    again._advance = counted  # type: ignore[method-assign]
    again.load()
    assert again.ready and not again.rebuilt
    assert 0 < len(steps) < 31 // 4 + 2  # went on from the watermark, not from zero
    same_as_rebuilt(again, store, tmp_path / "fresh")
    again.close()


def test_search_answers_with_what_is_committed_during_a_catch_up(store: Store, tmp_path: Path):
    signer = key("fabrique")
    SearchIndex(tmp_path / "index", store).close()
    big_feed(store, signer, 12)
    index = SearchIndex(tmp_path / "index", store, batch=3, load=False)
    seen: list[int] = []
    original = index._step_many

    def step(s: Store, authors: list[str]) -> list[str]:
        moved = original(s, authors)
        seen.append(len(answers(index, "laser")[0]))  # searches between two commits
        return moved

    index._step_many = step  # type: ignore[method-assign]
    index.load()
    assert seen[0] < 12 and seen[-1] == 12 and seen == sorted(seen)
    index.close()


def test_a_rebuild_stopped_midway_goes_on_at_the_next_start(store: Store, tmp_path: Path):
    big_feed(store, key("a"), 20)
    big_feed(store, key("b"), 20)
    index = SearchIndex(tmp_path / "index", store, batch=5, load=False)
    with pytest.raises(Crash), crash_after(index, "write", 17):
        index.load()
    index.close()
    assert not read_marks(tmp_path / "index").complete
    again = SearchIndex(tmp_path / "index", store, batch=5)
    assert again.rebuilt and again.ready
    same_as_rebuilt(again, store, tmp_path / "fresh")
    again.close()


def test_a_profile_change_moves_every_document_in_batches(store: Store, tmp_path: Path):
    signer = key("fabrique")
    big_feed(store, signer, 25)
    SearchIndex(tmp_path / "index", store).close()
    store.append_own(signer, col="profile", rid="profile", body=MOVED)
    index = SearchIndex(tmp_path / "index", store, batch=4, load=False)
    with pytest.raises(Crash), crash_after(index, "save", 3):
        index.load()
    index.close()
    again = SearchIndex(tmp_path / "index", store, batch=4)
    assert len(answers(again, "bordeaux")[0]) == 26 and answers(again, "périgueux") == [[]]
    same_as_rebuilt(again, store, tmp_path / "fresh")
    again.close()


def test_a_feed_changed_behind_the_watermark_is_redone(store: Store, tmp_path: Path):
    """A store restored from an older copy, then other entries at the same seqs."""
    signer = key("fabrique")
    big_feed(store, signer, 5)
    shutil.copy(tmp_path / "store.sqlite3", tmp_path / "old.sqlite3")
    for i in range(5):
        store.append_own(signer, col="offer", rid=f"later{i}", body={**OFFER, "title": "Laser"})
    SearchIndex(tmp_path / "index", store).close()
    store.close()
    old = Store(tmp_path / "old.sqlite3")
    try:
        for i in range(3):  # the same seqs as later0..2, other entries
            old.append_own(
                signer, col="need", rid=f"n{i}", body={"title": "Laser", "category": "x"}
            )
        index = SearchIndex(tmp_path / "index", old, batch=2)
        assert not any(k.endswith(("later0", "later3")) for k in documents(index))
        same_as_rebuilt(index, old, tmp_path / "fresh")
        index.close()
    finally:
        old.close()


def test_a_fork_and_a_feed_gone_leave_the_index(store: Store, tmp_path: Path):
    signer = key("fabrique")
    big_feed(store, signer, 3)
    SearchIndex(tmp_path / "index", store).close()
    head = store.feed(signer.did)
    other = sign_entry(
        signer,
        seq=head.seq,
        prev=store.entry_id(signer.did, head.seq - 1),
        col="offer",
        rid="autre",
        body=OFFER,
    )
    assert store.append([other]).forks
    index = SearchIndex(tmp_path / "index", store)
    assert documents(index) == {} and read_marks(tmp_path / "index").feeds[signer.did].frozen
    index.close()
    empty = Store(tmp_path / "empty.sqlite3")  # the feed is no longer held at all
    try:
        marks = orjson.loads((tmp_path / "index" / HEADS_FILE).read_bytes())
        assert signer.did in marks["feeds"]
        index = SearchIndex(tmp_path / "index", empty)
        assert documents(index) == {} and signer.did not in index.marks.feeds
        index.close()
    finally:
        empty.close()


def test_an_index_of_the_first_watermark_format_is_not_rebuilt(store: Store, tmp_path: Path):
    signer = key("fabrique")
    big_feed(store, signer, 4)
    SearchIndex(tmp_path / "index", store).close()
    (tmp_path / "index" / HEADS_FILE).write_bytes(orjson.dumps({signer.did: 5}))
    store.append_own(signer, col="offer", rid="o0", op="del")
    index = SearchIndex(tmp_path / "index", store)
    assert not index.rebuilt and index.marks.feeds[signer.did].head == store.feed(signer.did).head
    same_as_rebuilt(index, store, tmp_path / "fresh")
    index.close()


def test_live_entries_after_a_gap_leave_the_watermark_for_the_catch_up(
    store: Store, tmp_path: Path
):
    signer = key("fabrique")
    big_feed(store, signer, 2)
    index = SearchIndex(tmp_path / "index", store, batch=2)
    missed = [store.append_own(signer, col="offer", rid=f"m{i}", body=OFFER) for i in range(5)]
    live = store.append_own(signer, col="offer", rid="live", body=OFFER)
    seq_before = index.marks.feeds[signer.did].seq
    index._step = lambda s, a: None  # type: ignore[method-assign]  # no inline batch
    index.add_entries([live])
    assert index.marks.feeds[signer.did].seq == seq_before  # not over the gap
    assert any(k.endswith(" live") for k in documents(index))  # but searchable at once
    del index._step
    index.add_entries([missed[0]])  # contiguous: moves on; then one batch of the rest
    index.catch_up(store)
    assert index.marks.feeds[signer.did].seq == live.seq
    same_as_rebuilt(index, store, tmp_path / "fresh")
    index.close()


def test_a_second_process_reads_the_index_and_reindex_is_refused(store: Store, tmp_path: Path):
    big_feed(store, key("fabrique"), 3)
    first = SearchIndex(tmp_path / "index", store)
    try:
        second = SearchIndex(tmp_path / "index", store)  # the lock is per open file
        assert second.ready and len(answers(second, "laser")[0]) == 3
        store.append_own(key("fabrique"), col="offer", rid="new", body=OFFER)
        second.add_entries([])  # may not write: nothing happens, no error
        second.close()
        with pytest.raises(IndexBusy) as refused:
            SearchIndex.build(tmp_path / "index", store)
        assert "arrêtez d'abord le nœud" in str(refused.value)
    finally:
        first.close()
    third = SearchIndex(tmp_path / "index", store)  # free again: writes and catches up
    assert len(answers(third, "laser")[0]) == 4
    third.close()
