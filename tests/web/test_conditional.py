"""Revalidation and compression of every cached public resource (node/web/conditional.py):
an ETag, 304 on If-None-Match (lists, ``*``, weak comparison) and on If-Modified-Since where
there is a Last-Modified, gzip only when asked and worth it, and never for the admin area,
the error answers or the feed API's own answers."""

from __future__ import annotations

import gzip

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from node.admin.auth import LOGIN_PATH
from node.home import Node
from node.web import conditional
from node.web.conditional import GZIP_MIN_BYTES, conditional_middleware
from tests.support.crawl import crawl_site

PUBLIC = "https://lieu.example.org"
DID = "{did}"
#: Every cached resource: path, and whether it has a Last-Modified.
RESOURCES = [
    ("/", True),
    ("/?q=laser", True),
    ("/search.atom", True),
    ("/search.atom?q=laser&page=1", True),
    ("/api/search?q=laser", True),
    ("/opensearch.xml", False),
    ("/api/openapi.json", False),
    ("/robots.txt", False),
    ("/sitemap.xml", True),
    ("/sitemap-lieux-1.xml", True),
    ("/sitemap-offres-1.xml", True),
    ("/sitemap-besoins-1.xml", True),
    ("/sitemap-fiches-1.xml", True),
    (f"/lieux/{DID}", True),
    (f"/lieux/{DID}/offer/laser", True),
    (f"/lieux/{DID}/need/tissu", True),
    (f"/lieux/{DID}/listing/atelier-bergerac", True),
    (f"/lieux/{DID}.atom", True),
    (f"/lieux/{DID}.atom?page=1", True),
    ("/static/maillage.css", True),
    ("/static/favicon.svg", True),
    ("/favicon.ico", True),
]
IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
async def site(node: Node, monkeypatch):
    monkeypatch.setattr(conditional, "SETTLE_SECONDS", 0)  # the records were just stored
    client = await crawl_site(node, public_url=PUBLIC)
    yield client
    await client.close()


async def fetch(site: TestClient, path: str, method: str = "GET", **headers: str):
    """The answer and its body as sent (no Accept-Encoding unless given)."""
    response = await site.request(
        method,
        path,
        headers=headers,
        auto_decompress=False,
        skip_auto_headers=() if "Accept-Encoding" in headers else ("Accept-Encoding",),
    )
    return response, await response.read()


@pytest.mark.parametrize(("path", "dated"), RESOURCES)
async def test_revalidation(site, node: Node, path: str, dated: bool):
    path = path.format(did=node.key.did)
    response, body = await fetch(site, path, **IDENTITY)
    assert response.status == 200 and body
    tag = response.headers["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    again, same = await fetch(site, path, **IDENTITY)
    assert again.headers["ETag"] == tag and same == body  # strong: the same bytes
    for given in (tag, f'"autre", {tag}', f"W/{tag}", "*"):
        revalidated, empty = await fetch(site, path, **IDENTITY, **{"If-None-Match": given})
        assert revalidated.status == 304 and empty == b"", given
        assert revalidated.headers["ETag"] == tag
        assert revalidated.headers["Cache-Control"] == response.headers["Cache-Control"]
    changed, full = await fetch(site, path, **IDENTITY, **{"If-None-Match": '"autre"'})
    assert changed.status == 200 and full == body
    head, nothing = await fetch(site, path, "HEAD", **IDENTITY)
    assert head.status == 200 and nothing == b"" and head.headers["ETag"] == tag
    modified = response.headers.get("Last-Modified")
    assert (modified is not None) == dated
    if modified:
        since, empty = await fetch(site, path, **IDENTITY, **{"If-Modified-Since": modified})
        assert since.status == 304 and empty == b"" and since.headers["ETag"] == tag
        older = "Mon, 01 Jan 2001 00:00:00 GMT"
        earlier, full = await fetch(site, path, **IDENTITY, **{"If-Modified-Since": older})
        assert earlier.status == 200 and full == body
        # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
        both = {"If-Modified-Since": modified, "If-None-Match": '"autre"'}
        assert (await fetch(site, path, **IDENTITY, **both))[0].status == 200


@pytest.mark.parametrize(("path", "dated"), RESOURCES)
async def test_compression(site, node: Node, path: str, dated: bool):
    path = path.format(did=node.key.did)
    plain, body = await fetch(site, path, **IDENTITY)
    assert "Content-Encoding" not in plain.headers
    unasked, same = await fetch(site, path)  # no Accept-Encoding at all
    assert "Content-Encoding" not in unasked.headers and same == body
    packed, compressed = await fetch(site, path, **GZIP)
    assert packed.status == 200 and "Accept-Encoding" in packed.headers["Vary"]
    if len(body) < GZIP_MIN_BYTES:  # too small to be worth it
        assert "Content-Encoding" not in packed.headers and compressed == body
        return
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed) == body and len(compressed) < len(body)
    tag = packed.headers["ETag"]
    assert tag != plain.headers["ETag"]  # one strong validator per representation
    revalidated, empty = await fetch(site, path, **GZIP, **{"If-None-Match": tag})
    assert revalidated.status == 304 and empty == b"" and revalidated.headers["ETag"] == tag
    refused, same = await fetch(site, path, **{"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and same == body


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": "pas-entre-guillemets"},
        {"If-None-Match": '"ouvert'},
        {"If-None-Match": ""},
        {"If-Modified-Since": "hier"},
        {"If-Modified-Since": "Mon, 99 Jan 2001 00:00:00 GMT"},
        {"Accept-Encoding": "gzip;q=abc"},
    ],
)
async def test_garbled_validators_are_ignored(site, headers: dict[str, str], caplog):
    response, body = await fetch(site, "/?q=laser", **headers)
    assert response.status == 200 and body and "ETag" in response.headers
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_most_resources_are_worth_compressing(site, node: Node):
    sizes = [len((await fetch(site, p.format(did=node.key.did)))[1]) for p, _ in RESOURCES]
    assert sum(size >= GZIP_MIN_BYTES for size in sizes) >= len(RESOURCES) - 3


