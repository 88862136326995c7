"""A followed peer that publishes far more than a small node should take fills no disk:
past the day's quota the node stops taking that feed, says so, and keeps serving; and one
place's follow records widen what the node copies by a bounded number of feeds."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from node.federation import peers
from node.store.database import Store
from node.store.intake import Quota
from protocol.keys import SigningKey
from protocol.signing import sign_log
from tests.support.live_nodes import LiveNode, cli
from tests.support.samples import OFFER


async def test_past_the_daily_quota_the_feed_waits_and_the_node_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILLAGE_QUOTA_ENTRIES_PER_DAY", "10")
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        for i in range(30):
            await a.put(f"offre-{i}", {**OFFER, "title": f"Offre {i}"})
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        report = await b.sync()
        assert b.seq_of(a.did) == 10 and a.did in report.over_quota and not report.failed
        assert b.seq_of(a.did) == 10  # a second round takes nothing more today
        await b.sync()
        assert b.seq_of(a.did) == 10
        status, out, _ = await cli("peers", "--home", b.home)
        assert status == 0 and "quota du jour atteint" in out
        status, out, _ = await cli("sync", "--home", b.home)
        assert status == 0 and "quota du jour atteint" in out
        async with aiohttp.ClientSession() as http, http.get(f"{b.url}/feeds") as answer:
            assert answer.status == 200
            assert {"did": a.did, "seq": 10} in [
                {"did": f["did"], "seq": f["seq"]} for f in await answer.json()
            ]
    finally:
        await b.stop()
        await a.stop()


def test_the_byte_quota_counts_line_bytes(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite3")
    key = SigningKey.generate()
    entries = sign_log(key, [("offer", f"o{i}", {**OFFER, "notes": "x" * 900}) for i in range(9)])
    quota = Quota(entries=1000, bytes=sum(len(e.line) for e in entries[:4]))
    result = store.append(entries, quota)
    assert len(result.stored) == 4 and result.over_quota == {key.did}
    assert store.over_quota(key.did, quota)
    assert store.intake(key.did)[0] == 4
    assert len(store.append(entries[4:]).stored) == 5  # no quota: own tools, recover
    store.close()


async def test_one_place_widens_the_wanted_feeds_by_a_bounded_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILLAGE_MAX_FEEDS_VIA_PEER", "5")
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        for _ in range(30):
            did = SigningKey.generate().did
            await a.put(did, {"url": "http://127.0.0.1:9"}, col="follow")
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        report = await b.sync()
        capped: dict[str, int] = {}
        wanted = peers.wanted_feeds(b.store, b.did, 2, 5, capped)
        assert len(wanted) == 6 and capped == {a.did: 25} and report.capped == {a.did: 25}
        status, out, _ = await cli("peers", "--home", b.home)
        assert status == 0 and "25 des lieux qu'il suit ne sont pas copiés" in out
    finally:
        await b.stop()
        await a.stop()
