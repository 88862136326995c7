"""A fork at the head: the key of place A signed two entries at one seq, on two machines.

Node C holds one version; a source holding the other at the same seq proves the fork at
C's next poll (``/feeds`` lists the same seq with another head), or at once when that
source pushes an entry built on its version. Real nodes on loopback; rounds run directly.
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import orjson
import pytest

from node.appkeys import WRITER
from node.federation import fetch, peers
from node.federation.subscriptions import SUBSCRIBER
from protocol.entries import Entry
from tests.support.live_nodes import LiveNode, cli, twin
from tests.support.push import Peer, until
from tests.support.samples import OFFER, chain, key

FORK_LABEL = "  fourche : deux versions du journal, copie gelée"
#: A key used on two machines, for the tests that build both versions of its log by hand.
K = key("une clé copiée sur deux machines")


@pytest.fixture
async def net(tmp_path: Path):
    """A and its twin A' (same key) both at seq 2, each with its own entry n° 2; B, C."""
    a = await LiveNode(tmp_path, "A").start()
    await a.put("commune", OFFER)
    a2 = await twin(tmp_path, a, "A bis").start()
    await a.put("laser", {**OFFER, "title": "Découpe laser (version de A)"})
    await a2.put("couture", {**OFFER, "title": "Couture (version de A bis)"})
    b, c = await LiveNode(tmp_path, "B").start(), await LiveNode(tmp_path, "C").start()
    nodes = {"A": a, "A2": a2, "B": b, "C": c}
    yield nodes
    for node in nodes.values():
        await node.stop()


async def test_a_source_at_the_same_seq_with_another_head_is_a_fork_at_the_next_poll(
    net: dict[str, LiveNode], caplog: pytest.LogCaptureFixture
) -> None:
    a, a2, b, c = net["A"], net["A2"], net["B"], net["C"]
    mine, other = a.store.feed(a.did), a2.store.feed(a.did)
    assert mine.seq == other.seq == 2 and mine.head != other.head

    # C follows A and B; B follows no one yet: C copies A's version, no fork is known.
    for url in (a.url, b.url):
        assert (await cli("follow", "--home", c.home, url))[0] == 0
    await c.sync()
    assert c.store.feed(a.did).head == mine.head and c.store.fork(a.did) is None

    # B follows the twin: it holds the other version of A's log, at the same seq.
    assert (await cli("follow", "--home", b.home, a2.url))[0] == 0
    await b.sync()
    assert b.store.feed(a.did).head == other.head

    # C's next poll: B lists A's feed at seq 2 with another head; the entry is fetched.
    with caplog.at_level(logging.ERROR, logger="maillage.sync"):
        report = await c.sync()
    assert report.forks == [a.did] and not report.failed
    assert any(r.message.startswith("FOURCHE") and b.url in r.message for r in caplog.records)
    proof = c.store.fork(a.did)
    assert proof is not None and proof.seq == 2
    assert {proof.first.id, proof.second.id} == {mine.head, other.head}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{c.url}/feeds/{a.did}/fork") as response,
    ):
        assert response.status == 200
        served = await response.json()
    assert served["seq"] == 2 and len(served["entries"]) == 2
    _, out, _ = await cli("peers", "--home", c.home)
    assert next(line for line in out.splitlines() if a.did in line).endswith(FORK_LABEL)

    # Frozen: A's next entry is not taken.
    await a.put("encore", OFFER)
    await c.sync()
    assert c.seq_of(a.did) == 2


async def test_a_source_at_the_same_seq_and_head_is_no_fork(net: dict[str, LiveNode]) -> None:
    """Two sources holding the same version: nothing new, nothing forks, nothing fails."""
    a, b, c = net["A"], net["B"], net["C"]
    assert (await cli("follow", "--home", b.home, a.url))[0] == 0
    await b.sync()
    for url in (a.url, b.url):
        assert (await cli("follow", "--home", c.home, url))[0] == 0
    await c.sync()
    report = await c.sync()
    assert report.stored == 0 and not report.forks and not report.failed
    assert c.store.fork(a.did) is None


