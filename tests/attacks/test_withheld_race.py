"""A stranger takes a new entry from a place's public feed, withholds its body (valid: same
id, same signature) and pushes it to a follower before the real one arrives. The follower
must not keep the blank copy: the body is pending, asked of the sources, and the real one
wins (SPEC §11.3)."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from protocol.entries import withhold
from tests.support.live_nodes import LiveNode, cli, until
from tests.support.samples import OFFER

NDJSON = "application/x-ndjson"


async def _line(node: LiveNode, seq: int) -> bytes:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{node.url}/feeds/{node.did}/entries?after={seq - 1}&limit=1") as answer,
    ):
        return (await answer.read()).split(b"\n")[0]


async def test_a_strangers_withheld_copy_does_not_blank_the_offer(tmp_path: Path) -> None:
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    c = await LiveNode(tmp_path, "C").start()
    try:
        await a.put("ancienne", OFFER)
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        assert (await cli("follow", "--home", c.home, b.url))[0] == 0
        await until(lambda: b.seq_of(a.did) == 1, what="B holds A")
        await a.put("nouvelle", {**OFFER, "title": "Visières 500 pièces"})
        blank = withhold(await _line(a, 2))
        async with (
            aiohttp.ClientSession() as stranger,
            stranger.post(
                f"{b.url}/inbox", data=blank + b"\n", headers={"Content-Type": NDJSON}
            ) as answer,
        ):
            assert answer.status < 300 and (await answer.json())["stored"] == 1

        def body_at_b() -> object:
            record = b.store.record(a.did, "offer", "nouvelle")
            return record is not None and record.body

        body = await until(body_at_b, timeout=10, what="the real body wins at B")
        assert body["title"] == "Visières 500 pièces"
        assert b.store.pending_bodies(a.did) == []
        assert b.store.line(a.did, 2) == await _line(a, 2)  # B relays the whole entry
        await c.sync()
        record = c.store.record(a.did, "offer", "nouvelle")
        assert record is not None and record.body == body  # two hops away, still whole
    finally:
        for node in (c, b, a):
            await node.stop()


async def test_a_withheld_put_superseded_by_a_del_stays_withheld(tmp_path: Path) -> None:
    """Withholding is honoured where the protocol means it: after a later del."""
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        await a.put("retiree", OFFER)
        await a.put("retiree", None)  # the del withholds the put's body on A
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        await until(lambda: b.seq_of(a.did) == 2, what="B holds A")
        assert b.store.record(a.did, "offer", "retiree") is None
        assert b.store.line(a.did, 1).startswith(b'{"body":null,')
        assert b.store.pending_bodies(a.did) == []
    finally:
        await b.stop()
        await a.stop()
