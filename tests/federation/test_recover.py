"""``maillage recover``: after an old backup is restored, take back the place's own entries
from the peers that follow it, verified, without ever forking the feed. Real nodes on
loopback; the backup is a real copy of the SQLite base (its WAL included)."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from aiohttp import web

from node.federation import recover
from node.home import open_home
from node.store.database import Store
from protocol.signing import sign_entry
from tests.support.http_servers import serve_on_loopback
from tests.support.live_nodes import LiveNode, cli
from tests.support.samples import OFFER

ROOT = Path(__file__).resolve().parents[2]


def backup(node: LiveNode, destination: Path) -> None:
    """What a volunteer's backup does: SQLite's online backup, WAL content included."""
    source = sqlite3.connect(node.settings.store_path)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def restore(node: LiveNode, copy: Path | None) -> None:
    """Put the backup back in place of the (stopped) node's base; None: the key alone."""
    path = node.settings.store_path
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    if copy is not None:
        shutil.copyfile(copy, path)


def own_lines(node: LiveNode) -> list[bytes]:
    store = Store(node.settings.store_path)
    try:
        return store.lines(node.did, 0, 10_000)
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def publish(node: LiveNode, first: int, last: int) -> None:
    for i in range(first, last + 1):
        await node.put(f"offre-{i}", {**OFFER, "title": f"Offre {i} de {node.name}"})


@pytest.fixture
async def net(tmp_path: Path) -> AsyncIterator[dict[str, object]]:
    """A (with a backup taken after its entry 2) has published 5 entries; B follows A and
    holds all 5; then A's base is replaced by the backup. A is stopped, B serves."""
    a, b = LiveNode(tmp_path, "A"), LiveNode(tmp_path, "B")
    await a.start()
    await b.start()
    assert (await cli("follow", "--home", a.home, b.url))[0] == 0  # A's entry 1
    await publish(a, 2, 2)
    copy = tmp_path / "sauvegarde.sqlite3"
    backup(a, copy)
    await publish(a, 3, 5)
    assert (await cli("follow", "--home", b.home, a.url))[0] == 0
    await b.sync()
    assert b.seq_of(a.did) == 5
    await a.stop()
    restore(a, copy)
    assert len(own_lines(a)) == 2
    yield {"a": a, "b": b, "copy": copy}
    await a.stop()
    await b.stop()


class FakePeer:
    """A peer answering ``/feeds`` and the entries of one feed with whatever it is given."""

    def __init__(
        self, did: str, held: int, lines: list[bytes] | bytes, listing: bytes = b""
    ) -> None:
        self.did, self.held = did, held
        self.body = lines if isinstance(lines, bytes) else b"".join(x + b"\n" for x in lines)
        self.listing = listing or orjson.dumps([{"did": did, "seq": held, "head": "x"}])
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakePeer:
        app = web.Application()
        app.router.add_get("/feeds", self._feeds)
        app.router.add_get("/feeds/{did}/entries", self._entries)
        self.runner, self.url = await serve_on_loopback(app)
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _feeds(self, request: web.Request) -> web.Response:
        return web.Response(body=self.listing, content_type="application/json")

    async def _entries(self, request: web.Request) -> web.Response:
        return web.Response(body=self.body, content_type="application/x-ndjson")


# -- the restore scenario ------------------------------------------------------------------


async def test_recover_takes_back_the_missing_entries_then_publishing_is_safe(net) -> None:
    a, b = net["a"], net["b"]
    before = own_lines(a)

    # --check only tells: the peers hold 3 entries the base lacks (status 3, nothing written)
    status, out, _ = await cli("recover", "--home", a.home, "--check")
    assert status == 3, out
    assert f"{b.url} : flux au n° 5, soit 3 entrée(s) de plus que la base" in out
    assert "maillage recover --home" in out
    assert own_lines(a) == before

    # Without --from, the peers are the nodes A follows (B).
    status, out, err = await cli("recover", "--home", a.home)
    assert status == 0, out + err
    assert "Votre base : flux du lieu au n° 2" in out
    assert "3 entrée(s) récupérée(s) et vérifiée(s)" in out and "au n° 5" in out
    assert own_lines(a) == b.store.lines(a.did, 0, 100)  # byte for byte B's copy
    assert own_lines(a)[:2] == before

    # Up to date now: said, status 0; --check agrees.
    status, out, _ = await cli("recover", "--home", a.home, "--from", b.url)
    assert status == 0 and "Votre base est à jour" in out and "n° 5" in out
    assert (await cli("recover", "--home", a.home, "--check"))[0] == 0

    # A publishes entry 6: it continues the feed B holds, no fork.
    await a.start()
    assert a.seq_of(a.did) == 5
    await a.put("offre-6", {**OFFER, "title": "Offre 6 de A"})
    report = await b.sync()
    assert not report.forks and not report.failed
    assert b.seq_of(a.did) == 6 and b.store.fork(a.did) is None
    assert b.store.feed(a.did).head == a.store.feed(a.did).head


