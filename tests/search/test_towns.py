"""« découpe laser près de Périgueux »: a radius search around a town the node knows."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocol.keys import SigningKey
from search.index import SearchIndex
from search.model import SearchParams, parse_params
from search.towns import DEFAULT_RADIUS_KM, Towns, near_town, town_key
from tests.support.http_servers import serve
from tests.support.search_corpus import PLACES, coordinates, fill, haversine, new_store

TRELISSAC = {  # 5 km from the centre of Périgueux: not in it, but near it
    "name": "L'Atelier de Trélissac",
    "address": {"city": "Trélissac"},
    "department": "24",
    "region": "75",
    "geo": {"lat": "45.1980", "lon": "0.7810"},
}
LASER = {"title": "Découpe laser grand format", "category": "production.prototypage"}


def towns_of(*bodies: dict) -> Towns:
    return Towns(lambda: list(bodies))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("L'Isle-Jourdain", "l isle jourdain"),
        (" Périgueux ", "PERIGUEUX"),
    ],
)
def test_town_names_compare_without_case_accents_or_hyphens(a: str, b: str) -> None:
    assert town_key(a) == town_key(b)


@pytest.mark.parametrize(
    ("q", "text"),
    [
        ("découpe laser près de Périgueux", "découpe laser"),
        ("découpe laser pres de perigueux", "découpe laser"),
        ("couture autour de Périgueux", "couture"),
        ("fablab aux alentours de Périgueux", "fablab"),
        ("à proximité de Périgueux", ""),
        ("imprimante 3D tout près de Périgueux", "imprimante 3D"),
        ("laser près de Périgueux petite série", "laser petite série"),  # words after the town
    ],
)
def test_a_search_ending_near_a_known_town_becomes_a_radius_search(q: str, text: str) -> None:
    towns = towns_of(PLACES["perigueux"], PLACES["bordeaux"])
    near = near_town(SearchParams(q=q), towns)
    assert near is not None
    assert near.params.q == text
    assert near.params.near == coordinates("perigueux")
    assert near.params.radius_km == DEFAULT_RADIUS_KM
    assert near.around.town == "Périgueux"


def test_several_word_towns_and_homonyms() -> None:
    saint_martin = {
        "address": {"city": "Saint-Martin-de-Ré"},
        "geo": {"lat": "46.2", "lon": "-1.36"},
    }
    paris = [
        {"address": {"city": "Paris"}, "geo": {"lat": f"48.8{n}", "lon": "2.35"}} for n in range(3)
    ]
    texas = {"address": {"city": "paris"}, "geo": {"lat": "33.66", "lon": "-95.55"}}  # outnumbered
    towns = towns_of(saint_martin, *paris, texas)
    near = near_town(SearchParams(q="vélo près de Saint Martin de Ré"), towns)
    assert near is not None and near.params.q == "vélo" and near.around.town == "Saint-Martin-de-Ré"
    near = near_town(SearchParams(q="coworking près de PARIS"), towns)
    assert near is not None and near.around.town == "Paris"
    assert near.params.near == pytest.approx((48.81, 2.35), abs=0.01)


@pytest.mark.parametrize(
    "params",
    [
        SearchParams(q="découpe laser près de Tombouctou"),  # a town no place is in
        SearchParams(q="découpe laser près de"),
        SearchParams(q="découpe laser"),
        SearchParams(q="près"),
        SearchParams(q=""),
        SearchParams(q="laser près de Périgueux", near=(44.0, 0.0)),  # a place was given
    ],
)
def test_other_searches_are_left_as_they_are(params: SearchParams) -> None:
    assert near_town(params, towns_of(PLACES["perigueux"])) is None


def test_a_radius_given_with_the_search_is_kept() -> None:
    near = near_town(
        SearchParams(q="laser près de Périgueux", radius_km=10.0), towns_of(PLACES["perigueux"])
    )
    assert near is not None and near.params.radius_km == 10.0


@pytest.fixture
def held(tmp_path: Path):
    store = new_store(tmp_path)
    keys, _ = fill(store)
    trelissac = SigningKey.generate()
    store.append_own(trelissac, col="profile", rid="profile", body=TRELISSAC)
    store.append_own(trelissac, col="offer", rid="laser", body=LASER)
    index = SearchIndex(tmp_path / "index", store)
    yield index, store, keys
    index.close()
    store.close()


def test_near_a_town_finds_the_places_around_it_not_only_in_it(held) -> None:
    index, _, _ = held
    result = index.search(parse_params({"q": "découpe laser près de Périgueux", "col": "offer"}))
    assert result.around is not None and result.around.town == "Périgueux"
    assert result.around.radius_km == DEFAULT_RADIUS_KM
    assert [(h.place.city, h.rid) for h in result.hits] == [
        ("Périgueux", "laser"),
        ("Trélissac", "laser"),
    ]
    lat, lon = coordinates("perigueux")
    for hit in result.hits:
        geo = TRELISSAC["geo"] if hit.place.city == "Trélissac" else PLACES["perigueux"]["geo"]
        expected = haversine(lat, lon, float(geo["lat"]), float(geo["lon"]))
        assert hit.distance_km == pytest.approx(expected, abs=0.05)
    # the town's name alone, as a word, found only the offer in Périgueux
    assert index.search(parse_params({"q": "découpe laser Périgueux", "col": "offer"})).total == 1


def test_nothing_around_the_town_falls_back_to_its_name_as_a_word(held) -> None:
    index, _, _ = held
    result = index.search(parse_params({"q": "vélos près de Bordeaux"}))  # the vélos are in Lyon
    plain = index.search(parse_params({"q": "vélos Bordeaux"}))
    assert result.around is None and result == plain


def test_a_new_place_brings_its_town(held) -> None:
    index, store, _ = held
    assert index.search(parse_params({"q": "laser près de Bergerac"})).around is None
    bergerac = SigningKey.generate()
    entries = [
        store.append_own(
            bergerac,
            col="profile",
            rid="profile",
            body={
                "name": "Bergerac Lab",
                "address": {"city": "Bergerac"},
                "geo": {"lat": "44.85", "lon": "0.48"},
            },
        ),
        store.append_own(bergerac, col="offer", rid="laser", body=LASER),
    ]
    index.add_entries(entries)
    result = index.search(parse_params({"q": "laser près de Bergerac"}))
    assert result.around is not None and result.around.town == "Bergerac"
    assert [h.place.city for h in result.hits] == ["Bergerac"]


async def test_the_page_the_api_and_the_cli_say_around_which_town(node) -> None:
    fill(node.store)
    client = await serve(node.settings)
    try:
        data = await (
            await client.get("/api/search", params={"q": "laser près de Périgueux"})
        ).json()
        lat, lon = coordinates("perigueux")
        assert data["around"] == {"town": "Périgueux", "lat": lat, "lon": lon, "radius_km": 30.0}
        assert data["results"][0]["distance_km"] is not None
        html = await (await client.get("/", params={"q": "laser près de Périgueux"})).text()
        assert "Autour de Périgueux, dans un rayon de 30 km" in html
        data = await (await client.get("/api/search", params={"q": "laser"})).json()
        assert data["around"] is None
    finally:
        await client.close()


def test_near_may_name_a_town(held) -> None:
    index, _, _ = held
    result = index.search(parse_params({"near": "perigueux", "col": "offer", "radius_km": "10"}))
    assert result.around is not None and result.around.town == "Périgueux"
    assert result.around.radius_km == 10.0
    assert {(h.place.city, h.rid) for h in result.hits} == {
        ("Périgueux", "laser"),
        ("Périgueux", "impression"),
        ("Trélissac", "laser"),
    }
    # asked explicitly: nothing around is the answer (no fallback to the name as a word)
    empty = index.search(parse_params({"q": "vélos", "near": "Périgueux"}))
    assert empty.total == 0 and empty.around is not None
    unknown = index.search(parse_params({"q": "laser", "near": "Tombouctou"}))
    assert unknown.total == 0 and unknown.unknown_town == "Tombouctou"


def test_a_radius_goes_with_a_town_in_the_text() -> None:
    """The form's radius with « … près de Périgueux » typed in the text: not an error."""
    params = parse_params({"q": "laser près de Périgueux", "radius_km": "10"})
    assert params.radius_km == 10.0 and params.near is None
    near = near_town(params, towns_of(PLACES["perigueux"]))
    assert near is not None and near.params.radius_km == 10.0


