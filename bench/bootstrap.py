"""Bootstrap: a new node following one peer that holds 100 feeds × 100 entries.

The peer (the real app, in its own process, on a loopback port) holds 100 places' feeds of
100 signed offers each, and follows those 100 places (its follow records give its own URL
for them, as a local network's node that keeps its members' copies would). A new node, with
an empty store, follows the peer and runs replication rounds (``Replicator.run_once``, the
writer of a serving node) until it holds all 10,000 entries: listing, every page fetched,
every line verified, every entry stored. Setup (signing, filling the peer) is not timed.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench import sections
from bench.corpus import make_feeds
from bench.server import serving
from node.federation.sync import Replicator
from node.home import create_home
from node.settings import Settings
from node.store.database import Store
from node.writer import Writer
from protocol.keys import SigningKey


def _fill_peer(home: Path, feeds: int, per_feed: int) -> tuple[list[str], SigningKey]:
    with create_home(home, name="Réseau des fablabs") as node:
        entries = make_feeds(feeds, per_feed)
        for lo in range(0, len(entries), 1000):
            node.store.append(entries[lo : lo + 1000])
        return sorted({e.author for e in entries}), node.key


async def _bootstrap(home: Path, peer_url: str, peer_did: str, expected: int) -> tuple[float, int]:
    with create_home(home, name="Nouveau lieu") as node:
        node.store.append_own(
            node.key, col="follow", rid=peer_did, body={"url": peer_url, "name": "Réseau"}
        )
        key, store_path = node.key, node.settings.store_path
    settings = Settings.load(home, polling=False)
    store = Store(store_path)
    writer = Writer(store)
    replicator = Replicator(store, key.did, settings, writer)
    try:
        start = time.perf_counter()
        rounds = 0
        while True:
            rounds += 1
            await replicator.run_once(force=True)
            held = sum(f.seq for f in store.feeds() if f.author not in (key.did, peer_did))
            if held >= expected or rounds >= 5:
                break
        elapsed = time.perf_counter() - start
        if held != expected:
            raise RuntimeError(f"bootstrap incomplete: {held} of {expected} entries")
        return elapsed, rounds
    finally:
        writer.close()
        store.close()


FIGURES = (
    sections.Figure("seconds", "seconds to hold every entry", "s", 2, "≤ 15"),
    sections.Figure("entries_per_s", "entries fetched, verified and stored", "/s", 0),
    sections.Figure("rounds", "replication rounds", "", 0),
)


def run(quick: bool = False, feeds: int = 100, per_feed: int = 100, runs: int = 5) -> dict:
    if quick:
        feeds, per_feed, runs = 20, 50, 1
    with tempfile.TemporaryDirectory() as tmp:
        peer_home = Path(tmp) / "peer"
        authors, peer_key = _fill_peer(peer_home, feeds, per_feed)
        with serving(peer_home) as port:
            url = f"http://127.0.0.1:{port}"
            store = Store(peer_home / "store.sqlite3")  # the peer follows the places
            for did in authors:
                store.append_own(peer_key, col="follow", rid=did, body={"url": url})
            store.close()
            measured = []
            for i in range(runs):
                seconds, count = asyncio.run(
                    _bootstrap(Path(tmp) / f"new-{i}", url, peer_key.did, feeds * per_feed)
                )
                measured.append(
                    {
                        "seconds": round(seconds, 2),
                        "entries_per_s": round(feeds * per_feed / seconds),
                        "rounds": count,
                    }
                )
    return {"params": {"feeds": feeds, "entries": feeds * per_feed}, "runs": measured}


def report(result: dict) -> str:
    p = result["params"]
    what = (
        f"A peer (the real app, in its own process on a loopback port) holds {p['feeds']} "
        f"places' feeds, {p['entries']:,} signed offers in all (built during setup, not "
        "timed), and follows those places (its follow records give its own URL for them). A "
        "new node with an empty store follows the peer and runs replication rounds "
        "(`Replicator.run_once`, writing through the `Writer` as a serving node does) until it "
        "holds every entry: `GET /feeds`, the peer's feed (its follow records widen the "
        "wanted set to the feeds two hops out, in the same round), then every feed page by "
        "page, every line verified and stored. Each run starts from a fresh home; the search "
        "index is not part of it (see `ingest`)."
    )
    return sections.section("bootstrap", "Bootstrap of a new node", what, result, FIGURES)


def goals(result: dict) -> list[tuple]:
    return sections.simple_goals(result, FIGURES)
