"""The real ``maillage serve`` and its search index: kill -9 during a big sync, SIGTERM at
any moment, two processes on one home.

A peer serves a feed of 1,200 offers; the follower catches up with it in batches
of 10 (``MAILLAGE_INDEX_BATCH``), long enough to be caught in the middle. After kill -9 the
follower searches within 10 s of its restart with what was committed; SIGTERM stops it
within 5 s with status 0 and a French log line, during a catch-up, during a sync and idle;
a second process started before the first has exited searches at once and takes the index
over when the first is gone, with no restart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson

from node.home import create_home
from tests.e2e.test_smoke import ROOT, environment, first_line, maillage
from tests.support.polling import until
from tests.support.samples import OFFER

FEED = 1200
WORDS = ("Couture", "Réemploi")  # half the offers each
CATEGORY = OFFER["category"]
BATCH = "10"
STOP_SECONDS = 5.0


class Served:
    """One ``maillage serve`` process on 127.0.0.1, its log in a file."""

    def __init__(self, home: Path, tag: str) -> None:
        self.log = home.parent / f"{home.name}-{tag}.log"
        env = environment()
        env.update(MAILLAGE_INDEX_BATCH=BATCH, MAILLAGE_POLL_SECONDS="1")
        self.started = time.monotonic()
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "node", "serve", "--home", str(home), "--port", "0"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        line = first_line(self.proc, time.monotonic() + 30)
        self.url = line.rsplit(" ", 1)[1].rstrip("/")

    def search(self, q: str = "") -> tuple[int, dict]:
        url = f"{self.url}/api/search?per_page=1&q={urllib.request.quote(q)}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {}

    def total(self, q: str = "") -> int:
        status, data = self.search(q)
        return data["total"] if status == 200 else -1

    def terminate(self) -> tuple[int, float, str]:
        """SIGTERM; the exit status, the seconds it took, the log."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout=30)
        took = time.monotonic() - start
        self.proc.stdout.close()
        return status, took, self.log.read_text("utf-8")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


def stopped_cleanly(served: Served) -> None:
    status, took, log = served.terminate()
    assert status == 0, log
    assert took < STOP_SECONDS, f"{took:.1f} s to stop"
    assert "arrêt demandé" in log and "nœud arrêté" in log, log
    assert "Traceback" not in log, log


def marks(home: Path, did: str) -> dict | None:
    try:
        data = orjson.loads((home / "index" / "heads.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data.get("feeds", {}).get(did)


def caught_up(home: Path, did: str) -> bool:
    mark = marks(home, did)
    return mark is not None and mark["scan"] is None and mark["seq"] == FEED + 1


def peer(tmp_path: Path) -> tuple[Path, str]:
    home = tmp_path / "pair"
    with create_home(home, "Le Pair") as node:
        node.store.append_own(
            node.key,
            col="profile",
            rid="profile",
            body={
                "name": "Le Pair",
                "address": {"city": "Périgueux"},
                "department": "24",
            },
        )
        offers = [
            ("offer", f"o{i}", "put", {"title": f"{WORDS[i % 2]} {i}", "category": CATEGORY})
            for i in range(FEED)
        ]
        node.store.append_own_many(node.key, offers)
        return home, node.key.did


def follower(tmp_path: Path, name: str, url: str) -> Path:
    home = tmp_path / name
    create_home(home, name.capitalize()).close()
    done = maillage("follow", url, "--home", str(home))
    assert done.returncode == 0, done.stderr
    return home


async def test_kill_9_during_a_big_sync_then_sigterm_during_the_catch_up(tmp_path: Path):
    home, did = peer(tmp_path)
    source = Served(home, "pair")
    try:
        mine = follower(tmp_path, "suiveur", source.url)
        node = Served(mine, "1")
        await until(lambda: marks(mine, did) is not None, timeout=60)  # the sync has begun
        node.kill()
        assert not caught_up(mine, did)

        again = Served(mine, "2")  # search answers within 10 s of the restart
        await until(
            lambda: again.search()[0] == 200, timeout=10 - (time.monotonic() - again.started)
        )
        indexed = again.total("couture")
        assert indexed >= 0
        await until(lambda: (mark := marks(mine, did)) is not None and mark["scan"], timeout=30)
        stopped_cleanly(again)  # during the catch-up
        assert not caught_up(mine, did)

        third = Served(mine, "3")  # goes on from the watermark, to the end
        await until(lambda: third.total("réemploi") == FEED // 2, timeout=120)
        assert third.total("couture") == FEED // 2
        stopped_cleanly(third)  # idle
    finally:
        stopped_cleanly(source)


async def test_sigterm_during_a_sync_and_two_processes_on_one_home(tmp_path: Path):
    home, did = peer(tmp_path)
    source = Served(home, "pair")
    try:
        mine = follower(tmp_path, "suiveur", source.url)
        first = Served(mine, "1")
        await until(lambda: marks(mine, did) is not None, timeout=60)
        stopped_cleanly(first)  # during the sync (and its catch-up)

        first = Served(mine, "1b")
        await until(lambda: caught_up(mine, did), timeout=120)
        second = Served(mine, "2")  # while the first still holds the index
        assert second.search("couture")[0] == 200 and second.total("couture") == FEED // 2
        stopped_cleanly(first)
        offer = tmp_path / "offre.json"
        offer.write_text(json.dumps({**OFFER, "title": "Tricotage solidaire"}), "utf-8")
        done = maillage("offer", "put", str(offer), "--home", str(mine))
        assert done.returncode == 0, done.stderr
        await until(lambda: second.total("tricotage") == 1, timeout=20)  # written by the second
        stopped_cleanly(second)
    finally:
        stopped_cleanly(source)


async def test_reindex_while_the_node_serves_says_so(tmp_path: Path):
    home, _ = peer(tmp_path)
    served = Served(home, "1")
    try:
        await until(lambda: served.search()[0] == 200, timeout=30)
        done = maillage("reindex", "--home", str(home))
        assert done.returncode == 2
        err = done.stderr
        assert "tenu par un autre processus" in err and "arrêtez d'abord le nœud" in err
        assert served.total("couture") == FEED // 2
    finally:
        stopped_cleanly(served)
    assert os.path.isdir(home / "index")
