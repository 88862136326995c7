"""robots.txt (read by urllib.robotparser) and the sitemaps (sitemaps.org 0.9): an index of
paged files, absolute URLs, every place, offer, need and listing once, paging at a small
page size, and a node of 100,000 records."""

from __future__ import annotations

import sqlite3
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from node.appkeys import SETTINGS, STORE
from node.home import Node
from node.settings import Settings
from node.web import crawlers
from node.web.conditional import conditional_middleware
from node.web.errors import error_middleware
from tests.support.crawl import crawl_site
from tests.support.samples import TS, chain, key

PUBLIC = "https://lieu.example.org"
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PLACES = 5


def locs(body: bytes, tag: str) -> list[tuple[str, str]]:
    root = ET.fromstring(body)
    assert root.tag == f"{NS}{tag}index" if tag == "sitemap" else root.tag == f"{NS}urlset"
    return [(e.findtext(f"{NS}loc"), e.findtext(f"{NS}lastmod")) for e in root.iter(f"{NS}{tag}")]


async def test_robots_txt(node: Node):
    site = await crawl_site(node, public_url=PUBLIC)
    try:
        response = await site.get("/robots.txt")
        assert response.content_type == "text/plain"
        parser = RobotFileParser()
        parser.parse((await response.text()).splitlines())
        did = node.key.did
        for allowed in (
            "/",
            "/?q=laser",
            f"/lieux/{did}",
            f"/lieux/{did}/offer/laser",
            "/search.atom?q=laser",
            "/sitemap.xml",
            "/static/maillage.css",
        ):
            assert parser.can_fetch("*", PUBLIC + allowed), allowed
        for refused in (
            "/admin",
            "/admin/connexion",
            "/api/search?q=x",
            "/inbox",
            f"/feeds/{did}/entries",
            "/.well-known/maillage",
        ):
            assert not parser.can_fetch("AnyBot", PUBLIC + refused), refused
        assert parser.site_maps() == [f"{PUBLIC}/sitemap.xml"]
    finally:
        await site.close()


@pytest.fixture
async def network(node: Node):
    """This node and ``PLACES`` other places whose feeds it holds, two URLs per sitemap."""
    for i in range(PLACES):
        signer = key(f"lieu-{i}")
        profile = {"name": f"Atelier {i}", "address": {"city": "Bergerac"}}
        offers = [("offer", f"offre-{j}", {"title": f"Offre {i}.{j}"}) for j in range(3)]
        withdrawn = [("offer", "retiree", {"title": "Retirée"}), ("offer", "retiree", None)]
        entries = chain(signer, [("profile", "profile", profile), *offers, *withdrawn])
        assert not node.store.append(entries).refused
    settings = Settings.load(node.settings.home, public_url=PUBLIC, sitemap_page_size=2)
    client = await crawl_site(node, public_url=PUBLIC, sitemap_page_size=2)
    yield client, settings
    await client.close()


