"""The node's HTTP errors, CORS and public page, served on loopback by aiohttp's test server."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from node.app import create_app
from node.appkeys import KEY
from node.home import Node, create_home
from tests.support.http_servers import (
    NAME,
    assert_error,
    entries_url,
    raw_request,
    serve,
    signed_log,
)
from tests.support.pages import FakeIndex, serve_with_index
from tests.support.samples import OFFER, key

# -- CORS -------------------------------------------------------------------------------


async def test_cors_on_reads_errors_and_preflight(client: TestClient, node: Node):
    signed_log(node, 1)
    response = await client.get(entries_url(node.key.did), headers={"Origin": "https://x.fr"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    missing = await client.get(entries_url(key("absent").did))
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    preflight = await client.options(
        entries_url(node.key.did),
        headers={
            "Origin": "https://x.fr",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    write = await client.options(
        "/feeds", headers={"Origin": "https://x.fr", "Access-Control-Request-Method": "POST"}
    )
    await assert_error(write, 405, "method-not-allowed")
    assert "Access-Control-Allow-Origin" not in write.headers
    nowhere = await client.options("/nulle-part", headers={"Access-Control-Request-Method": "GET"})
    await assert_error(nowhere, 404, "not-found")


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "after=-1",
        "after=abc",
        "after=1.5",
        "after=",
        "after=%2B3",
        "after=%EF%BC%93",  # a full-width digit: int() would take it
        "after=99999999999999999",
        "limit=0",
        "limit=5000",
        "limit=1001",
        "limit=ten",
        "after=1&after=2",
    ],
)
async def test_bad_parameters_are_a_json_400(client: TestClient, node: Node, query: str):
    signed_log(node, 1)
    response = await client.get(f"{entries_url(node.key.did)}?{query}")
    data = await assert_error(response, 400, "bad-parameter")
    assert "paramètre" in data["message"]


async def test_limit_bounds_are_accepted(client: TestClient, node: Node):
    signed_log(node, 3)
    for query in ("limit=1", "limit=1000", "after=0", "after=4"):
        response = await client.get(f"{entries_url(node.key.did)}?{query}")
        assert response.status == 200, query


async def test_unknown_feed_and_route_are_json_404(client: TestClient, node: Node):
    for path in (entries_url(key("inconnu").did), f"/feeds/{key('inconnu').did}/head"):
        await assert_error(await client.get(path), 404, "unknown-feed")
    await assert_error(await client.get("/nulle/part"), 404, "not-found")
    for bad in ("did:key:zzz", "did:web:example.org", "abc", "did:key:z" + "2" * 5000):
        await assert_error(await client.get(entries_url(bad)), 400, "bad-parameter")


async def test_writes_are_a_json_405(client: TestClient):
    response = await client.post("/feeds", data=b"{}")
    await assert_error(response, 405, "method-not-allowed")
    assert "GET" in response.headers["Allow"]


async def test_an_oversized_body_is_refused_before_it_is_read(client: TestClient):
    host = f"{client.server.host}:{client.server.port}"
    request = (
        f"POST /feeds HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10**9}\r\n\r\n"
    ).encode()
    # The rest never comes: the answer must not wait for it. (The server then reads and
    # drops what comes for aiohttp's lingering time before it closes the connection.)
    wire = await raw_request(client, request + b"{", until_eof=False)
    head, _, body = wire.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert orjson.loads(body)["error"] == "too-large"
    assert (await client.get("/feeds")).status == 200


async def test_aiohttp_body_limit_is_a_json_413(node: Node):
    app = create_app(node.settings)

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    app.router.add_post("/echo", echo)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:

        async def chunks():  # no Content-Length: only aiohttp's own limit can stop it
            for _ in range(3):
                yield b"x" * node.settings.max_request_bytes

        response = await client.post("/echo", data=chunks())
        await assert_error(response, 413, "too-large")
    finally:
        await client.close()


async def test_an_unexpected_error_is_logged_and_a_plain_json_500(
    node: Node, caplog: pytest.LogCaptureFixture
):
    app = create_app(node.settings)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret interne")

    app.router.add_get("/casse", broken)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        with caplog.at_level(logging.ERROR, logger="maillage.http"):
            response = await client.get("/casse")
        data = await assert_error(response, 500, "internal-error")
        assert "secret" not in data["message"]
        assert any(r.exc_info and "secret interne" in str(r.exc_info[1]) for r in caplog.records)
    finally:
        await client.close()


async def test_a_browser_meeting_a_bug_gets_a_french_page(
    node: Node, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    app = create_app(node.settings)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret interne")

    app.router.add_get("/casse", broken)
    app.router.add_get("/api/casse", broken)
    client = TestClient(TestServer(app))
    await client.start_server()
    page = {"Accept": "text/html,application/xhtml+xml"}
    try:
        with caplog.at_level(logging.ERROR, logger="maillage.http"):
            response = await client.get("/casse", headers=page)
        html = await response.text()
        assert response.status == 500 and response.content_type == "text/html"
        assert "<h1>Erreur interne</h1>" in html and "Une erreur inattendue" in html
        assert "secret" not in html and "Content-Security-Policy" in response.headers
        assert any(r.exc_info and "secret interne" in str(r.exc_info[1]) for r in caplog.records)

        # even when the error page cannot be rendered: a bare French page
        monkeypatch.setattr("node.web.errors.error_page", broken)
        response = await client.get("/casse", headers=page)
        assert response.status == 500 and "<h1>Erreur interne</h1>" in await response.text()

        # the API keeps its JSON, whatever the browser accepts
        response = await client.get("/api/casse", headers=page)
        await assert_error(response, 500, "internal-error")
    finally:
        await client.close()


async def test_garbage_gets_a_4xx_and_the_server_keeps_serving(client: TestClient):
    for garbage in (
        b"\x00\x01\x02 garbage\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /feeds HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n" + b"X: " + b"a" * 100_000 + b"\r\n\r\n",
    ):
        wire = await raw_request(client, garbage)
        assert re.match(rb"HTTP/1\.[01] 4[0-9][0-9] ", wire), wire[:80]
        assert b"Traceback" not in wire
    assert (await client.get("/feeds")).status == 200


# -- the page ---------------------------------------------------------------------------


async def test_the_page_escapes_peer_text_and_forbids_scripts(node: Node):
    hostile = "<script>alert(1)</script>"
    node.store.append_own(node.key, col="offer", rid="a", body={**OFFER, "title": hostile})
    node.store.append_own(node.key, col="need", rid="b", body={**OFFER, "title": "Fil élastique"})
    client = await serve_with_index(node.settings, lambda app: FakeIndex(app[KEY].did))
    try:
        response = await client.get("/")
        html = await response.text()
        css = await client.get("/static/maillage.css")
    finally:
        await client.close()
    assert response.status == 200
    assert response.content_type == "text/html"
    assert hostile not in html
    assert html.count("<script") == html.count('<script type="application/ld+json">') == 1
    assert NAME in html and node.key.did in html
    assert "1 offre" in html and "1 besoin" in html
    assert "réseau Maillage" in html and 'lang="fr"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp
    assert "script-src" not in csp  # falls back to default-src 'none'
    assert 'src="' not in html and 'href="http' not in html  # nothing external
    assert css.status == 200 and css.content_type == "text/css"


async def test_the_page_escapes_a_hostile_place_name(tmp_path: Path):
    with create_home(tmp_path / "h", name='<img src=x onerror="alert(1)">') as node:
        client = await serve(node.settings)
        try:
            html = await (await client.get("/")).text()
        finally:
            await client.close()
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


# -- Allow: what OPTIONS and a 405 say agrees with the routes table ----------------------------


def _allowed_by_routes() -> dict[str, set[str]]:
    """Path template → the methods of ``node.app.routes()`` there (GET brings HEAD)."""
    from node.app import routes

    methods: dict[str, set[str]] = {}
    for route in routes():
        named = methods.setdefault(route.path, set())
        named.add(route.method)
        if route.method == "GET":
            named.add("HEAD")
    return methods


def _sample_path(template: str, did: str) -> str:
    """A path matching ``template``: the node's did, the first kind, ``x`` for the rest."""
    path = template.replace("{did}", did)
    path = re.sub(r"\{\w+:((?:[^{}]|\{[^{}]*\})*)\}", _sample_of_pattern, path)
    return re.sub(r"\{\w+\}", "x", path)


def _sample_of_pattern(part: re.Match[str]) -> str:
    """A value of ``{name:regex}``: the first of a list of words (kinds), else a number."""
    pattern = part[1]
    return pattern.split("|")[0] if re.fullmatch(r"[a-z|-]+", pattern) else "1"


async def test_allow_on_options_and_on_405_names_the_routes_methods(client: TestClient, node: Node):
    for template, methods in _allowed_by_routes().items():
        path = _sample_path(template, node.key.did)
        expected = {*methods, "OPTIONS"}
        options = await client.options(path)
        assert options.status == 204, path
        assert set(options.headers["Allow"].split(", ")) == expected, path
        other = "DELETE" if "DELETE" not in methods else "PATCH"
        refused = await client.request(other, path)
        assert refused.status == 405, path
        assert set(refused.headers["Allow"].split(", ")) == expected, path
    inbox = await client.get("/inbox")
    assert inbox.status == 405 and inbox.headers["Allow"] == "POST, OPTIONS"
    preflight = await client.options("/inbox", headers={"Access-Control-Request-Method": "GET"})
    await assert_error(preflight, 405, "method-not-allowed")
    assert preflight.headers["Allow"] == "POST, OPTIONS"