async def test_the_page_and_the_api_take_a_town_in_near(node) -> None:
    fill(node.store)
    client = await serve(node.settings)
    try:
        data = await (await client.get("/api/search", params={"near": "Bordeaux"})).json()
        assert data["around"]["town"] == "Bordeaux" and data["total"] == 4
        assert {hit["place"]["city"] for hit in data["results"]} == {"Bordeaux"}
        data = await (await client.get("/api/search", params={"near": "Tombouctou"})).json()
        assert data["total"] == 0 and data["unknown_town"] == "Tombouctou"
        html = await (await client.get("/", params={"near": "Tombouctou"})).text()
        assert "Ce nœud ne connaît aucun lieu à « Tombouctou »" in html
        html = await (await client.get("/", params={"near": "<script>x</script>"})).text()
        assert "« &lt;script&gt;x&lt;/script&gt; »" in html and "<script>x" not in html
        html = await (await client.get("/", params={"near": "Bordeaux"})).text()
        assert "Près de Bordeaux" in html  # the active filter, removable
        assert 'value="Bordeaux"' in html
    finally:
        await client.close()


def test_towns_gathered_while_places_changed_are_not_kept() -> None:
    calls = []

    def places() -> list[dict]:
        calls.append(1)
        if len(calls) == 1:
            towns.forget()  # a place was written while the towns were being gathered
        return [PLACES["perigueux"]]

    towns = Towns(places)
    assert towns.find("Périgueux") is not None and len(calls) == 1
    assert towns.find("Périgueux") is not None and len(calls) == 2  # gathered again
    assert towns.find("Périgueux") is not None and len(calls) == 2  # then kept
