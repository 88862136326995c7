"""``GET /api/search``, ``maillage search`` and ``maillage reindex`` on a served node."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.appkeys import WRITER
from node.home import Node
from tests.support.http_servers import serve
from tests.support.live_nodes import cli
from tests.support.search_corpus import LISTINGS, PLACES, fill

ALL = len(LISTINGS) + len(PLACES)


@pytest.fixture
async def served(node: Node):
    keys, _ = fill(node.store)
    client = await serve(node.settings)
    await client.app[WRITER].catch_up()
    yield client, keys
    await client.close()


async def test_search_answers_json_with_results_and_facets(served):
    client, keys = served
    response = await client.get("/api/search", params={"q": "découpe laser", "near": "45,0.5"})
    assert response.status == 200
    data = await response.json()
    assert data["total"] == 1 and data["page"] == 1 and data["suggestion"] is None
    hit = data["results"][0]
    did = keys["perigueux"].did
    assert hit["author"] == did and hit["col"] == "offer" and hit["rid"] == "laser"
    assert hit["place"] == {
        "name": "La Fabrique du Périgord",
        "city": "Périgueux",
        "department": "24",
    }
    assert hit["category_label"] == "Prototypage" and hit["url"] == f"/lieux/{did}/offer/laser"
    assert hit["distance_km"] > 0 and "<mark>" in hit["snippet"]
    assert data["facets"]["category"] == [
        {"code": "production.prototypage", "label": "Prototypage", "count": 1}
    ]


async def test_empty_query_lists_everything_that_matches_the_filters(served):
    client, _ = served
    data = await (await client.get("/api/search")).json()
    assert data["total"] == ALL
    data = await (await client.get("/api/search?col=offer&department=33")).json()
    assert {r["rid"] for r in data["results"]} == {"couture", "arduino", "atelier"}
    assert "distance_km" not in data["results"][0]


async def test_new_entries_are_searchable_at_once(served):
    client, keys = served
    await client.app[WRITER].append_own(
        keys["lyon"], col="offer", rid="four", body={"title": "Four à céramique", "category": "x"}
    )
    data = await (await client.get("/api/search?q=céramiques")).json()
    assert [r["rid"] for r in data["results"]] == ["four"]
    await client.app[WRITER].append_own(keys["lyon"], col="offer", rid="four", op="del")
    assert (await (await client.get("/api/search?q=céramiques")).json())["total"] == 0


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("near=45", "near"),
        ("near=45,0,1", "near"),
        ("near=Paris 15", "near"),
        ("near=95,0", "near"),
        ("near=45,0&radius_km=-3", "radius_km"),
        ("near=45,0&radius_km=0.000", "radius_km"),
        ("near=45,0&radius_km=030", "radius_km"),
        ("near=45,0&radius_km=10000", "radius_km"),
        ("near=45,-181", "near"),
        ("near=Paris%0A", "near"),
        ("sort=", "sort"),
        ("page=", "page"),
        ("page=%201", "page"),
        ("department=%2024", "department"),
        ("q=a%00b", "q"),
        ("sort=prix", "sort"),
        ("page=0", "page"),
        ("per_page=1000", "per_page"),
        ("department=1", "department"),
        ("col=Offre!", "col"),
        ("q=" + "a" * 501, "q"),
    ],
)
async def test_malformed_parameters_get_400_in_french(served, query: str, param: str):
    client, _ = served
    response = await client.get(f"/api/search?{query}")
    assert response.status == 400
    data = await response.json()
    assert data["error"] == "bad-parameter" and data["message"].startswith(f"{param} : ")


@pytest.mark.parametrize("query", ["radius_km=10", "sort=distance", "radius_km=0.5&sort=distance"])
async def test_a_radius_or_a_distance_sort_without_a_place_is_unused(served, query: str):
    """The API description cannot tie one parameter to another: what it allows is answered."""
    client, _ = served
    plain = await (await client.get("/api/search?q=laser")).json()
    response = await client.get(f"/api/search?q=laser&{query}")
    assert response.status == 200
    assert await response.json() == plain


async def test_a_search_no_record_fully_matches_says_so(served):
    """No offer holds both words: those holding one are shown, and the answer says so."""
    client, _ = served
    data = await (await client.get("/api/search?q=sacs arduino&col=offer")).json()
    assert data["any_word"] is True
    assert {hit["rid"] for hit in data["results"]} == {"couture", "arduino"}
    html = await (await client.get("/?q=sacs arduino&col=offer")).text()
    assert "Aucun résultat ne contient tous vos mots" in html
    data = await (await client.get("/api/search?q=arduino&col=offer")).json()
    assert data["any_word"] is False and data["total"] == 1
    html = await (await client.get("/?q=arduino&col=offer")).text()
    assert "tous vos mots" not in html


async def test_did_you_mean_over_http(served):
    client, _ = served
    data = await (await client.get("/api/search?q=reparation velso")).json()
    assert data["total"] == 0 and data["suggestion"] == "reparation velos"


TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
NAMES = st.sampled_from(
    ["q", "col", "category", "enjeu", "department", "region", "near", "radius_km", "sort", "page"]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=TEXT, extra=st.dictionaries(NAMES, TEXT, max_size=3))
async def test_no_query_ever_causes_a_500(served, q: str, extra: dict[str, str]):
    client, _ = served
    response = await client.get("/api/search", params={"q": q, **extra})
    assert response.status in (200, 400), await response.text()


@pytest.mark.parametrize(
    "q", ['"', "(", "*", "a*", "~", "laser~2", "NOT", "AND OR", "-", "[a TO z]", "x:y", "^", "'"]
)
async def test_operator_soup_never_fails(served, q: str):
    client, _ = served
    response = await client.get("/api/search", params={"q": q})
    assert response.status == 200


async def test_cli_search_and_reindex(node: Node, tmp_path: Path):
    fill(node.store)
    home = node.settings.home
    status, out, _ = await cli("reindex", "--home", home)
    assert status == 0 and f"{ALL} documents" in out
    status, out, _ = await cli("search", "--home", home, "découpe laser", "--near", "45,0.5")
    assert status == 0
    assert "Offre : Découpes au laser" in out and "Catégorie : Prototypage" in out
    assert "Périgueux (24)" in out and "Tarif fixe, 25,00 € à l'heure" in out and "km" in out
    status, out, _ = await cli("search", "--home", home, "--json", "--department", "33")
    assert status == 0 and '"total": 4' in out
    status, out, _ = await cli("search", "--home", home, "lazer")
    assert "Aucun résultat" in out and "laser" in out
    status, out, _ = await cli("search", "--home", home, "laser près de Périgueux")
    assert status == 0 and "Autour de Périgueux, dans un rayon de 30 km." in out
    status, out, _ = await cli("search", "--home", home, "sacs arduino", "--col", "offer")
    assert status == 0 and "2 résultats" in out and "Aucun ne contient tous les mots" in out
    status, _, err = await cli("search", "--home", home, "x", "--radius-km", "0")
    assert status == 2 and "--radius-km" in err
    status, _, err = await cli("search", "--home", home, "x", "--radius-km", "3")
    assert status == 0  # without a place the radius is unused (as in the API)
    for path in (home / "index").iterdir():
        path.write_bytes(b"garbage")
    status, out, _ = await cli("search", "--home", home, "vélo")
    assert status == 0 and "Réparation de vélos" in out


async def test_the_search_page_puts_extra_facet_values_in_a_details(served, monkeypatch):
    client, _ = served
    monkeypatch.setattr("node.web.pages.FACET_SHOWN", 1)
    html = await (await client.get("/", params={"col": "offer"})).text()
    departments = html.split('id="facette-department"', 1)[1].split("</section>", 1)[0]
    assert departments.count("<li>") == 3  # Dordogne, Gironde, Rhône
    shown, hidden = departments.split("<details>")
    assert shown.count("<li>") == 1 and "Voir 2 autres valeurs" in hidden
    assert '<a href="#affiner">Affiner la recherche ↓</a>' in html
