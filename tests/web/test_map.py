"""The map without a browser: ``/api/places.geojson`` (RFC 7946, the search's filters),
``/carte`` and the search page without JavaScript (one SVG dot per located result), the map
files served by the node (types, caching, nothing else reachable), the map pages' CSP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from yarl import URL

from node.display import dot_map, france_map, vendor
from node.display.html import CONTENT_SECURITY_POLICY, map_policy, tiles_origin
from node.web import geojson, map_page
from search.model import Hit, Place, SearchResult, parse_params
from tests.support.map_node import LOCATED, ON_MAP, TOTAL, map_node
from tests.support.pages import PROFILE


@pytest.fixture
async def node(tmp_path: Path):
    live = await map_node(tmp_path)
    yield live
    await live.stop()


async def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    # the URL as written: no ".." resolved by the client
    async with (
        aiohttp.ClientSession() as session,
        session.get(URL(url, encoded=True), headers=headers) as answer,
    ):
        return answer.status, dict(answer.headers), await answer.read()


async def test_geojson_is_a_feature_collection_of_what_the_search_lists(node):
    status, headers, body = await get(f"{node.url}/api/places.geojson")
    assert status == 200 and headers["Content-Type"].startswith("application/geo+json")
    data = json.loads(body)
    assert data["type"] == "FeatureCollection"
    assert (data["total"], data["located"], data["truncated"]) == (TOTAL, LOCATED, False)
    assert data["message"] is None and len(data["features"]) == LOCATED
    by_title = {f["properties"]["title"]: f for f in data["features"]}
    laser = by_title["Découpe laser sur bois et acrylique"]
    # RFC 7946: [longitude, latitude], numbers; an offer sits at its place
    assert laser["geometry"] == {"type": "Point", "coordinates": [0.7214, 45.1846]}
    assert laser["properties"] == {
        "title": "Découpe laser sur bois et acrylique",
        "col": "offer",
        "col_label": "Offre",
        "place": PROFILE["name"],
        "city": "Périgueux",
        "url": f"/lieux/{node.did}/offer/laser",
        "category_label": "Prototypage",
        "hops": 0,  # the node's own offer (docs/confiance.md)
    }
    assert by_title["Kaz Lab"]["geometry"]["coordinates"] == [55.4504, -20.8823]
    assert "Atelier sans adresse" not in by_title


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("col=offer", 4),
        ("department=24", 6),  # the fablab, its 4 offers, the Grange
        ("department=33", 1),  # Bordeaux (Libourne has no position)
        ("q=laser", 2),  # the offer, and the fablab with its laser cutter
        ("category=formation.initiation", 1),
        ("near=45.18,0.72&radius_km=50", 6),
    ],
)
async def test_geojson_takes_the_search_filters(node, query: str, titles: int):
    _, _, search = await get(f"{node.url}/api/search?{query}&per_page=100")
    status, _, body = await get(f"{node.url}/api/places.geojson?{query}")
    data, listed = json.loads(body), json.loads(search)
    assert status == 200 and len(data["features"]) == titles
    located = {r["title"] for r in listed["results"]} - {"Atelier sans adresse"}
    assert {f["properties"]["title"] for f in data["features"]} == located


async def test_geojson_refuses_a_bad_parameter_in_french(node):
    status, headers, body = await get(f"{node.url}/api/places.geojson?department=abc")
    assert status == 400 and headers["Content-Type"].startswith("application/json")
    assert b"department" in body and b"invalide" in body


def test_a_collection_cut_short_says_so():
    hit = Hit("did:key:z6Mk", "profile", "profile", "Lieu", "", Place("Lieu"), lat=45.0, lon=0.5)
    result = SearchResult(geojson.MAX_FEATURES + 10, 1, geojson.MAX_FEATURES, [hit], {})
    data = geojson.collection(geojson.located(result))
    assert data["truncated"] is True and "5000 premiers" in data["message"]


async def test_the_map_page_without_javascript_draws_one_dot_per_located_place(node):
    status, headers, body = await get(f"{node.url}/carte")
    assert status == 200
    page = body.decode()
    svg = re.search(r'<svg class="dot-map".*?</svg>', page, re.S)
    assert svg is not None
    ElementTree.fromstring(svg.group(0))  # well-formed
    assert svg.group(0).count("<circle") == ON_MAP
    assert "1 hors de la métropole" in page
    assert "Carte des départements : Victor Cazanave" in page  # the licence's attribution
    for title in ("La Grange numérique", "Kaz Lab", "Découpe laser sur bois et acrylique"):
        assert title in page  # the list under the map
    assert "Sans position connue" in page
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy  # no tile server: nothing but the node
    status, _, body = await get(f"{node.url}/carte?department=33")
    assert status == 200 and body.decode().count("<circle") == 1
    status, _, body = await get(f"{node.url}/carte?department=xyz")
    assert status == 400 and "department" in body.decode()


async def test_the_search_page_shows_its_hits_on_a_map(node):
    status, headers, body = await get(f"{node.url}/?q=laser")
    page = body.decode()
    assert status == 200 and page.count("<circle") == 2  # the offer and its fablab
    assert 'data-map="' in page and "/api/places.geojson?q=laser" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    # no inline script: JSON-LD (data), and the node's own files
    sources = re.findall(r'<script src="([^"]+)" defer></script>', page)
    assert len(sources) == 3 and all(src.startswith("/static/") for src in sources)
    assert page.count("<script") == page.count('<script type="application/ld+json">') + 3
    _, headers, body = await get(f"{node.url}/?q=introuvablissime")
    assert "dot-map" not in body.decode()
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY  # no map, no script


async def test_the_map_files_are_served_with_their_types_and_a_long_cache(node):
    expected = {
        vendor.asset_url("leaflet", "leaflet.js"): "text/javascript",
        vendor.asset_url("leaflet", "leaflet.css"): "text/css",
        vendor.asset_url("leaflet", "images/marker-icon.png"): "image/png",
        vendor.asset_url("leaflet.markercluster", "MarkerCluster.css"): "text/css",
        "/static/carte.js": "text/javascript",
        dot_map.BACKGROUND_URL: "image/svg+xml",
    }
    for path, kind in expected.items():
        status, headers, _ = await get(node.url + path)
        assert status == 200 and headers["Content-Type"].startswith(kind), path
        assert headers["X-Content-Type-Options"] == "nosniff"
        if path.startswith("/static/vendor/"):
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert "1.9.4" in path or "1.5.3" in path
    shapes = ElementTree.fromstring((await get(node.url + dot_map.BACKGROUND_URL))[2])
    assert len(shapes.findall(".//{http://www.w3.org/2000/svg}path")) == 96
    for path in (
        "/static/vendor/leaflet-1.9.4/../../maillage.css",
        "/static/vendor/leaflet-1.9.4/%2e%2e/%2e%2e/maillage.css",
        "/static/vendor/leaflet-1.9.4/package.json",
        "/static/vendor/manifest.json",
        "/static/vendor/leaflet/leaflet.js",  # without its version
        "/static/vendor/leaflet-1.9.4/LICENSE/",
    ):
        status, _, _ = await get(node.url + path)
        assert status == 404, path


def test_the_map_policy_adds_the_tile_server_only_when_set():
    tiles = "https://{s}.tuiles.exemple.fr/{z}/{x}/{y}.png"
    assert tiles_origin(tiles) == "https://*.tuiles.exemple.fr"
    policy = map_policy(tiles)
    assert "img-src 'self' data: https://*.tuiles.exemple.fr;" in policy
    assert "default-src 'none'" in policy and "style-src 'self'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy


async def test_a_tile_server_set_by_the_operator_reaches_the_page(tmp_path: Path):
    tiles = "https://tuiles.exemple.fr/{z}/{x}/{y}.png"
    live = await map_node(
        tmp_path, map_tiles_url=tiles, map_tiles_attribution="© Contributeurs de test"
    )
    try:
        _, headers, body = await get(f"{live.url}/carte")
    finally:
        await live.stop()
    assert "img-src 'self' data: https://tuiles.exemple.fr;" in headers["Content-Security-Policy"]
    page = body.decode()
    assert "Fond : © Contributeurs de test" in page and "tuiles.exemple.fr/{z}" in page


def test_the_dot_map_projects_with_france_map():
    drawn = dot_map.dot_map([(45.1846, 0.7214), (-20.88, 55.45)], "Carte")
    assert (drawn.on_map, drawn.off_map) == (1, 1)
    x, y = france_map.project(45.1846, 0.7214)  # type: ignore[misc]
    assert f'cx="{x:.1f}" cy="{y:.1f}"' in drawn.svg
    assert france_map.departments()["24"].contains(x, y)


async def test_a_page_without_hits_of_its_own_gets_the_map_of_a_search(node):
    request = make_mocked_request("GET", "/tableau-de-bord", app=node.app)
    panel = await map_page.search_panel(request, parse_params({"department": "24"}), label="24")
    assert (panel["on_map"], panel["located"], panel["compact"]) == (6, 6, True)
    assert panel["svg"].count("<circle") == 6
    assert json.loads(panel["config"])["geojson"] == "/api/places.geojson?department=24"
