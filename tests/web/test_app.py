"""The node's feed API, served on loopback by aiohttp's test server."""

from __future__ import annotations

import io

import orjson
import pytest
from aiohttp.test_utils import TestClient

from node.home import Node
from node.settings import Settings
from protocol.canonical import canonicalize
from protocol.encoding import b64url_decode
from protocol.entries import SIGNING_DOMAIN, entry_id
from protocol.keys import verifier_for
from protocol.signing import sign_entry
from protocol.stream import verify_stream
from tests.support.http_servers import NAME, entries_url, raw_request, serve, signed_log
from tests.support.samples import OFFER, TS, key

# -- discovery --------------------------------------------------------------------------


async def test_well_known_names_the_node_and_its_endpoints(client: TestClient, node: Node):
    response = await client.get("/.well-known/maillage")
    assert response.status == 200
    data = await response.json()
    assert data["did"] == node.key.did
    assert data["name"] == NAME
    assert data["software"] == "maillage"
    assert data["protocol"] == 1
    assert data["version"]
    base = str(client.make_url("")).rstrip("/")
    assert data["urls"]["feeds"] == f"{base}/feeds"
    assert data["urls"]["entries"] == base + "/feeds/{did}/entries"
    assert data["feed"]["entries"] == f"{base}/feeds/{node.key.did}/entries"
    assert data["feed"]["head"] == f"{base}/feeds/{node.key.did}/head"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_well_known_uses_the_public_url(node: Node):
    settings = Settings.load(node.settings.home, public_url="https://lieu.example.org/")
    client = await serve(settings)
    try:
        data = await (await client.get("/.well-known/maillage")).json()
    finally:
        await client.close()
    assert data["urls"]["feeds"] == "https://lieu.example.org/feeds"
    assert data["feed"]["entries"] == f"https://lieu.example.org/feeds/{node.key.did}/entries"


@pytest.mark.parametrize("host", [b"a b", b"x:abc", b"\xff\xfe", b"a/b?c#d", b"@@", b""])
async def test_an_odd_host_header_is_not_echoed(client: TestClient, host: bytes):
    request = b"GET /.well-known/maillage HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
    wire = await raw_request(client, request % host)
    assert wire.startswith(b"HTTP/1.1 200 ")
    data = orjson.loads(wire.partition(b"\r\n\r\n")[2])
    listening = f"http://{client.server.host}:{client.server.port}"
    assert data["urls"]["feeds"] == f"{listening}/feeds"


async def test_feeds_lists_every_feed_with_its_head(client: TestClient, node: Node):
    assert await (await client.get("/feeds")).json() == []
    entries = signed_log(node, 3)
    other = key("un voisin")
    copied = sign_entry(other, seq=1, prev=None, col="offer", rid="a", body=OFFER, ts=TS)
    node.store.append([copied])
    data = await (await client.get("/feeds")).json()
    assert sorted(data, key=lambda f: f["did"]) == sorted(
        [
            {"did": node.key.did, "seq": 4, "head": entries[-1].id},
            {"did": other.did, "seq": 1, "head": copied.id},
        ],
        key=lambda f: f["did"],
    )


# -- entries ----------------------------------------------------------------------------


async def fetch_all(client: TestClient, did: str, limit: int | None) -> tuple[list[bytes], int]:
    """Page through the feed the way a client knowing only the brief would."""
    lines: list[bytes] = []
    pages = 0
    while True:
        query = {"after": str(len(lines))}
        if limit is not None:
            query["limit"] = str(limit)
        response = await client.get(entries_url(did), params=query)
        assert response.status == 200
        assert response.content_type == "application/x-ndjson"
        body = await response.read()
        if not body:
            assert "Link" not in response.headers
            return lines, pages
        pages += 1
        assert body.endswith(b"\n")
        page = body.split(b"\n")[:-1]
        assert len(page) == (limit or 500) or "Link" not in response.headers
        lines.extend(page)


