"""``bench/ingest.py`` run small: a real peer and a fresh node (``maillage init``, ``follow``,
``serve`` in subprocesses) with 4 feeds × 500 entries; the machinery must see every entry
stored and the last one found, sample the new node's memory, time the bulk builder on the
same store and write its report (no timing is asserted: speed goals live in bench/)."""

from __future__ import annotations

from bench import ingest


def test_a_small_ingest_is_measured_end_to_end() -> None:
    result = ingest.run(feeds=4, per_feed=500, runs=1)
    assert result["entries"] == 2000
    (one,) = result["runs"]
    assert one["stored_s"] > 0 and one["found_s"] > 0 and one["indexed_s"] > 0
    assert one["searchable_s"] == max(one["stored_s"], one["found_s"], one["indexed_s"])
    assert one["peak_mb"] >= one["serving_mb"] > 0
    assert one["bulk_per_s"] > 0 and one["ratio"] > 0
    text = ingest.report(result)
    assert text.startswith("## Ingest") and "**median**" in text
    assert [figure for figure, *_ in ingest.goals(result)] == [
        "ingest of 2,000 entries, stored and searchable",
        "ingest peak RSS",
        "RSS serving after ingest",
        "ingest ÷ bulk build",
    ]
