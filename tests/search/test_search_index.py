"""The search index: French analysis, filters, facets, radius, sorts, pages, deletions."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from protocol.signing import sign_entry
from search.analysis import stems
from search.index import SearchIndex
from search.model import SearchResult, parse_params
from search.storage import VERSION_FILE
from tests.support.search_corpus import LISTINGS, PLACES, coordinates, fill, haversine, new_store


@pytest.fixture
def corpus(tmp_path: Path):
    store = new_store(tmp_path)
    keys, _ = fill(store)
    index = SearchIndex(tmp_path / "index", store)
    yield index, store, keys
    index.close()
    store.close()


def find(index: SearchIndex, **query: str) -> SearchResult:
    return index.search(parse_params({"per_page": "100", **query}))


def rids(result: SearchResult) -> set[str]:
    return {hit.rid for hit in result.hits}


def expected(predicate) -> set[str]:
    return {rid for place, col, rid, _, body in LISTINGS if predicate(place, col, body)}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("découpe laser", "Découpes au laser"),
        ("impression 3D", "Impressions 3D"),
        ("l'atelier", "atelier"),
        ("L’Atelier", "atelier"),
        ("électronique", "electronique"),
        ("vélos", "vélo"),
        ("qu'il découpe", "DÉCOUPE"),
    ],
)
def test_french_analysis_gives_the_same_terms(a: str, b: str):
    assert stems(a) == stems(b)


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("découpe laser", {"laser"}),
        ("decoupes LASER", {"laser"}),
        ("impression 3D", {"impression"}),
        ("l'atelier électronique", {"atelier"}),
        ("electronique", {"atelier", "arduino"}),
        ('"petite série"', {"couture", "impression"}),
        ('"série petite"', set()),
        ("visière", {"elastique"}),
        ("laser OR couture", {"laser", "couture", "elastique"}),
        ("laser OU sacs", {"laser", "couture"}),
        ("électronique NOT soudure", {"arduino"}),
        ("électronique -soudure", {"arduino"}),
        ("plexiglas masques", {"laser", "couture"}),
    ],
)
def test_free_text_finds_french_variants(corpus, q: str, found: set[str]):
    index, _, _ = corpus
    assert rids(find(index, q=q, col="offer")) | rids(find(index, q=q, col="need")) == found


@pytest.mark.parametrize(
    ("q", "col", "found"),
    [
        ("formation arduino Gironde", "offer", {"arduino"}),
        ("découpe laser près de Périgueux", "offer", {"laser"}),
        ("visières autour de Périgueux", "need", {"elastique"}),
        ("laser dordogne", "offer", {"laser"}),
        ("dordogne", "offer", {"laser", "impression"}),
        ("vélo Auvergne-Rhône-Alpes", "offer", {"velos"}),
        ("couture nouvelle aquitaine", "offer", {"couture"}),
        ("Périgueux", "profile", {"profile"}),
        # a hyphen inside a word excludes nothing; at the start of a word it does
        ("tiers-lieu bordelais", "profile", {"profile"}),
        ("électronique -formations", "offer", {"atelier"}),
    ],
)
def test_town_department_and_region_are_words_of_what_a_place_publishes(
    corpus, q: str, col: str, found: set[str]
):
    """The brief's searches: "découpe laser près de Périgueux", "formation Arduino jeunes
    Gironde"; "près de", "autour de" say nothing more than the town does. Names with hyphens
    ("Auvergne-Rhône-Alpes", "tiers-lieu") are words, not exclusions."""
    index, _, _ = corpus
    result = find(index, q=q, col=col)
    assert rids(result) == found
    assert result.total == len(found)


def test_words_missing_from_every_document_fall_back_to_any_word(corpus):
    index, _, _ = corpus
    result = find(index, q="sacs arduino", col="offer")
    assert rids(result) == {"couture", "arduino"}
    assert result.any_word
    assert not find(index, q="arduino", col="offer").any_word


@pytest.mark.parametrize(
    ("param", "value", "predicate"),
    [
        ("col", "need", lambda p, c, b: c == "need"),
        ("category", "production.textile", lambda p, c, b: b["category"] == "production.textile"),
        ("enjeu", "transition-ecologique", lambda p, c, b: "transition-ecologique" in b["enjeux"]),
        ("department", "33", lambda p, c, b: PLACES[p]["department"] == "33"),
        ("region", "75", lambda p, c, b: PLACES[p]["region"] == "75"),
    ],
)
def test_each_filter_gives_exactly_its_set(corpus, param, value, predicate):
    index, _, _ = corpus
    result = find(index, **{param: value})
    got = {h.rid for h in result.hits if h.col != "profile"}
    assert got == expected(predicate)
    assert result.total == len(result.hits)


def test_facets_count_the_whole_filtered_result(corpus):
    index, _, _ = corpus
    result = index.search(parse_params({"col": "offer", "per_page": "1"}))
    assert len(result.hits) == 1 and result.total == 6
    offers = [(p, b) for p, c, _, _, b in LISTINGS if c == "offer"]
    categories = {f.code: f.count for f in result.facets["category"]}
    assert categories == {
        code: sum(1 for _, b in offers if b["category"] == code)
        for _, b in offers
        for code in [b["category"]]
    }
    assert {f.code: f.count for f in result.facets["department"]} == {"24": 2, "33": 3, "69": 1}
    enjeux = {f.code: f.count for f in result.facets["enjeu"]}
    assert enjeux["transition-ecologique"] == 3 and enjeux["inclusion-numerique"] == 2
    labels = {f.code: f.label for f in result.facets["category"]}
    assert labels["production.textile"] == "Couture, textile"
    counts = [f.count for f in result.facets["department"]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("radius", [1, 150, 250, 500])
def test_radius_matches_a_haversine_computed_here(corpus, radius: int):
    index, _, _ = corpus
    here = (45.0, 0.5)
    result = find(index, near="45.0,0.5", radius_km=str(radius), col="offer")
    want = {
        rid
        for place, col, rid, _, _ in LISTINGS
        if col == "offer" and haversine(*here, *coordinates(place)) <= radius
    }
    assert rids(result) == want
    for hit in result.hits:
        place = next(p for p, c, r, _, _ in LISTINGS if r == hit.rid)
        assert hit.distance_km == pytest.approx(haversine(*here, *coordinates(place)), abs=0.01)


def test_sort_by_distance_and_by_date(corpus):
    index, _, _ = corpus
    near = find(index, near="45.75,4.84", sort="distance", col="offer")
    distances = [h.distance_km for h in near.hits]
    assert distances == sorted(distances) and near.hits[0].rid == "velos"
    recent = find(index, sort="recent", col="offer")
    stamps = [h.updated for h in recent.hits]
    assert stamps == sorted(stamps, reverse=True) and recent.hits[0].rid == "velos"


def test_pages_cover_everything_once(corpus):
    index, _, _ = corpus
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        result = index.search(parse_params({"page": str(page), "per_page": "3"}))
        assert result.total == len(LISTINGS) + len(PLACES)
        seen += [f"{h.author}/{h.rid}" for h in result.hits]
    assert len(seen) == len(set(seen)) == len(LISTINGS) + len(PLACES)
    assert index.search(parse_params({"page": "99"})).hits == []


def test_hits_carry_place_label_url_and_marked_snippet(corpus):
    index, _, keys = corpus
    hit = find(index, q="decoupe laser").hits[0]
    did = keys["perigueux"].did
    assert hit.place.name == "La Fabrique du Périgord" and hit.place.city == "Périgueux"
    assert hit.place.department == "24" and hit.category_label == "Prototypage"
    assert hit.url == f"/lieux/{did}/offer/laser" and hit.updated == "2024-03-01T10:00:00Z"
    assert "<mark>Découpe</mark> <mark>laser</mark>" in hit.snippet
    profile = find(index, q="Fabrique", col="profile").hits[0]
    assert profile.url == f"/lieux/{did}" and profile.title == "La Fabrique du Périgord"


def test_hostile_text_is_escaped_in_the_snippet(tmp_path: Path):
    store = new_store(tmp_path)
    key = fill(store)[0]["lyon"]
    hostile = '<script>alert("laser")</script> <img src=x onerror=alert(1)> laser'
    entry = store.append_own(
        key, col="offer", rid="x", body={"title": "T", "description": hostile, "category": "x"}
    )
    index = SearchIndex(tmp_path / "index", store)
    index.add_entries([entry])
    snippet = find(index, q="laser", department="69").hits[0].snippet
    assert "<script" not in snippet and "<img" not in snippet and "&lt;script&gt;" in snippet
    assert "<mark>laser</mark>" in snippet
    index.close()


def test_deletions_and_withheld_bodies_leave_the_index(corpus):
    index, store, keys = corpus
    deletion = store.append_own(keys["bordeaux"], col="offer", rid="couture", op="del")
    index.add_entries([deletion])
    assert "couture" not in rids(find(index))
    key = keys["lyon"]
    head = store.feed(key.did)
    put = sign_entry(
        key, seq=head.seq + 1, prev=head.head, col="offer", rid="velos", body={"title": "x"}
    )
    withheld = put.without_body()
    assert store.append([withheld]).stored
    index.add_entries([withheld])
    assert "velos" not in rids(find(index))
    assert rids(find(index, col="offer")) == {"laser", "impression", "arduino", "atelier"}


def test_a_profile_change_moves_the_places_offers(corpus):
    index, store, keys = corpus
    moved = {**PLACES["lyon"], "address": {"city": "Villeurbanne"}, "department": "38"}
    entry = store.append_own(keys["lyon"], col="profile", rid="profile", body=moved)
    index.add_entries([entry])
    hit = find(index, q="vélos").hits[0]
    assert hit.place.city == "Villeurbanne" and hit.place.department == "38"
    assert rids(find(index, department="38")) == {"velos", "profile"}
    assert find(index, department="69").total == 0


def test_a_fork_removes_the_feed(corpus):
    index, _, keys = corpus
    index.remove_author(keys["bordeaux"].did)
    assert find(index, department="33").total == 0
    assert find(index, department="24").total == 4


def test_did_you_mean(corpus):
    index, _, _ = corpus
    result = find(index, q="decoupe lazer")
    assert result.total == 0 and result.suggestion == "decoupe laser"
    assert find(index, q="laser").suggestion is None
    assert find(index, q="zzzzzzzz").suggestion is None


def test_a_corrupt_index_is_rebuilt_at_start(tmp_path: Path):
    store = new_store(tmp_path)
    fill(store)
    SearchIndex(tmp_path / "index", store).close()
    for path in (tmp_path / "index").iterdir():
        path.write_bytes(b"\x00garbage" * 50)
    (tmp_path / "index" / "_MAIN_99.toc").write_bytes(b"not a toc")
    index = SearchIndex(tmp_path / "index", store)
    assert index.rebuilt
    assert find(index, q="laser").hits[0].rid == "laser"
    assert find(index).total == len(LISTINGS) + len(PLACES)
    index.close()


def test_an_index_of_earlier_documents_is_rebuilt_at_start(tmp_path: Path, caplog):
    """An index made before the documents changed (here: before they held the names of the
    department and region) is rebuilt, so that an upgrade needs no ``maillage reindex``."""
    store = new_store(tmp_path)
    fill(store)
    SearchIndex(tmp_path / "index", store).close()
    (tmp_path / "index" / VERSION_FILE).unlink()  # as an index of version 1 has none
    with caplog.at_level(logging.WARNING, logger="maillage.search"):
        index = SearchIndex(tmp_path / "index", store)
    try:
        assert index.rebuilt
        assert "version antérieure : reconstruction" in caplog.text
        assert rids(find(index, q="arduino gironde")) == {"arduino"}
    finally:
        index.close()
    again = SearchIndex(tmp_path / "index", store)  # now current: opened as it is
    assert not again.rebuilt
    again.close()


def test_entries_stored_while_closed_are_indexed_at_start(tmp_path: Path):
    store = new_store(tmp_path)
    keys, _ = fill(store)
    SearchIndex(tmp_path / "index", store).close()
    store.append_own(keys["lyon"], col="offer", rid="velos", op="del")
    store.append_own(
        keys["lyon"], col="need", rid="pneus", body={"title": "Pneus", "category": "x"}
    )
    index = SearchIndex(tmp_path / "index", store)
    assert not index.rebuilt
    assert {h.rid for h in find(index, department="69").hits} == {"profile", "pneus"}
    index.close()


def test_an_empty_node_searches_nothing(tmp_path: Path):
    store = new_store(tmp_path)
    index = SearchIndex(tmp_path / "index", store)
    result = find(index, q="laser", near="45,0", radius_km="10")
    assert result.total == 0 and result.hits == [] and result.suggestion is None
    index.close()
