"""The index thread's merge policy (:func:`search.opening.merge_bounded`): the smallest
segments merge while they stay within :data:`search.opening.MERGE_DOCS` documents, so that
no merge of a long catch-up holds most of the index at once; deleted documents stay deleted
and every kept document is still found."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import opening
from search.index import new_writer
from search.storage import create


def _segment(ix, first: int, count: int) -> None:  # type: ignore[no-untyped-def]
    writer = new_writer(ix)
    for i in range(first, first + count):
        writer.add_document(key=str(i), all=[(f"atelier mot{i}", 1)], col="offer")
    writer.commit(merge=False)


def test_only_the_smallest_segments_merge_within_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opening, "MERGE_DOCS", 25)
    ix = create(tmp_path)
    sizes = [40, 10, 10, 10, 30]
    first = 0
    for size in sizes:
        _segment(ix, first, size)
        first += size
    deleting = new_writer(ix)
    deleting.delete_by_term("key", "45")  # in the second segment
    deleting.commit(merge=False)
    new_writer(ix).commit(mergetype=opening.merge_bounded)
    counts = sorted(segment.doc_count_all() for segment in ix._segments())
    assert counts == [10, 19, 30, 40]  # two of the 10s merged (25 at most), the big kept
    with ix.searcher() as searcher:
        keys = {fields["key"] for fields in searcher.all_stored_fields()}
    assert keys == {str(i) for i in range(sum(sizes))} - {"45"}


def test_segments_too_big_to_merge_within_the_bound_are_left_to_whoosh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opening, "MERGE_DOCS", 5)
    ix = create(tmp_path)
    for n in range(3):
        _segment(ix, n * 10, 10)
    new_writer(ix).commit(mergetype=opening.merge_bounded)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 30
