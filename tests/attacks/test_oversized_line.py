"""A line too long to be an entry does not undo the valid lines before it (issue 11, finding 7).

A hostile (or broken) peer serves a page whose line 1 is a valid entry and whose line 2 is
200 KB long. However the bytes arrive, the reader keeps line 1 and stops at line 2; the
replicator stores line 1, then records the peer's failure, round after round.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from node.federation import fetch, peers
from protocol.signing import sign_log
from tests.support.http_servers import serve_on_loopback
from tests.support.live_nodes import LiveNode, cli
from tests.support.samples import OFFER, key

K = key("un voisin aux lignes démesurées")
GOOD = sign_log(K, [("offer", f"o{i}", {**OFFER, "title": f"Offre {i}"}) for i in range(2)])
HUGE = b'{"body":{"texte":"' + b"a" * 200_000 + b'"}}'
PAGE = GOOD[0].line + b"\n" + HUGE + b"\n" + GOOD[1].line + b"\n"


class Peer:
    """Claims K's feed up to seq 2 and serves :data:`PAGE`, written ``piece`` bytes at a time."""

    def __init__(self, piece: int) -> None:
        self.piece = piece
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Peer:
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

    async def _feeds(self, request: web.Request) -> web.Response:
        return web.json_response([{"did": K.did, "seq": 2, "head": GOOD[1].id}])

    async def _entries(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        try:
            for start in range(0, len(PAGE), self.piece):
                await response.write(PAGE[start : start + self.piece])
        except ConnectionError:
            pass  # the reader stopped at the long line
        return response


PIECES = [len(PAGE), 65_536, 70_000, 4_096, 1_000, len(GOOD[0].line) + 1]


@pytest.mark.parametrize("piece", PIECES)
async def test_the_reader_keeps_the_lines_before_a_long_one(piece: int) -> None:
    peer = await Peer(piece).start()
    try:
        async with fetch.session(1.0, 5.0) as client:
            answer = await fetch.get(
                client, f"{peer.url}/feeds/{K.did}/entries", max_bytes=8 * 2**20, lines=True
            )
        assert answer.lines == [GOOD[0].line]
        assert answer.broken is not None and "ligne trop longue" in answer.broken
        assert not answer.truncated
    finally:
        await peer.stop()


@pytest.mark.parametrize("piece", [len(PAGE), 4_096])
async def test_after_a_sync_the_valid_first_line_is_stored(tmp_path: Path, piece: int) -> None:
    peer = await Peer(piece).start()
    node = await LiveNode(tmp_path, "N", sync_total_seconds=5.0).start()
    try:
        status, out, _ = await cli("follow", "--home", node.home, peer.url)
        assert status == 0, out
        for _ in range(2):  # and it stays stored while the peer serves that page
            report = await node.sync()
            assert node.store.lines(K.did, 0, 10) == [GOOD[0].line]  # stopped at line 2
            assert "ligne trop longue" in report.failed[peer.url]
            assert report.stored <= 1
        status_of = peers.peers(node.store)[peer.url].status
        assert status_of.startswith("error: ") and "ligne trop longue" in status_of
    finally:
        await node.stop()
        await peer.stop()