async def test_admin_is_never_compressed_nor_cached(site):
    response, body = await fetch(site, LOGIN_PATH, **GZIP)
    assert response.status == 200 and len(body) > GZIP_MIN_BYTES
    assert "Content-Encoding" not in response.headers and "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")
    dashboard, _ = await fetch(site, "/admin", **GZIP)  # not logged in: still untouched
    assert "Content-Encoding" not in dashboard.headers and "ETag" not in dashboard.headers


@pytest.mark.parametrize(
    "path", ["/lieux/did:key:zInconnu", "/sitemap-lieux-9.xml", "/search.atom?page=0", "/rien"]
)
async def test_errors_are_never_cached(site, path: str):
    for accept in ("text/html", "application/json"):
        response, _ = await fetch(site, path, **GZIP, Accept=accept)
        assert response.status >= 400
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers and "Content-Encoding" not in response.headers


async def test_feed_api_keeps_its_own_validators(site, node: Node):
    path = f"/feeds/{node.key.did}/entries"
    plain, body = await fetch(site, path, **IDENTITY)
    packed, compressed = await fetch(site, path, **GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed) == body  # compressed once, by the feed API
    assert packed.headers["Cache-Control"] == plain.headers["Cache-Control"] == "no-cache"
    revalidated, _ = await fetch(site, path, **GZIP, **{"If-None-Match": packed.headers["ETag"]})
    assert revalidated.status == 304


async def test_a_tag_set_by_the_handler_is_kept():
    """A cache of rendered answers sets its own ETag and may answer 304 itself."""

    async def tagged(request: web.Request) -> web.Response:
        if conditional.names(request, "rendu-1"):
            return web.Response(status=304, headers={"ETag": '"rendu-1"'})
        return web.Response(text="résultat " * 100, headers={"ETag": '"rendu-1"'})

    app = web.Application(middlewares=[conditional_middleware])
    app.router.add_get("/api/cache", tagged)
    async with TestClient(TestServer(app)) as client:
        plain, _ = await fetch(client, "/api/cache", **IDENTITY)
        assert plain.headers["ETag"] == '"rendu-1"'
        packed, _ = await fetch(client, "/api/cache", **GZIP)
        assert packed.headers["ETag"] == '"rendu-1-gzip"'
        for headers, tag in ((IDENTITY, '"rendu-1"'), (GZIP, '"rendu-1-gzip"')):
            answer, empty = await fetch(client, "/api/cache", **headers, **{"If-None-Match": tag})
            assert answer.status == 304 and empty == b""
            assert answer.headers["Vary"] == "Accept-Encoding"
            assert answer.headers["ETag"] == tag


async def test_a_date_just_stored_is_not_sent(node: Node):
    """Within SETTLE_SECONDS, an IMS-only client could keep an answer made before the index
    took the change: the answer is revalidated by its ETag alone."""
    site = await crawl_site(node)
    try:
        for path in ("/", "/api/search?q=laser", f"/lieux/{node.key.did}"):
            response, _ = await fetch(site, path)
            assert "Last-Modified" not in response.headers and "ETag" in response.headers
        css, _ = await fetch(site, "/static/maillage.css")  # a file of the installation
        assert "Last-Modified" in css.headers
    finally:
        await site.close()
    stored = conditional.http_date("2027-01-15T08:00:00Z")
    assert stored == "Fri, 15 Jan 2027 08:00:00 GMT"
    moment = 1_800_000_000.0  # that very second
    assert conditional.settled(stored, moment + 5) and not conditional.settled(stored, moment + 4)
    assert not conditional.settled("pas une date", moment)
