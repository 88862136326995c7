"""Atom for feed readers: RFC 5005 paging followed to the end by feedparser (every entry
once), a French summary on every entry, and the example query of OpenSearch."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import feedparser
import pytest

from node.home import Node
from node.web import place_pages
from tests.support.crawl import MORE_OFFERS, crawl_site
from tests.support.pages import OFFERS

OS = "{http://a9.com/-/spec/opensearch/1.1/}"


@pytest.fixture
async def site(node: Node):
    client = await crawl_site(node)
    yield client
    await client.close()


def links(parsed) -> dict[str, str]:
    return {link.rel: link.href for link in parsed.feed.links}


async def follow(site, path: str) -> list:
    """Every page from ``path`` on, by rel="next"; checks each page's links."""
    pages, url, previous = [], path, None
    while url:
        response = await site.get(url)
        assert response.status == 200
        parsed = feedparser.parse(await response.read())
        assert not parsed.bozo, parsed.bozo_exception
        found = links(parsed)
        assert urlsplit(found["first"]).query in ("", urlsplit(path).query)
        assert "last" in found and found["self"].endswith(url.split("/")[-1])
        assert (found.get("previous") is None) == (previous is None)
        if previous:  # the page before is the one this was reached from
            back = urlsplit(found["previous"])
            assert back.path + ("?" + back.query if back.query else "") in (
                previous,
                previous.replace("?page=1", ""),
            )
        pages.append(parsed)
        previous = url
        url = None
        if "next" in found:
            parts = urlsplit(found["next"])
            url = parts.path + "?" + parts.query
    return pages


async def test_place_atom_pages_followed_to_the_end(site, node: Node, monkeypatch):
    monkeypatch.setattr(place_pages, "ATOM_PAGE_SIZE", 5)
    pages = await follow(site, f"/lieux/{node.key.did}.atom")
    total = len(OFFERS) + MORE_OFFERS + 2  # offers and both needs
    assert len(pages) == -(-total // 5)
    ids = [entry.id for page in pages for entry in page.entries]
    assert len(ids) == total == len(set(ids))
    assert all(len(page.entries) <= 5 for page in pages)
    last = await site.get(f"/lieux/{node.key.did}.atom", params={"page": str(len(pages) + 1)})
    assert last.status == 404
    bad = await site.get(f"/lieux/{node.key.did}.atom", params={"page": "zéro"})
    assert bad.status == 400 and (await bad.json())["error"] == "bad-parameter"


async def test_search_atom_pages_followed_to_the_end(site):
    pages = await follow(site, "/search.atom?per_page=1")
    ids = [entry.id for page in pages for entry in page.entries]
    assert len(pages) == len(OFFERS) and len(ids) == len(set(ids)) == len(OFFERS)
    first = links(pages[0])
    assert first["first"].endswith("/search.atom?per_page=1")
    assert first["last"].endswith("/search.atom?per_page=1&page=4")


async def test_every_entry_has_a_french_summary(site, node: Node):
    parsed = feedparser.parse(await (await site.get(f"/lieux/{node.key.did}.atom")).read())
    by_title = {entry.title: entry for entry in parsed.entries}
    assert all(entry.get("summary") for entry in parsed.entries)
    bare = by_title["Besoin : Des bras"].summary  # a need that gives nothing but a title
    assert bare.startswith("Besoin") and "Fablab de Périgueux, Périgueux" in bare
    need = by_title["Besoin : Tissu de coton pour masques"].summary
    assert "Besoin (Couture, textile)" in need and "Quantité : 50 mètres" in need
    assert "Pour le 15 mai 2030" in need and "Nous cherchons du tissu" in need
    offer = by_title["Offre : Découpe laser sur bois et acrylique"].summary
    assert "Prototypage" in offer and "25,00 €" in offer and "Valable jusqu'au" in offer
    searched = feedparser.parse(await (await site.get("/search.atom?q=couture")).read())
    [entry] = searched.entries
    assert entry.summary.startswith("Offre (Couture, textile) — Fablab de Périgueux, Périgueux")


async def test_opensearch_has_an_example_query(site):
    root = ET.fromstring(await (await site.get("/opensearch.xml")).read())
    [query] = root.findall(f"{OS}Query")
    assert query.get("role") == "example" and query.get("searchTerms")
    found = await site.get("/api/search", params={"q": query.get("searchTerms")})
    assert found.status == 200