def test_a_listing_gives_each_feed_its_seq_and_head_if_any() -> None:
    """The head is optional (a peer may list seqs only): then no fork is looked for."""
    did = K.did
    body = orjson.dumps(
        [
            {"did": did, "seq": 2, "head": "sha256-abc"},
            {"did": "did:key:z6Mkautre", "seq": 1},
            {"did": "did:key:z6Mktroisieme", "seq": 3, "head": 42},
        ]
    )
    assert fetch.parse_feeds(body) == {
        did: fetch.Listed(2, "sha256-abc"),
        "did:key:z6Mkautre": fetch.Listed(1, None),
        "did:key:z6Mktroisieme": fetch.Listed(3, None),
    }
    assert fetch.parse_listing(body) == {did: 2, "did:key:z6Mkautre": 1, "did:key:z6Mktroisieme": 3}


# -- by push -----------------------------------------------------------------------------


THEIRS = [
    ("offer", "commune", OFFER),
    ("offer", "couture", {**OFFER, "title": "Couture"}),
    ("offer", "broderie", {**OFFER, "title": "Broderie"}),
    ("offer", "tricot", {**OFFER, "title": "Tricot"}),
]


async def pushing(tmp_path: Path, b_holds: list[Entry], c_holds: list[Entry]):
    """B and C serving, C following B and confirmed as a subscriber of B's pushes (for B's
    feed and K's, which C holds)."""
    b, c = Peer(tmp_path, "b"), Peer(tmp_path, "c")
    assert len(b.store.append(b_holds).stored) == len(b_holds)
    assert len(c.store.append(c_holds).stored) == len(c_holds)
    c.follow(b)
    apps = [await b.start(), await c.start()]
    await until(lambda: b.url in apps[1][SUBSCRIBER].rows, what="C subscribes at B")
    await until(lambda: apps[1][SUBSCRIBER].rows[b.url].expires_at, what="B confirmed C")
    return b, c, apps[0]


async def test_a_push_built_on_the_other_version_proves_the_fork_at_once(tmp_path: Path) -> None:
    """C holds K's log in one version, B the other, both up to n° 2. B gets its n° 3 and
    pushes it: it does not extend C's head, so C asks B from n° 1 and finds B's n° 2,
    another entry than its own: the fork is proven without waiting for a poll."""
    mine = chain(K, [("offer", "commune", OFFER), ("offer", "laser", OFFER)])
    theirs = chain(K, THEIRS[:3])
    assert mine[0].id == theirs[0].id and mine[1].id != theirs[1].id
    b, c, b_app = await pushing(tmp_path, theirs[:2], mine)
    try:
        result = await b_app[WRITER].append([theirs[2]])  # pushed to C
        assert result.stored == [theirs[2]]
        await until(lambda: c.store.fork(K.did) is not None, what="C proves the fork")
        proof = c.store.fork(K.did)
        assert proof.seq == 2 and {proof.first.id, proof.second.id} == {mine[1].id, theirs[1].id}
        assert c.store.feed(K.did).seq == 2  # frozen: B's n° 3 was not taken
        assert peers.feed_status(c.store, K.did, None, None) == peers.FORK
    finally:
        await c.close()
        await b.close()


async def test_a_push_after_missed_ones_fills_the_gap_from_its_sender(tmp_path: Path) -> None:
    """The same version, C behind (it missed pushes): the next push does not extend C's
    head either, C asks B from its head and takes what it missed; no fork."""
    entries = chain(K, THEIRS)
    b, c, b_app = await pushing(tmp_path, entries[:3], entries[:1])
    try:
        await b_app[WRITER].append([entries[3]])  # n° 4, pushed; C holds only n° 1
        await until(lambda: c.store.feed(K.did).seq == 4, what="C fills the gap from B")
        assert c.store.fork(K.did) is None
        assert c.store.line(K.did, 4) == entries[3].line
    finally:
        await c.close()
        await b.close()


async def test_a_pushed_entry_at_a_seq_held_is_logged_as_a_fork(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mine = chain(K, [("offer", "commune", OFFER), ("offer", "laser", OFFER)])
    other = chain(K, [("offer", "commune", OFFER), ("offer", "couture", OFFER)])[1]
    node = Peer(tmp_path, "c")
    try:
        assert len(node.store.append(mine).stored) == 2
        await node.start()
        with caplog.at_level(logging.ERROR, logger="maillage.sync"):
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"{node.url}/inbox",
                    data=other.line + b"\n",
                    headers={"Content-Type": "application/x-ndjson"},
                ) as response,
            ):
                assert response.status == 202
                assert (await response.json())["forks"] == 1
        assert node.store.fork(K.did) is not None
        logged = [r.message for r in caplog.records if r.message.startswith("FOURCHE")]
        assert len(logged) == 1 and other.id in logged[0] and "un envoi de 127.0.0.1" in logged[0]
    finally:
        await node.close()
