"""Every public page kind says what it is: meta description and OpenGraph tags."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from node.home import Node
from tests.support.crawl import LISTED, NEED, crawl_site
from tests.support.pages import HOSTILE, PROFILE

PUBLIC = "https://lieu.example.org"
OG = ("og:title", "og:description", "og:type", "og:url", "og:locale", "og:site_name")


class Head(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") == "canonical":
            self.canonical = attributes.get("href")
        if tag == "meta" and (attributes.get("name") or attributes.get("property")):
            name = attributes.get("name") or attributes["property"]
            assert name not in self.meta, f"{name} twice"
            self.meta[name] = attributes.get("content") or ""


@pytest.fixture
async def site(node: Node):
    node.store.append_own(node.key, col="offer", rid="hostile", body={"title": HOSTILE})
    client = await crawl_site(node, public_url=PUBLIC)
    yield client
    await client.close()


async def head(site, path: str) -> dict[str, str]:
    response = await site.get(path)
    assert response.status == 200
    parsed = Head(await response.text())
    meta = parsed.meta
    assert parsed.canonical in (None, meta["og:url"])  # one address for the page
    for name in ("description", *OG):
        assert meta.get(name), (path, name)
    assert meta["og:locale"] == "fr_FR" and meta["og:type"] == "website"
    assert meta["og:url"] == PUBLIC + path and meta["og:description"] == meta["description"]
    assert len(meta["description"]) <= 160
    return meta


async def test_index_and_search_pages(site):
    index = await head(site, "/")
    assert "tiers-lieux" in index["description"] and "Fablab" in index["og:site_name"]
    search = await head(site, "/?q=laser")
    assert search["description"].startswith("Recherche « laser »")
    assert "1 résultat" in search["description"] and search["og:title"].startswith("laser")


async def test_place_and_listing_pages(site, node: Node):
    did = node.key.did
    place = await head(site, f"/lieux/{did}")
    assert place["description"] == PROFILE["summary"] and place["og:title"] == PROFILE["name"]
    offer = await head(site, f"/lieux/{did}/offer/laser")
    assert offer["description"].startswith("Découpe laser sur bois et acrylique : nous")
    need = await head(site, f"/lieux/{did}/need/tissu")
    assert need["description"] == NEED["description"]
    bare = await head(site, f"/lieux/{did}/offer/hostile")  # a title only, hostile
    assert bare["description"] == "Offre de Fablab de Périgueux dans l'annuaire Maillage."
    assert bare["og:title"].startswith(HOSTILE)  # as text, once parsed (escaped in the page)
    listed = await head(site, f"/lieux/{did}/listing/atelier-bergerac")
    assert listed["description"] == LISTED["summary"]


async def test_long_descriptions_are_cut_at_a_word(site, node: Node):
    long = {**NEED, "description": "Très long texte " * 40}
    node.store.append_own(node.key, col="need", rid="long", body=long)
    meta = await head(site, f"/lieux/{node.key.did}/need/long")
    assert meta["description"].endswith("…") and not meta["description"].endswith(" …")
    assert meta["description"].startswith("Très long texte")
