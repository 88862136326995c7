"""The candidates of a need gathered from a real index (``search.match_candidates``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from node.store.database import Store
from search import match_candidates
from search.index import SearchIndex
from tests.support import match_corpus as corpus


@pytest.fixture
def indexed(tmp_path: Path):
    store = Store(tmp_path / "store.sqlite3")
    keys = corpus.fill(store)
    index = SearchIndex(tmp_path / "index", store)
    yield index, keys, store
    index.close()
    store.close()


def test_the_visors_case_in_the_expected_order(indexed):
    index, keys, _ = indexed
    need, matches = index.match(keys["mairie"].did, "visieres", today=corpus.TODAY)
    assert need.title == corpus.NEED["title"] and need.place.city == "Périgueux"
    names = {key.did: place for place, key in keys.items()}
    assert [(names[m.author], m.rid) for m in matches] == corpus.EXPECTED
    first = matches[0]
    assert first.reasons[0] == "même catégorie : Petite série sur mesure"
    assert "jusqu'à 1\u202f000 pièces (besoin : 500)" in first.reasons
    assert all(m.distance_km is not None and m.reasons for m in matches)


def test_expired_offers_come_back_on_request(indexed):
    index, keys, _ = indexed
    _, matches = index.match(
        keys["mairie"].did, "visieres", today=corpus.TODAY, include_expired=True
    )
    expired = [m for m in matches if m.author == keys["nontron"].did]
    assert [m.rid for m in expired] == ["visieres"]
    assert "expirée depuis le 15 novembre" in expired[0].reasons


def test_unknown_needs_and_records_that_are_not_needs(indexed):
    index, keys, _ = indexed
    assert index.match(keys["mairie"].did, "rien", today=corpus.TODAY) is None
    assert index.match(keys["proche"].did, "visieres", today=corpus.TODAY) is None  # an offer


def test_the_open_needs_an_offer_could_serve(indexed):
    index, keys, _ = indexed
    served = index.needs_for_offer(keys["proche"].did, "visieres", today=corpus.TODAY)
    assert [(s.need.author, s.need.rid) for s in served] == [(keys["mairie"].did, "visieres")]
    assert index.needs_for_offer(keys["nontron"].did, "cuisine", today=corpus.TODAY) == []
    assert index.needs_for_offer(keys["proche"].did, "rien", today=corpus.TODAY) == []


def test_candidates_are_bounded_and_a_match_answers_fast(tmp_path: Path, monkeypatch):
    store = Store(tmp_path / "store.sqlite3")
    keys = corpus.fill(store)
    signer = keys["loin"]
    for i in range(60):
        body = {"title": f"Visières modèle {i}", "category": "production.petite-serie"}
        store.append_own(signer, col="offer", rid=f"v{i}", body=body, ts=corpus.TS)
    monkeypatch.setattr(match_candidates, "MAX_CANDIDATES", 20)
    index = SearchIndex(tmp_path / "index", store)
    try:
        start = time.perf_counter()
        _, matches = index.match(keys["mairie"].did, "visieres", today=corpus.TODAY)
        elapsed = time.perf_counter() - start
    finally:
        index.close()
        store.close()
    assert len(matches) <= 20
    assert elapsed < 1.0
