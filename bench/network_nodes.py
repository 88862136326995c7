"""The nodes of ``bench/network.py``: their homes, their processes, what their stores hold.

Homes are made in-process before anything serves (key, settings, the place's profile from the
census, follow records naming the neighbours' loopback URLs); each then runs as its own
``python -m node serve`` process. The benchmark reads the stores directly (a reader beside
the serving process, as SQLite's WAL allows) to know when an entry arrived, so that watching
costs the nodes nothing.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.sim_network import CENSUS, FollowRecord, FollowRecords, _nearest
from node.federation.peers import wanted_feeds
from node.home import create_home
from node.settings import Settings
from node.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
DEGREE = (5, 10)


@dataclass
class NodeHome:
    index: int
    name: str
    home: Path
    port: int
    did: str
    follows: list[int] = field(default_factory=list)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.home.parent / f"{self.home.name}.log"


def census_sample(count: int, rng: random.Random) -> list[dict[str, str]]:
    with CENSUS.open(encoding="utf-8") as file:
        rows = [r for r in csv.DictReader(file) if r["LAT"] and r["LONG"]]
    return rng.sample(rows, count)


def make_homes(root: Path, count: int, rng: random.Random) -> list[NodeHome]:
    rows = census_sample(count, rng)
    places = [(float(r["LAT"]), float(r["LONG"])) for r in rows]
    follows = _nearest(places, DEGREE, rng)
    ports = _free_ports(count)
    homes = []
    for i, row in enumerate(rows):
        node = create_home(
            root / f"n{i:03d}",
            name=row["NOM_TL"].strip()[:200],
            public_url=f"http://127.0.0.1:{ports[i]}",
        )
        homes.append(
            NodeHome(
                i, row["NOM_TL"].strip(), node.settings.home, ports[i], node.key.did, follows[i]
            )
        )
        node.store.append_own(node.key, col="profile", rid="profile", body=_profile(row))
        node.close()
    for home in homes:
        node = _open(home)
        for j in home.follows:
            other = homes[j]
            node.store.append_own(node.key, col="follow", rid=other.did, body={"url": other.url})
        node.close()
    return homes


def _open(home: NodeHome):
    from node.home import open_home

    return open_home(home.home)


def _profile(row: dict[str, str]) -> dict:
    return {
        "name": row["NOM_TL"].strip()[:200],
        "summary": f"{row['TYPO']} à {row['NOMCOM']}"[:280],
        "address": {"city": row["NOMCOM"], "postcode": row["CP"]},
        "department": row["INSEEDEP"],
        "region": row["INSEEREG"],
        "geo": {"lat": row["LAT"], "lon": row["LONG"]},
        "families": ["tiers-lieu-rural"],
    }


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Fleet:
    """The running nodes, and what the benchmark reads of them."""

    def __init__(self, homes: list[NodeHome], env: dict[str, str] | None = None) -> None:
        self.homes = homes
        self._env = env or {}
        #: the interval the nodes poll at (their settings, the environment included)
        self.poll_seconds = float(Settings.load(homes[0].home).poll_seconds)
        self._stores: dict[int, Store] = {}
        self._wants = _wants(homes)

    async def start(self) -> None:
        env = {**os.environ, "MAILLAGE_LOG_LEVEL": "info", **self._env}
        for home in self.homes:
            with home.log.open("wb") as log:
                home.proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "node",
                        "serve",
                        "--home",
                        str(home.home),
                        "--port",
                        str(home.port),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=log,
                )
        for home in self.homes:
            assert home.proc is not None and home.proc.stdout is not None
            line = home.proc.stdout.readline().decode()
            if "en service" not in line:
                raise RuntimeError(f"{home.name}: {line!r} {home.log.read_text()[-2000:]}")
        for home in self.homes:
            self._stores[home.index] = Store(Settings.load(home.home).store_path)

    def stop(self, homes: list[NodeHome] | None = None) -> None:
        chosen = self.homes if homes is None else homes
        for home in chosen:
            if home.proc is not None and home.proc.poll() is None:
                home.proc.send_signal(signal.SIGTERM)
        for home in chosen:
            if home.proc is not None:
                try:
                    home.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    home.proc.kill()
                    home.proc.wait()
                if home.proc.stdout is not None:
                    home.proc.stdout.close()
        if homes is None:
            for store in self._stores.values():
                store.close()

    def head(self, home: NodeHome) -> int:
        feed = self._stores[home.index].feed(home.did)
        return feed.seq if feed else 0

    def held(self, holder: NodeHome, author: NodeHome) -> int:
        feed = self._stores[holder.index].feed(author.did)
        return feed.seq if feed else 0

    def copiers(self, author: NodeHome) -> list[NodeHome]:
        """The nodes that copy ``author``'s feed (two hops at most, as shipped)."""
        return [h for h in self.homes if author.index in self._wants[h.index]]

    def holders(self, author: NodeHome, among: list[NodeHome]) -> list[NodeHome]:
        return [h for h in among if author.index in self._wants[h.index]]

    async def until_converged(self, timeout: float) -> None:
        import asyncio

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            heads = {h.index: self.head(h) for h in self.homes}
            if all(
                self.held(h, self.homes[a]) >= heads[a]
                for h in self.homes
                for a in self._wants[h.index]
            ):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError(f"not converged after {timeout} s")

    def publish(self, home: NodeHome, rid: str, rng: random.Random) -> int:
        """``maillage offer put`` at ``home`` while its node serves; the new head's seq."""
        from bench.corpus import offer_body

        path = home.home.parent / f"{home.home.name}-{rid}.json"
        path.write_text(json.dumps(offer_body(rng, rng.randrange(10**6))))
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "node",
                "offer",
                "put",
                str(path),
                "--rid",
                rid,
                "--home",
                str(home.home),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"offer put at {home.name}: {done.stderr}")
        return self.head(home)

    async def until_held(
        self, author: NodeHome, seq: int, copiers: list[NodeHome], timeout: float
    ) -> tuple[dict[int, float], list[NodeHome]]:
        """When each of ``copiers`` held ``author``'s entry ``seq`` (monotonic), and those
        that did not within ``timeout``."""
        import asyncio

        arrivals: dict[int, float] = {}
        deadline = time.monotonic() + timeout
        waiting = list(copiers)
        while waiting and time.monotonic() < deadline:
            now = time.monotonic()
            for home in list(waiting):
                if self.held(home, author) >= seq:
                    arrivals[home.index] = now
                    waiting.remove(home)
            await asyncio.sleep(0.01)
        return arrivals, waiting

    def rss_mb(self) -> float:
        total = 0
        for home in self.homes:
            if home.proc is None:
                continue
            status = Path(f"/proc/{home.proc.pid}/status").read_text()
            total += int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
        return total / 1024

    def followers(self) -> list[list[int]]:
        result: list[list[int]] = [[] for _ in self.homes]
        for home in self.homes:
            for j in home.follows:
                result[j].append(home.index)
        return result

    def line_bytes(self) -> int:
        lines = self._stores[0].lines(self.homes[0].did, 0, 1000)
        return int(sum(map(len, lines)) / max(1, len(lines))) + 1


def _wants(homes: list[NodeHome]) -> dict[int, dict[int, int]]:
    """What each node copies, by the node's own ``wanted_feeds`` over the follow graph."""
    by_did = {h.did: h.index for h in homes}
    records = FollowRecords(
        {
            h.did: [FollowRecord(homes[j].did, {"url": homes[j].url}) for j in h.follows]
            for h in homes
        }
    )
    max_hops = Settings.model_fields["max_hops"].default
    per_peer = Settings.model_fields["max_feeds_via_peer"].default
    wants = {}
    for h in homes:
        wanted = wanted_feeds(records, h.did, max_hops, per_peer)  # type: ignore[arg-type]
        wants[h.index] = {by_did[d]: w.hops for d, w in wanted.items()}
    return wants