async def test_without_recover_the_next_entry_would_fork(net) -> None:
    """The danger recover averts: publishing on the old base signs another entry n° 3."""
    a, b = net["a"], net["b"]
    await a.start()
    for i in range(4):  # n° 3 to 6: once A's head passes B's, B sees the other n° 5
        await a.put(f"trop-tot-{i}", {**OFFER, "title": f"Publiée trop tôt {i}"})
    report = await b.sync()
    assert report.forks == [a.did]
    assert b.store.fork(a.did) is not None


async def test_a_base_missing_entirely_is_rebuilt_from_the_peers(net, tmp_path: Path) -> None:
    a, b = net["a"], net["b"]
    restore(a, None)  # only the key and the settings were saved
    store_path = a.settings.store_path

    status, _, err = await cli("recover", "--home", a.home)
    assert status == 2 and "--from" in err and not store_path.exists()
    status, out, err = await cli(
        "recover", "--home", a.home, "--from", f"http://127.0.0.1:{free_port()}"
    )
    assert status == 1 and "injoignable" in out and not store_path.exists()

    status, out, err = await cli("recover", "--home", a.home, "--from", b.url)
    assert status == 0, out + err
    assert "Base absente" in out and "Base recréée : 5 entrée(s)" in out
    assert own_lines(a) == b.store.lines(a.did, 0, 100)
    with open_home(a.home) as node:  # the node opens (and would serve) again
        assert node.store.feed(a.did).seq == 5


# -- peers that cannot be used --------------------------------------------------------------


async def test_an_unreachable_peer_or_a_bad_address_changes_nothing(net) -> None:
    a, b = net["a"], net["b"]
    before = own_lines(a)
    dead = f"http://127.0.0.1:{free_port()}"
    status, out, err = await cli("recover", "--home", a.home, "--from", dead, "--from", "ftp://x")
    assert status == 1
    assert f"{dead} : injoignable" in out and "adresse invalide" in out
    assert "2 pair(s) n'ont pas pu être consultés" in err
    assert own_lines(a) == before

    # One peer down, another up: what the good one gives is taken, the status says incomplete.
    status, out, err = await cli("recover", "--home", a.home, "--from", dead, "--from", b.url)
    assert status == 1 and "3 entrée(s) récupérée(s)" in out and "1 pair(s)" in err
    assert len(own_lines(a)) == 5


def forged(line: bytes) -> bytes:
    """The same entry with another title: the body no longer matches the signed hash."""
    return line.replace(b"Offre 4 de A", b"Offre 4 de Z")


@pytest.mark.parametrize(
    "answer, reason",
    [
        (
            lambda lines: [*lines[1:3], forged(lines[3]), lines[4]],
            "entrée invalide (body-hash-mismatch)",
        ),
        (lambda lines: [*lines[1:3], b"bonjour"], "entrée invalide"),
        (lambda lines: [lines[1], lines[3], lines[4]], "hors de la page"),
        (lambda lines: b"\x00" * 200_000, "ligne trop longue"),
        (lambda lines: [], "n'envoie rien"),
    ],
    ids=["forged", "garbage", "gap", "endless-line", "empty"],
)
async def test_a_peer_answering_badly_gives_nothing(net, answer, reason: str) -> None:
    a, b = net["a"], net["b"]
    before = own_lines(a)
    peer = await FakePeer(a.did, 5, answer(b.store.lines(a.did, 0, 100))).start()
    try:
        status, out, err = await cli("recover", "--home", a.home, "--from", peer.url)
    finally:
        await peer.stop()
    assert status == 1, out + err
    assert reason in out and "ce pair est ignoré" in out
    assert own_lines(a) == before