async def test_sitemap_index_and_pages(network, node: Node):
    site, _ = network
    index = await site.get("/sitemap.xml")
    assert index.status == 200 and index.content_type == "application/xml"
    files = locs(await index.read(), "sitemap")
    names = [urlsplit(loc).path for loc, _ in files]
    # 6 places (5 + this node), 15 + 24 offers (none withdrawn), 2 needs, 1 listing
    expected = [f"/sitemap-lieux-{n}.xml" for n in (1, 2, 3)]
    expected += [f"/sitemap-offres-{n}.xml" for n in range(1, 21)]
    expected += ["/sitemap-besoins-1.xml", "/sitemap-fiches-1.xml"]
    assert names == expected
    assert all(loc.startswith(PUBLIC + "/") and lastmod for loc, lastmod in files)
    seen: list[str] = []
    for loc, lastmod in files:
        page = await site.get(urlsplit(loc).path)
        assert page.status == 200
        urls = locs(await page.read(), "url")
        assert 1 <= len(urls) <= 2
        assert all(u.startswith(PUBLIC + "/lieux/") and m for u, m in urls)
        assert max(m for _, m in urls) == lastmod  # the file's date: its newest record
        seen += [u for u, _ in urls]
    assert len(seen) == len(set(seen))
    places = {f"{PUBLIC}/lieux/{key(f'lieu-{i}').did}" for i in range(PLACES)}
    places.add(f"{PUBLIC}/lieux/{node.key.did}")
    assert places == {u for u in seen if u.count("/") == 4}
    assert f"{PUBLIC}/lieux/{key('lieu-0').did}/offer/offre-2" in seen
    assert f"{PUBLIC}/lieux/{node.key.did}/need/tissu" in seen
    assert f"{PUBLIC}/lieux/{node.key.did}/listing/atelier-bergerac" in seen
    assert not any(u.endswith("/retiree") for u in seen)  # withdrawn: not listed
    for missing in ("/sitemap-lieux-4.xml", "/sitemap-lieux-0.xml", "/sitemap-fiches-2.xml"):
        response = await site.get(missing)
        assert response.status == 404 and (await response.json())["error"] == "not-found"
    assert (await site.get("/sitemap-autres-1.xml")).status == 404


def fill_fast(path, author: str, count: int) -> None:
    """``count`` offers of one feed written straight into the tables (signing 100,000
    entries would take most of a minute; the sitemaps read keys and dates only)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO entries (author, seq, id, col, rid, op, line, received_at) "
            "VALUES (?, ?, ?, 'offer', ?, 'put', x'7b7d', ?)",
            ((author, n + 1, f"id-{n}", f"offre-{n:06d}", TS) for n in range(count)),
        )
        conn.executemany(
            "INSERT INTO records (author, col, rid, seq, entry_id, body) "
            "VALUES (?, 'offer', ?, ?, ?, '{}')",
            ((author, f"offre-{n:06d}", n + 1, f"id-{n}") for n in range(count)),
        )
        conn.execute(
            "INSERT INTO feeds (author, first_seq, seq, head, updated_at) VALUES (?, 1, ?, ?, ?)",
            (author, count, f"id-{count - 1}", TS),
        )
    conn.close()


async def test_sitemaps_of_a_node_of_100k_records(node: Node):
    count = 100_000
    fill_fast(node.settings.store_path, key("gros-reseau").did, count)
    # Only the sitemaps' routes over the store: the search index of a whole node would be
    # built from these 100,000 records first, which is not what is measured here.
    app = web.Application(middlewares=[conditional_middleware, error_middleware])
    app[SETTINGS] = Settings.load(node.settings.home, public_url=PUBLIC)  # 10,000 per file
    app[STORE] = node.store
    app.router.add_get("/sitemap.xml", crawlers.sitemap_index)
    app.router.add_get(crawlers.PAGE_ROUTE, crawlers.sitemap_page)
    site = TestClient(TestServer(app))
    await site.start_server()
    try:
        start = time.perf_counter()
        index = await site.get("/sitemap.xml")
        files = locs(await index.read(), "sitemap")
        index_seconds = time.perf_counter() - start
        assert [urlsplit(loc).path for loc, _ in files] == [
            f"/sitemap-offres-{n}.xml" for n in range(1, 11)
        ]
        start = time.perf_counter()
        last = await site.get("/sitemap-offres-10.xml")
        urls = locs(await last.read(), "url")
        page_seconds = time.perf_counter() - start
        assert len(urls) == 10_000 and urls[-1][0].endswith("/offer/offre-099999")
        assert urls[0][0].endswith("/offer/offre-090000")
        assert (await site.get("/sitemap-offres-11.xml")).status == 404
        # generous bounds (a loaded CI machine): the point is no full scan per URL
        assert index_seconds < 10 and page_seconds < 10, (index_seconds, page_seconds)
    finally:
        await site.close()
