"""Key rotation and recovery between real nodes on loopback (SPEC §10.4, ``docs/cles.md``).

A → B → C: B follows A, C follows B and, through it, wants A's feed (two hops). After
``maillage key rotate`` on A, B and C take A's entries signed by the new key and refuse one
signed by the old key at the next seq, even served from A's own address or pushed. After a
theft of A's key, ``maillage key recover`` takes the feed back: B and C drop the thief's
entries (search and pages), a fork included, and follow the new key.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiohttp
import pytest

from node.appkeys import KEY
from node.federation.recover import gather
from node.home import open_home
from protocol.entries import Entry
from protocol.keys import SigningKey, load_key
from protocol.signing import sign_entry
from tests.support.live_nodes import LiveNode, cli
from tests.support.polling import until
from tests.support.samples import OFFER

PROFILE = {"name": "Fablab A", "summary": "Fablab associatif.", "address": {"city": "Nontron"}}
LASER = {**OFFER, "title": "Découpe laser"}
THEFT = {**OFFER, "title": "Arnaque aux visières", "description": "Payez d'avance."}
AFTER = {**OFFER, "title": "Brodeuse numérique", "description": "Broderie sur textile."}


@pytest.fixture
async def net(tmp_path: Path):
    a = await LiveNode(tmp_path, "A").start()
    b, c = await LiveNode(tmp_path, "B").start(), await LiveNode(tmp_path, "C").start()
    await a.put("profile", PROFILE, col="profile")
    await a.put("laser", LASER)
    assert (await cli("follow", "--home", b.home, a.url))[0] == 0
    assert (await cli("follow", "--home", c.home, b.url))[0] == 0
    await b.sync()
    await c.sync()
    assert b.seq_of(a.did) == c.seq_of(a.did) == a.seq_of(a.did)
    nodes = {"A": a, "B": b, "C": c}
    yield nodes
    for node in nodes.values():
        await node.stop()


async def restart_with(node: LiveNode, *command: str | Path) -> tuple[int, str, str]:
    """Stop ``node``, run ``maillage COMMAND --home HOME``, start it again with its key."""
    await node.stop()
    outcome = await cli(*command, "--home", node.home)
    with open_home(node.home) as opened:
        node.key = opened.key
    await node.start()
    return outcome


async def found(session: aiohttp.ClientSession, node: LiveNode, words: str) -> list[str]:
    async with session.get(node.url + "/api/search", params={"q": words}) as response:
        data = await response.json()
    return [hit["rid"] for hit in data["results"]]


async def _finds(session: aiohttp.ClientSession, node: LiveNode, words: str) -> bool:
    return await found(session, node, words) == [words]


async def status_of(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as response:
        return response.status


def serve_raw(node: LiveNode, entry: Entry) -> None:
    """Put ``entry`` at the head of ``node``'s copy of its own feed, past every check: what a
    thief holding the place's server would serve from the place's own address."""
    conn = sqlite3.connect(node.settings.store_path)
    with conn:
        conn.execute(
            "INSERT INTO entries (author, seq, id, col, rid, op, line, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00Z')",
            (entry.author, entry.seq, entry.id, entry.col, entry.rid, entry.op, entry.line),
        )
        conn.execute(
            "UPDATE feeds SET seq = ?, head = ? WHERE author = ?",
            (entry.seq, entry.id, entry.author),
        )
    conn.close()


def next_entry(node: LiveNode, signer: SigningKey, rid: str, body: dict) -> Entry:
    head = node.store.feed(node.did)
    assert head is not None
    return sign_entry(
        signer, author=node.did, seq=head.seq + 1, prev=head.head, col="offer", rid=rid, body=body
    )


async def test_followers_take_the_new_key_and_refuse_the_retired_one(net) -> None:
    a, b, c = net["A"], net["B"], net["C"]
    old = load_key(a.home / "key.pem")
    status, _, _ = await restart_with(a, "key", "rotate")
    assert status == 0 and a.key.did == old.did and a.key.key_did != old.did
    # the node serving again keeps the place's did, and signs with the new key
    assert a.app[KEY].did == old.did and a.app[KEY].key_did == a.key.key_did
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(a.url + "/.well-known/maillage") as response,
    ):
        assert (await response.json())["did"] == old.did
    await a.put("brodeuse", AFTER)  # signed by the new key
    await b.sync()
    await c.sync()
    for node in (b, c):
        assert node.store.record(a.did, "offer", "brodeuse") is not None
        assert node.store.key_state(a.did).current == a.key.key_did

    # B restarts: the key in force comes from its store, and the next entry is taken.
    await b.stop()
    await b.start()
    await a.put("tricot", {**AFTER, "title": "Tricot"})
    await b.sync()
    await c.sync()
    for node in (b, c):
        assert node.store.record(a.did, "offer", "tricot") is not None

    # The old key signs the next seq; A's own address serves it: refused, never indexed.
    stolen = next_entry(a, old, "arnaque", THEFT)
    serve_raw(a, stolen)
    before = b.seq_of(a.did)
    report = await b.sync()
    assert a.url in report.failed and b.seq_of(a.did) == before
    assert "clé que le lieu a retirée (retired-key)" in report.failed[a.url]  # the peer's state
    await c.sync()
    async with aiohttp.ClientSession() as session:
        async with session.post(
            b.url + "/inbox",
            data=stolen.line + b"\n",
            headers={"Content-Type": "application/x-ndjson"},
        ) as response:
            answer = await response.json()
        assert answer["stored"] == 0
        assert answer["refused"][0]["reason"].startswith("retired-key")
        for node in (b, c):
            assert node.store.record(a.did, "offer", "arnaque") is None
            assert await found(session, node, "arnaque") == []
            assert await found(session, node, "brodeuse") == ["brodeuse"]


async def thief_pushes(b: LiveNode, entries: list[Entry]) -> dict:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            b.url + "/inbox",
            data=b"".join(e.line + b"\n" for e in entries),
            headers={"Content-Type": "application/x-ndjson"},
        ) as response,
    ):
        assert response.status == 202
        return await response.json()


async def test_recovery_takes_a_stolen_feed_back(net, tmp_path: Path) -> None:
    a, b, c = net["A"], net["B"], net["C"]
    assert (await restart_with(a, "key", "recovery"))[0] == 0
    offline = tmp_path / "usb-recovery.pem"
    (a.home / "recovery-key.pem").rename(offline)
    await b.sync()
    await c.sync()
    kept = a.seq_of(a.did)  # profile, offer, commitment
    assert b.seq_of(a.did) == c.seq_of(a.did) == kept

    # A thief with A's key writes two entries and pushes them to B; C copies them from B.
    stolen_key = load_key(a.home / "key.pem")
    t1 = next_entry(a, stolen_key, "arnaque", THEFT)
    t2 = sign_entry(stolen_key, seq=t1.seq + 1, prev=t1.id, col="offer", rid="laser", op="del")
    assert (await thief_pushes(b, [t1, t2]))["stored"] == 2
    await c.sync()
    async with aiohttp.ClientSession() as session:
        assert await found(session, c, "arnaque") == ["arnaque"]

        # The owner takes the feed back with the recovery key kept offline.
        status, _, err = await restart_with(
            a, "key", "recover", "--recovery-key", offline, "--after", str(kept)
        )
        assert status == 0, err
        # B still serves the thief's entries: a restore from the peers takes none of them.
        outcome = await gather(a.store, a.did, [b.url], a.settings)
        assert outcome.found == [] and outcome.conflict is None
        assert "retired-key" in (outcome.peers[0].error or "")
        await a.put("brodeuse", AFTER)  # the new key
        await b.sync()
        await c.sync()
        place = f"/lieux/{a.did}/offer"
        for node in (b, c):
            assert node.store.key_state(a.did).current == a.key.key_did
            assert node.store.record(a.did, "offer", "arnaque") is None
            assert node.store.record(a.did, "offer", "laser") is not None  # its del disowned
            assert node.store.feed(a.did).head == a.store.feed(a.did).head
            assert await found(session, node, "arnaque") == []
            assert await found(session, node, "brodeuse") == ["brodeuse"]
            assert await status_of(session, f"{node.url}{place}/arnaque") == 404
            assert await status_of(session, f"{node.url}{place}/laser") == 200

        # The thief's key is retired: its next entry is refused.
        t3 = sign_entry(stolen_key, seq=t2.seq + 1, prev=t2.id, col="offer", rid="x", body=THEFT)
        refused = (await thief_pushes(b, [t3]))["refused"]
        assert refused[0]["reason"].startswith("retired-key")


async def test_recovery_thaws_a_feed_frozen_by_a_fork(net, tmp_path: Path) -> None:
    a, b, c = net["A"], net["B"], net["C"]
    assert (await restart_with(a, "key", "recovery"))[0] == 0
    offline = tmp_path / "usb-recovery.pem"
    (a.home / "recovery-key.pem").rename(offline)
    kept = a.seq_of(a.did)
    stolen_key = load_key(a.home / "key.pem")
    thief = next_entry(a, stolen_key, "arnaque", THEFT)  # the thief's version of seq kept+1
    await a.put("couture", AFTER)  # the owner's version, which B and C copy
    await b.sync()
    await c.sync()
    assert (await thief_pushes(b, [thief]))["forks"] == 1
    assert b.store.fork(a.did) is not None

    status, _, err = await restart_with(
        a, "key", "recover", "--recovery-key", offline, "--after", str(kept)
    )
    assert status == 0, err
    await a.put("brodeuse", AFTER)
    await b.sync()
    await c.sync()
    async with aiohttp.ClientSession() as session:
        for node in (b, c):
            assert node.store.fork(a.did) is None
            assert node.store.feed(a.did).head == a.store.feed(a.did).head
            assert node.store.record(a.did, "offer", "arnaque") is None
            # the recovery takes the feed's documents out and the index thread adds the
            # records held again, in the background: the new offer is found shortly after
            await until(
                lambda node=node: _finds(session, node, "brodeuse"), 10, what="brodeuse found"
            )
        assert {s for s, _ in b.store.disowned(a.did)} == {kept + 1}
