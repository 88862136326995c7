"""A hostile peer: forged signatures, a fork, garbage, endless, slow and huge answers.

The hostile peer is a small aiohttp server on loopback claiming to be the node of key K.
Whatever it sends, the following node stores only verified entries, keeps serving, reads at
most its response cap, and records the peer's failure with a backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web

from node.federation import fetch, peers
from node.federation.sync import REPLICATOR
from protocol.entries import Entry
from tests.support.http_servers import serve_on_loopback
from tests.support.live_nodes import LiveNode, cli
from tests.support.samples import OFFER, chain, key

K = key("un voisin malveillant")
CAP = 128 * 1024


def offers(count: int, label: str = "") -> list[Entry]:
    return chain(
        K, [("offer", f"o{i}", {**OFFER, "title": f"Offre {i}{label}"}) for i in range(count)]
    )


def forge(entry: Entry) -> bytes:
    """The entry with another body hash's worth of signature: same shape, wrong signature."""
    data = orjson.loads(entry.line)
    sig = data["sig"]
    data["sig"] = ("B" if sig[0] != "B" else "C") + sig[1:]
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


class Hostile:
    """The peer: ``feeds`` and ``entries`` say what ``/feeds`` and the entries answer."""

    def __init__(self) -> None:
        self.feeds: object = []
        self.entries: object = b""
        self.requests = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    def serve_lines(self, lines: list[bytes]) -> None:
        self.feeds = [{"did": K.did, "seq": len(lines), "head": "x"}]
        self.entries = b"".join(line + b"\n" for line in lines)

    async def start(self) -> Hostile:
        app = web.Application()
        app.router.add_get("/.well-known/maillage", self._well_known)
        app.router.add_get("/feeds", self._feeds)
        app.router.add_get("/feeds/{did}/entries", self._entries)
        self.runner, self.url = await serve_on_loopback(app, shutdown_timeout=0.1)
        return self

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()

    async def _well_known(self, request: web.Request) -> web.Response:
        return web.json_response({"did": K.did, "name": "Voisin"})

    async def _feeds(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if isinstance(self.feeds, bytes):
            return web.Response(body=self.feeds, content_type="application/json")
        return web.json_response(self.feeds)

    async def _entries(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if isinstance(self.entries, bytes):
            after = int(request.query.get("after", "0"))
            lines = self.entries.splitlines(keepends=True)
            return web.Response(body=b"".join(lines[after:]) if len(lines) > 1 else self.entries)
        response = web.StreamResponse()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await self.entries(response)  # type: ignore[operator]
        return response


async def endless(response: web.StreamResponse) -> None:
    while True:
        await response.write(b"x" * 999 + b"\n")


async def trickle(response: web.StreamResponse) -> None:
    while True:
        await response.write(b"{")
        await asyncio.sleep(0.05)


async def huge_line(response: web.StreamResponse) -> None:
    for _ in range(200):
        await response.write(b"a" * 1000)


@pytest.fixture
async def hostile():
    peer = await Hostile().start()
    yield peer
    await peer.stop()


@pytest.fixture
async def node(tmp_path: Path):
    live = LiveNode(tmp_path, "N", max_response_bytes=CAP, sync_total_seconds=1.0)
    await live.start()
    yield live
    await live.stop()


async def follow(node: LiveNode, hostile: Hostile) -> None:
    status, out, _ = await cli("follow", "--home", node.home, hostile.url)
    assert status == 0, out


async def still_serving(node: LiveNode) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{node.url}/.well-known/maillage") as response,
    ):
        assert response.status == 200


async def served(node: LiveNode) -> list[bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{node.url}/feeds/{K.did}/entries") as response,
    ):
        if response.status == 404:
            return []
        return (await response.read()).splitlines()


BAD_ANSWERS = {
    "forged": (lambda h: h.serve_lines([offers(2)[0].line, forge(offers(2)[1])]), "bad-signature"),
    "garbage-feeds": (lambda h: setattr(h, "feeds", b"<html>oops"), "liste des flux illisible"),
    "garbage-lines": (lambda h: h.serve_lines([b"not json", b"{}"]), "entrée invalide"),
    "endless": (lambda h: setattr(h, "entries", endless), "entrée invalide"),
    "trickle": (lambda h: setattr(h, "entries", trickle), "réponse trop lente"),
    "huge-line": (lambda h: setattr(h, "entries", huge_line), "ligne trop longue"),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
async def test_bad_answers_are_refused_with_backoff(node: LiveNode, hostile: Hostile, case: str):
    await follow(node, hostile)
    arrange, reason = BAD_ANSWERS[case]
    hostile.serve_lines([offers(2)[0].line])  # a listing saying there is something to fetch
    hostile.feeds = [{"did": K.did, "seq": 2, "head": "x"}]
    arrange(hostile)
    started = time.monotonic()
    report = await node.sync()
    assert time.monotonic() - started < 5
    assert reason in report.failed[hostile.url]
    peer = peers.peers(node.store)[hostile.url]
    assert peer.status.startswith("error: ") and reason in peer.status
    assert peer.failures == 1
    assert peer.next_poll > time.time() + node.settings.poll_seconds  # backoff: doubled
    # Only verified entries are held and served: at most the valid first one.
    lines = await served(node)
    assert all(line == offers(2)[0].line for line in lines)
    assert node.seq_of(K.did) == (1 if case == "forged" else 0)
    await still_serving(node)
    # Not due: a round that is not forced leaves the failing peer alone.
    before = hostile.requests
    assert (await node.app[REPLICATOR].run_once()).polled == []
    assert hostile.requests == before
    _, out, _ = await cli("peers", "--home", node.home)
    assert out.strip().endswith(f"  erreur : {peer.status[len('error: ') :]}")


async def test_the_response_cap_stops_reading(hostile: Hostile):
    hostile.entries = endless
    async with fetch.session(1.0, 5.0) as session:
        answer = await fetch.get(
            session, f"{hostile.url}/feeds/{K.did}/entries", max_bytes=CAP, lines=True
        )
    assert answer.truncated
    assert CAP <= answer.bytes_read < CAP + fetch.CHUNK
    assert sum(map(len, answer.lines)) <= answer.bytes_read
    with pytest.raises(fetch.FetchError, match="trop grande"):
        async with fetch.session(1.0, 5.0) as session:
            await fetch.get(session, f"{hostile.url}/feeds/{K.did}/entries", max_bytes=CAP)


async def test_an_unreachable_peer(node: LiveNode, hostile: Hostile):
    await follow(node, hostile)
    await hostile.stop()
    report = await node.sync()
    assert report.failed == {hostile.url: "unreachable"}
    assert peers.peers(node.store)[hostile.url].status == "unreachable"
    await hostile.start()  # for the fixture's teardown (on another port)


async def test_a_fork_is_kept_frozen_and_reported(
    node: LiveNode, hostile: Hostile, caplog: pytest.LogCaptureFixture
):
    await follow(node, hostile)
    first = offers(2)
    hostile.serve_lines([e.line for e in first])
    await node.sync()
    assert node.seq_of(K.did) == 2
    other = offers(3, label=" (autre version)")
    hostile.serve_lines([first[0].line, *(e.line for e in other[1:])])
    with caplog.at_level(logging.ERROR, logger="maillage.sync"):
        report = await node.sync()
    assert report.forks == [K.did]
    assert any("FOURCHE" in r.message and r.levelno == logging.ERROR for r in caplog.records)
    proof = node.store.fork(K.did)
    assert proof is not None and proof.seq == 2
    assert node.seq_of(K.did) == 2  # frozen: seq 3 was not taken
    _, out, _ = await cli("peers", "--home", node.home)
    assert out.strip().endswith("  fourche : deux versions du journal, copie gelée")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{node.url}/feeds/{K.did}/fork") as response:
            data = await response.json()
        assert data == {
            "did": K.did,
            "seq": 2,
            "entries": [first[1].line.decode(), other[1].line.decode()],
        }
        async with session.get(f"{node.url}/feeds/{node.did}/fork") as response:
            assert response.status == 404
            assert (await response.json())["error"] == "no-fork"
    # Nothing more is taken from a frozen feed.
    hostile.serve_lines([e.line for e in offers(4)])
    await node.sync()
    assert node.seq_of(K.did) == 2
