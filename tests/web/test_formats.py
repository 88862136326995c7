"""Open formats: Atom feeds (parsed by feedparser), OpenSearch, the OpenAPI description."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import feedparser
import pytest

from node.appkeys import KEY
from node.home import Node
from tests.support.pages import HOSTILE, OFFERS, PROFILE, FakeIndex, offer_body, serve_with_index
from tests.web.test_pages import hostile_hit

OS = "{http://a9.com/-/spec/opensearch/1.1/}"


@pytest.fixture
async def site(node: Node):
    node.store.append_own(node.key, col="profile", rid="profile", body=PROFILE)
    for rid, title, category, pricing, price in OFFERS:
        body = offer_body(title, category, pricing, price)
        node.store.append_own(node.key, col="offer", rid=rid, body=body)
    node.store.append_own(node.key, col="need", rid="n", body={"title": HOSTILE})
    client = await serve_with_index(
        node.settings, lambda app: FakeIndex(app[KEY].did, extra=[hostile_hit(app[KEY].did)])
    )
    yield client
    await client.close()


async def test_search_atom_parses_in_feedparser(site):
    response = await site.get(
        "/search.atom", params={"q": "laser", "category": "production.prototypage"}
    )
    assert response.status == 200 and response.content_type == "application/atom+xml"
    parsed = feedparser.parse(await response.read())
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert "« laser »" in parsed.feed.title and "Prototypage" in parsed.feed.title
    assert parsed.feed.id.endswith("/search.atom?q=laser&category=production.prototypage")
    [entry] = parsed.entries
    assert entry.title == "Découpe laser sur bois et acrylique"
    assert entry.link.endswith("/offer/laser") and entry.id == entry.link
    assert entry.updated == "2026-11-27T08:00:00Z"
    assert "Fablab de Périgueux, Périgueux" in entry.summary and "25,00 €" in entry.summary


async def test_search_atom_escapes_hostile_text_and_rejects_bad_parameters(site):
    body = await (await site.get("/search.atom", params={"q": "script"})).read()
    assert b"<script>" not in body
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert parsed.entries[0].title.startswith("<script>")  # as text, once parsed
    bad = await site.get("/search.atom", params={"page": "0"})
    assert bad.status == 400 and (await bad.json())["error"] == "bad-parameter"


async def test_place_atom_lists_offers_and_needs(site, node: Node):
    response = await site.get(f"/lieux/{node.key.did}.atom")
    parsed = feedparser.parse(await response.read())
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "Fablab de Périgueux : offres et besoins"
    titles = sorted(e.title for e in parsed.entries)
    assert len(titles) == 5 and "Offre : Couture en petite série" in titles
    assert f"Besoin : {HOSTILE}" in titles
    assert all(e.updated for e in parsed.entries)
    assert (await site.get("/lieux/did:key:zNope.atom")).status == 404


async def test_opensearch_description(site):
    response = await site.get("/opensearch.xml")
    assert response.content_type == "application/opensearchdescription+xml"
    root = ET.fromstring(await response.read())
    assert root.tag == f"{OS}OpenSearchDescription"
    assert root.find(f"{OS}ShortName").text == "Maillage"
    assert root.find(f"{OS}InputEncoding").text == "UTF-8"
    assert root.find(f"{OS}Language").text == "fr-fr"
    urls = {u.get("type"): u.get("template") for u in root.findall(f"{OS}Url")}
    base = str(site.make_url("")).rstrip("/")
    assert urls["text/html"] == f"{base}/?q={{searchTerms}}"
    assert urls["application/atom+xml"] == f"{base}/search.atom?q={{searchTerms}}"


async def test_openapi_describes_every_api_route(site):
    response = await site.get("/api/openapi.json")
    assert response.status == 200
    document = json.loads(await response.read())
    assert document["openapi"].startswith("3.1")
    registered = set()
    for resource in site.app.router.resources():
        path = resource.canonical
        if path.startswith(("/api", "/feeds", "/.well-known", "/inbox")):
            registered.add(path)
    assert registered <= set(document["paths"]), registered - set(document["paths"])
    for route in site.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path in registered and route.method not in ("HEAD", "OPTIONS"):
            assert route.method.lower() in document["paths"][path], (route.method, path)
    search = document["paths"]["/api/search"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert names >= {"q", "col", "category", "enjeu", "department", "region", "near",
                     "radius_km", "sort", "page", "per_page"}  # fmt: skip
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message"}
    try:
        from openapi_spec_validator import validate
    except ImportError:  # structural checks above only
        return
    validate(document)
