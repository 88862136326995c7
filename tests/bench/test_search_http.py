"""The serving half of ``bench search`` starts and answers (it once called a setup that the
room split had removed, and nothing ran it but the benchmark)."""

from __future__ import annotations

from pathlib import Path

from bench.search_http import serve_and_time
from search.index import SearchIndex
from tests.support.search_corpus import fill, new_store


def test_the_benchmark_server_answers_searches_over_http(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    try:
        fill(store)
        index, count = SearchIndex.build(tmp_path / "index", store)
        index.close()
    finally:
        store.close()
    assert count > 0
    queries = [{"q": "vélos"}, {"q": "électronique", "department": "33"}]
    times, rss_mb = serve_and_time(tmp_path / "index", queries, rounds=1)
    assert len(times) == 2 and rss_mb > 0
