"""Push propagation along a chain of nodes, with polling off.

Five real nodes (``create_app``, each on its own loopback port) run in one process; node i
follows node i-1 and holds the feeds before it (as replication would have left it), so each
subscribes to the previous one by the real handshake. Then the first node appends 20 offers,
one at a time, and the benchmark notes when each entry is stored on every other node (a
writer listener on each: the moment the push was verified and stored). Puts are spaced by
1.1 s, so each one measures propagation, not the one-push-a-second coalescing window.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.corpus import offer_body
from node.appkeys import KEY, WRITER
from node.federation.push_hub import PUSHER
from tests.support.push import Peer, until

NODES = 5
PUTS = 20
GAP_SECONDS = 1.1


def run() -> dict:
    logging.getLogger("maillage").setLevel(logging.WARNING)
    return asyncio.run(_run())


async def _run() -> dict:
    rng = random.Random(4)
    with tempfile.TemporaryDirectory() as tmp:
        peers = [Peer(Path(tmp), f"noeud-{i}") for i in range(NODES)]
        try:
            first = peers[0]
            first.put(col="offer", rid="offre-0", body=offer_body(rng, 0))
            for i, peer in enumerate(peers[1:], 1):
                peer.follow(peers[i - 1])
                for earlier in peers[:i]:
                    peer.copy_feed_of(earlier)
            apps = [await peer.start() for peer in peers]
            await until(lambda: all(app[PUSHER].callbacks(first.did) for app in apps[:-1]), 30)
            arrivals: list[dict[str, float]] = [{} for _ in peers]
            for app, seen in zip(apps, arrivals, strict=True):
                app[WRITER].add_listener(
                    lambda entries, seen=seen: seen.update(
                        (e.id, time.perf_counter()) for e in entries
                    )
                )
            latencies: list[list[float]] = [[] for _ in peers]
            for n in range(1, PUTS + 1):
                started = time.perf_counter()
                entry = await apps[0][WRITER].append_own(
                    apps[0][KEY], col="offer", rid=f"offre-{n}", body=offer_body(rng, n)
                )
                await until(lambda entry=entry: entry.id in arrivals[-1], 30, 0.001)
                for hop in range(1, NODES):
                    latencies[hop].append(arrivals[hop][entry.id] - started)
                await asyncio.sleep(max(0.0, started + GAP_SECONDS - time.perf_counter()))
            posts = sum(app[PUSHER].posts for app in apps)
        finally:
            for peer in reversed(peers):
                await peer.close()
    return {
        "nodes": NODES,
        "puts": PUTS,
        "posts": posts,
        "median_ms_by_hops": {
            str(hop): round(statistics.median(latencies[hop]) * 1000, 2) for hop in range(1, NODES)
        },
        "p90_ms_last": round(statistics.quantiles(latencies[-1], n=10)[-1] * 1000, 2),
        "max_ms_last": round(max(latencies[-1]) * 1000, 2),
    }


def report(result: dict) -> str:
    hops = result["median_ms_by_hops"]
    last = hops[str(result["nodes"] - 1)]
    lines = [
        f"push along a chain of {result['nodes']} nodes, {result['puts']} puts, polling off "
        f"({result['posts']} POSTs in all):",
        *(f"  {hop} hop(s): median {ms} ms" for hop, ms in hops.items()),
        f"  first → last: median {last} ms, p90 {result['p90_ms_last']} ms, "
        f"max {result['max_ms_last']} ms (goal: median < 500 ms)",
    ]
    return "\n".join(lines)
