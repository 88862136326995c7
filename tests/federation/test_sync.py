"""Pull replication between real nodes on loopback: follow, hops, offline author, partition,
deletion, ``maillage peers`` and ``suggest``. Rounds are run directly (polling off)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import orjson
import pytest

from node.federation import peers
from protocol.entries import Entry
from protocol.verification import verify_lines
from tests.support.live_nodes import LiveNode, cli, until
from tests.support.samples import OFFER


async def served_lines(url: str, did: str) -> list[bytes]:
    query = {"limit": "1000"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/feeds/{did}/entries", params=query) as r,
    ):
        assert r.status == 200
        return (await r.read()).splitlines()


async def assert_serves_verified(node: LiveNode, author: LiveNode, count: int) -> None:
    lines = await served_lines(node.url, author.did)
    assert len(lines) == count
    results = verify_lines(lines)
    assert all(isinstance(r, Entry) and r.author == author.did for r in results), results


@pytest.fixture
async def net(tmp_path: Path):
    nodes = {n: LiveNode(tmp_path, n) for n in ("A", "B", "C", "D")}
    for node in nodes.values():
        await node.start()
    yield nodes
    for node in nodes.values():
        await node.stop()


async def test_replication_across_four_nodes(net: dict[str, LiveNode]) -> None:
    a, b, c, d = net["A"], net["B"], net["C"], net["D"]
    for i in range(3):
        await a.put(f"offre-{i}", {**OFFER, "title": f"Offre {i} de A"})

    # Follows: B → A, C → B, D → B and C. Each is a signed record of the follower's log.
    status, out, _ = await cli("follow", "--home", b.home, a.url)
    assert status == 0 and "vous suivez maintenant « A »" in out
    assert (await cli("follow", "--home", c.home, b.url + "/"))[0] == 0
    assert (await cli("follow", "--home", d.home, b.url))[0] == 0
    assert (await cli("follow", "--home", d.home, c.url))[0] == 0
    record = b.store.record(b.did, "follow", a.did)
    assert record is not None and record.body == {"url": a.url, "name": "A"}
    status, out, _ = await cli("follow", "--home", b.home, a.url)
    assert status == 0 and "déjà" in out  # following again changes nothing
    status, _, err = await cli("follow", "--home", a.home, a.url)
    assert status == 2 and "lui-même" in err

    # One hop: B copies A. Two hops, in one round: C copies B, learns B follows A, copies A.
    # (the follow may have started a round already: it acts at once, and either round stores)
    report = await b.sync()
    assert not report.failed
    assert b.seq_of(a.did) == 3
    await c.sync()
    assert c.seq_of(b.did) == 1 and c.seq_of(a.did) == 3
    assert a.url not in peers.peers(c.store)  # A's copy came through B; C never called A
    await d.sync()
    assert d.seq_of(a.did) == 3 and d.seq_of(c.did) == 1
    await assert_serves_verified(c, a, 3)

    status, out, _ = await cli("peers", "--home", c.home)
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{b.url}  {b.did}  n° 1 ") and lines[0].endswith("  à jour")
    # A is two hops away: fetched through B, never contacted directly (C did not choose it)
    assert lines[1].startswith(f"via {b.url}  {a.did}  n° 3 ") and lines[1].endswith("  à jour")

    status, out, _ = await cli("suggest", "--home", d.home)
    assert status == 0
    assert out.splitlines() == [f"A  {a.did}  suivi par 1 de vos pairs"]
    await cli("follow", "--home", c.home, a.url)
    await d.sync()
    status, out, _ = await cli("suggest", "--home", d.home)
    assert out.splitlines() == [f"A  {a.did}  suivi par 2 de vos pairs"]

    # The author stops: its copies are still served, every line verifies.
    await a.stop()
    await c.sync()
    await assert_serves_verified(b, a, 3)
    await assert_serves_verified(c, a, 3)
    _, out, _ = await cli("peers", "--home", c.home)
    lines = out.splitlines()
    assert any(line.startswith(a.url) and line.endswith("  injoignable") for line in lines)

    # Partition and heal: B stops, A comes back and writes, B comes back: all converge.
    await a.start()
    await b.stop()
    await a.put("offre-3", {**OFFER, "title": "Offre 3 de A"})
    await c.sync()  # C follows A directly now (above): it reaches A on its own
    assert c.seq_of(a.did) == 4
    await b.start()
    await b.sync()
    await d.sync()
    for node in (b, c, d):
        assert node.seq_of(a.did) == 4
        assert node.store.feed(a.did).head == a.store.feed(a.did).head

    # A deletion reaches every copy; the earlier bodies are withheld everywhere.
    await a.put("offre-1", None)
    await a.stop()  # B copies from A; C and D copy from B (A is gone again)
    for node in (b, c, d):
        if node is b:
            await a.start()
        await node.sync()
        if node is b:
            await a.stop()
    for node in (b, c, d):
        assert node.seq_of(a.did) == 5
        assert node.store.record(a.did, "offer", "offre-1") is None
        assert node.store.record(a.did, "offer", "offre-2") is not None
        lines = await served_lines(node.url, a.did)
        second = orjson.loads(lines[1])
        assert second["header"]["rid"] == "offre-1" and second["body"] is None
        assert all(isinstance(r, Entry) for r in verify_lines(lines))

    # Unfollow: a del of the follow record.
    status, out, _ = await cli("unfollow", "--home", d.home, c.url)
    assert status == 0 and c.did in out
    assert d.store.record(d.did, "follow", c.did) is None
    status, _, err = await cli("unfollow", "--home", d.home, c.did)
    assert status == 2 and "ne suivez pas" in err


async def test_sync_command_when_the_node_does_not_serve(tmp_path: Path) -> None:
    a = await LiveNode(tmp_path, "A").start()
    b = LiveNode(tmp_path, "B")  # never served: the command writes to the store itself
    try:
        await a.put("offre", OFFER)
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        status, out, _ = await cli("sync", "--home", b.home)
        assert status == 0 and "1 entrée(s) copiée(s)" in out
        status, out, _ = await cli("peers", "--home", b.home)
        assert out.startswith(f"{a.url}  {a.did}  n° 1  dernier succès : 20")
    finally:
        await a.stop()


async def test_polling_job_replicates_on_its_own(tmp_path: Path) -> None:
    a = await LiveNode(tmp_path, "A").start()
    b = LiveNode(tmp_path, "B", poll_seconds=1)
    b.settings = b.settings.model_copy(update={"polling": True})
    await b.start()
    try:
        await a.put("offre", OFFER)
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        await until(lambda: b.seq_of(a.did) == 1, timeout=15, what="B polls A")
        # the peer's status is recorded just after the entries are stored
        await until(lambda: peers.peers(b.store)[a.url].status == "ok", timeout=15, what="ok")
    finally:
        await b.stop()
        await a.stop()


async def test_usage_errors_are_french(tmp_path: Path) -> None:
    b = LiveNode(tmp_path, "B")
    status, _, err = await cli("follow", "--home", b.home, "ftp://nulle-part")
    assert status == 2 and "n'est pas une adresse de nœud" in err
    status, _, err = await cli("follow", "--home", b.home, "http://127.0.0.1:9")
    assert status == 2 and "impossible de joindre" in err
    status, out, _ = await cli("peers", "--home", b.home)
    assert status == 0 and "aucun lieu suivi" in out
    status, out, _ = await cli("suggest", "--home", b.home)
    assert status == 0 and "aucune suggestion" in out


def test_states_read_in_french_codes_stay_english() -> None:
    """``maillage peers`` and the admin page show one French label per stored code."""
    assert peers.status_label(peers.OK) == "à jour"
    assert peers.status_label(peers.UNREACHABLE) == "injoignable"
    assert peers.status_label(peers.FORK).startswith("fourche")
    assert peers.status_label("error: réponse HTTP 500") == "erreur : réponse HTTP 500"
    codes = {
        peers.OK,
        peers.UNREACHABLE,
        peers.NEW,
        peers.FORK,
        peers.GONE,
        peers.QUOTA,
        peers.MUTED,
    }
    assert set(peers.STATUS_LABELS) == codes