async def test_an_unreadable_listing_is_reported(net) -> None:
    a = net["a"]
    peer = await FakePeer(a.did, 5, [], listing=b"<html>pas du JSON</html>").start()
    try:
        status, out, _ = await cli("recover", "--home", a.home, "--from", peer.url)
    finally:
        await peer.stop()
    assert status == 1 and "liste des flux illisible" in out


async def test_a_peer_without_a_copy_or_behind(net) -> None:
    a, b = net["a"], net["b"]
    empty = await FakePeer(a.did, 0, [], listing=b"[]").start()
    behind = await FakePeer(a.did, 1, b.store.lines(a.did, 0, 1)).start()
    try:
        status, out, _ = await cli(
            "recover", "--home", a.home, "--from", empty.url, "--from", behind.url
        )
    finally:
        await empty.stop()
        await behind.stop()
    assert status == 0
    assert f"{empty.url} : aucune copie du flux du lieu" in out
    assert f"{behind.url} : rien de plus récent (flux au n° 1)" in out
    assert "Votre base est à jour" in out


# -- forks -----------------------------------------------------------------------------------


async def test_two_peers_holding_different_entries_at_one_seq_is_a_fork(net) -> None:
    a, b = net["a"], net["b"]
    before = own_lines(a)
    held = b.store.lines(a.did, 0, 100)
    store = Store(a.settings.store_path)
    try:
        head = store.feed(a.did)
    finally:
        store.close()
    other = sign_entry(
        a.key, seq=3, prev=head.head, col="offer", rid="autre", body={**OFFER, "title": "Autre"}
    )
    peer = await FakePeer(a.did, 3, [held[1], other.line]).start()
    try:
        status, out, err = await cli(
            "recover", "--home", a.home, "--from", b.url, "--from", peer.url
        )
        assert status == 4, out + err
        assert "FOURCHE" in err and "n° 3" in err and other.id in err
        assert f"({b.url})" in err and f"({peer.url})" in err
        assert own_lines(a) == before  # nothing taken, not even B's good entries
        status, _, err = await cli(
            "recover", "--home", a.home, "--check", "--from", peer.url, "--from", b.url
        )
        assert status == 4 and "FOURCHE" in err
    finally:
        await peer.stop()


async def test_an_entry_published_before_recover_is_reported_as_a_fork(net) -> None:
    """The volunteer published on the old base: its entry n° 3 differs from B's."""
    a, b = net["a"], net["b"]
    store = Store(a.settings.store_path)
    try:
        mine = store.append_own(a.key, col="offer", rid="trop-tot", body={**OFFER, "title": "Tôt"})
    finally:
        store.close()
    before = own_lines(a)
    status, _, err = await cli("recover", "--home", a.home, "--from", b.url)
    assert status == 4
    assert "FOURCHE" in err and mine.id in err and "(votre base)" in err
    assert own_lines(a) == before
    store = Store(a.settings.store_path)
    try:
        assert store.fork(a.did) is None  # reported, not recorded: the base is unchanged
    finally:
        store.close()


# -- the start-up check of ``maillage serve`` ------------------------------------------------


async def test_serve_start_up_logs_when_the_peers_hold_more(net, caplog) -> None:
    a = net["a"]
    await a.start()
    with caplog.at_level(logging.ERROR, logger="maillage.recover"):
        await recover.warn_if_behind(a.app)
    assert "3 entrée(s) de votre propre flux" in caplog.text
    assert "maillage recover --home" in caplog.text
    await a.stop()

    assert (await cli("recover", "--home", a.home))[0] == 0
    await a.start()
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="maillage.recover"):
        await recover.warn_if_behind(a.app)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# -- the command itself ------------------------------------------------------------------------


async def test_cli_subprocess_smoke(net) -> None:
    a, b = net["a"], net["b"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    command = [sys.executable, "-m", "node", "recover", "--home", str(a.home), "--from", b.url]

    def call(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *extra], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
        )

    checked = await asyncio.to_thread(call, "--check")
    assert checked.returncode == 3 and "Traceback" not in checked.stderr
    done = await asyncio.to_thread(call)
    assert done.returncode == 0, done.stderr
    assert "3 entrée(s) récupérée(s)" in done.stdout
    helped = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "node", "recover", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert helped.returncode == 0 and "--from" in helped.stdout and "--check" in helped.stdout