@pytest.mark.parametrize("limit", [None, 1000, 7])
async def test_a_client_fetches_the_whole_feed_by_pages_and_it_verifies(
    client: TestClient, node: Node, limit: int | None
):
    entries = signed_log(node, 2499 if limit != 7 else 99)
    lines, pages = await fetch_all(client, node.key.did, limit)
    assert pages == -(-len(entries) // (limit or 500))
    assert len(lines) == len(entries)
    verdicts = list(verify_stream(io.BytesIO(b"".join(line + b"\n" for line in lines))))
    assert all(v.ok for v in verdicts), [str(v) for v in verdicts if not v.ok][:3]
    assert [v.entry.seq for v in verdicts] == list(range(1, len(entries) + 1))
    assert [v.entry.id for v in verdicts] == [e.id for e in entries]
    assert verdicts[-1].entry.op == "del"
    withheld = [v.entry for v in verdicts if v.entry.rid == "offre-1" and v.entry.op == "put"]
    assert withheld and all(e.body is None for e in withheld)


async def test_a_page_holds_the_lines_after_the_given_seq(client: TestClient, node: Node):
    entries = signed_log(node, 20)
    response = await client.get(entries_url(node.key.did), params={"after": "5", "limit": "3"})
    body = await response.read()
    assert body == b"".join(node.store.line(node.key.did, seq) + b"\n" for seq in (6, 7, 8))
    link = response.headers["Link"]
    assert link.endswith('/entries?after=8&limit=3>; rel="next"')
    response = await client.get(entries_url(node.key.did), params={"after": "21"})
    assert response.status == 200 and await response.read() == b""
    response = await client.get(entries_url(node.key.did), params={"after": "999999"})
    assert response.status == 200 and await response.read() == b""
    assert len(entries) == 21


async def test_an_entry_written_while_serving_is_served_at_once(client: TestClient, node: Node):
    signed_log(node, 2)
    url = entries_url(node.key.did)
    first = await client.get(url)
    assert len((await first.read()).splitlines()) == 3
    entry = node.store.append_own(node.key, col="need", rid="visieres", body=OFFER)
    second = await client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status == 200
    lines = (await second.read()).splitlines()
    assert lines[-1] == entry.line
    feeds = await (await client.get("/feeds")).json()
    assert feeds == [{"did": node.key.did, "seq": 4, "head": entry.id}]


async def test_an_unchanged_page_is_a_304_without_body(client: TestClient, node: Node):
    signed_log(node, 5)
    url = entries_url(node.key.did)
    response = await client.get(url, params={"after": "2"})
    tag = response.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith('"W/')
    assert response.headers["Cache-Control"] == "no-cache"
    again = await client.get(url, params={"after": "2"}, headers={"If-None-Match": tag})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == tag
    other_page = await client.get(url, params={"after": "3"}, headers={"If-None-Match": tag})
    assert other_page.status == 200
    star = await client.get(url, params={"after": "2"}, headers={"If-None-Match": "*"})
    assert star.status == 304


async def test_a_no_change_poll_is_at_most_500_bytes_on_the_wire(client: TestClient, node: Node):
    signed_log(node, 30)
    url = entries_url(node.key.did) + "?after=30"
    tag = (await client.get(url)).headers["ETag"]
    host = f"{client.server.host}:{client.server.port}"
    request = (
        f"GET {url} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: gzip, deflate\r\n"
        f"If-None-Match: {tag}\r\nConnection: close\r\n\r\n"
    ).encode()
    wire = await raw_request(client, request)
    assert wire.startswith(b"HTTP/1.1 304 ")
    assert wire.endswith(b"\r\n\r\n")  # headers only
    assert len(wire) <= 500, wire


async def test_head_gives_the_latest_header_and_signature(client: TestClient, node: Node):
    entries = signed_log(node, 4)
    response = await client.get(f"/feeds/{node.key.did}/head")
    assert response.status == 200
    data = await response.json()
    assert set(data) == {"did", "seq", "head", "header", "sig"}
    assert data["did"] == node.key.did and data["seq"] == 5 and data["head"] == entries[-1].id
    assert entry_id(data["header"]) == data["head"]
    verifier_for(node.key.did).verify(
        b64url_decode(data["sig"]), SIGNING_DOMAIN + canonicalize(data["header"])
    )
    assert len(await response.read()) < 700
    tag = response.headers["ETag"]
    again = await client.get(f"/feeds/{node.key.did}/head", headers={"If-None-Match": tag})
    assert again.status == 304 and await again.read() == b""
    node.store.append_own(node.key, col="offer", rid="neuve", body=OFFER)
    moved = await client.get(f"/feeds/{node.key.did}/head", headers={"If-None-Match": tag})
    assert moved.status == 200 and (await moved.json())["seq"] == 6


async def test_gzip_when_the_client_accepts_it(client: TestClient, node: Node):
    signed_log(node, 50)
    url = entries_url(node.key.did)
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    body = await plain.read()
    zipped = await client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) < len(body) / 3
    assert await zipped.read() == body  # decompressed by the client
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # one validator per coding
    for tag in (plain.headers["ETag"], zipped.headers["ETag"]):
        again = await client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
        assert again.status == 304 and again.headers["ETag"] == tag
    refused = await client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    tiny = await client.get(url, params={"after": "51"}, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tiny.headers


async def test_head_requests_carry_no_body(client: TestClient, node: Node):
    signed_log(node, 3)
    response = await client.head(entries_url(node.key.did))
    assert response.status == 200
    assert await response.read() == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
