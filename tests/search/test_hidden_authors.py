"""``SearchIndex.hide``: the documents of hidden places are out of every view (hits, facets,
totals, matches, statistics), nothing is deleted, and hiding fewer brings them back."""

from __future__ import annotations

import datetime
from pathlib import Path

from node.store.database import Store
from protocol.signing import sign_log
from search.index import SearchIndex
from search.model import parse_params
from search.stats import StatsFilters, count
from tests.support.samples import OFFER, TS, key

SHOWN, HIDDEN = key("montré"), key("masqué")


def test_hidden_authors_leave_every_view_and_come_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite3")
    for signer, word in ((SHOWN, "rabotage"), (HIDDEN, "rabotage")):
        bodies = [
            ("profile", "profile", {"name": f"Lieu {signer.did[-4:]}", "department": "24"}),
            ("offer", "o", {**OFFER, "title": f"Atelier {word}"}),
        ]
        store.append(sign_log(signer, bodies, ts=TS))
    index = SearchIndex(tmp_path / "index", store)
    try:
        assert index.search(parse_params({})).total == 4
        assert index.search(parse_params({"q": "rabotage"})).total == 2
        generation = index.generation
        assert index.hide({HIDDEN.did}) and not index.hide({HIDDEN.did})
        assert index.generation > generation  # answers kept per generation are stale
        result = index.search(parse_params({}))
        assert result.total == 2 and {h.author for h in result.hits} == {SHOWN.did}
        assert index.search(parse_params({"q": "rabotage"})).total == 1
        assert [(f.code, f.count) for f in result.facets["department"]] == [("24", 2)]
        stats = index.read_view(lambda view: count(view, StatsFilters(), _today()))
        assert (stats.places, stats.offers) == (1, 1)
        assert index.hide(set())
        assert index.search(parse_params({})).total == 4
    finally:
        index.close()
        store.close()


def _today() -> datetime.date:
    return datetime.date(2026, 12, 2)
