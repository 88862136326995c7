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

from bench import sections
from bench.corpus import offer_body
from node.appkeys import KEY, WRITER
from node.federation.push_hub import PUSHER
from tests.support.push import Peer, until

NODES = 5
PUTS = 20
GAP_SECONDS = 1.1


FIGURES = (
    *(
        sections.Figure(
            f"hop_{hop}_ms", f"{hop} hop{'s' if hop > 1 else ''}, median of the puts", "ms", 2
        )
        for hop in range(1, NODES - 1)
    ),
    sections.Figure(f"hop_{NODES - 1}_ms", f"first → last ({NODES - 1} hops), median", "ms", 2),
    sections.Figure("hop_2_p95_ms", "2 hops (A → C), p95 of the puts", "ms", 2, "≤ 500"),
    sections.Figure("p90_ms_last", "first → last, p90", "ms", 2),
    sections.Figure("max_ms_last", "first → last, max", "ms", 2),
    sections.Figure("posts", "POSTs (one per hop per put: no retry)", "", 0),
)


def run(quick: bool = False, runs: int = 3) -> dict:
    logging.getLogger("maillage").setLevel(logging.WARNING)
    puts = 5 if quick else PUTS
    measured = [asyncio.run(_run(puts)) for _ in range(1 if quick else runs)]
    return {"params": {"nodes": NODES, "puts": puts, "gap_s": GAP_SECONDS}, "runs": measured}


async def _run(puts: int) -> dict:
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
            for n in range(1, puts + 1):
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
    last = latencies[-1]
    return {
        **{
            f"hop_{hop}_ms": round(statistics.median(latencies[hop]) * 1000, 2)
            for hop in range(1, NODES)
        },
        "hop_2_p95_ms": round(sections.quantile(latencies[2], 0.95) * 1000, 2),
        "p90_ms_last": round(sections.quantile(last, 0.9) * 1000, 2),
        "max_ms_last": round(max(last) * 1000, 2),
        "posts": posts,
    }


def report(result: dict) -> str:
    p = result["params"]
    what = (
        f"{p['nodes']} real nodes (`create_app`, each on its own loopback port, one process and "
        "one event loop), polling off: node *i* follows node *i−1* and already holds the feeds "
        "before it, so at start-up each subscribes at the previous node's `/inbox` through the "
        f"real handshake. The first node then appends {p['puts']} offers one at a time through "
        "its `Writer`; a writer listener on every node notes when the entry is stored there "
        "(the push received, every line verified and stored, then relayed). Puts are "
        f"{p['gap_s']} s apart, so that each measures propagation, not the one-push-a-second "
        "coalescing window."
    )
    return sections.section("push", "Push propagation along a chain", what, result, FIGURES)


def goals(result: dict) -> list[tuple]:
    return sections.simple_goals(result, FIGURES)
