"""``python -m bench network``: 100 real nodes on loopback (issue 16, item 3).

Each node is a ``maillage serve`` process of its own, placed at a real place of the 2019
census (``../shared/data``), with that place's profile, and following its 5–10 nearest
neighbours among the 100 (``bench.sim_network``'s neighbour search). Polling runs at its
shipped interval, push as shipped. The benchmark measures:

- **bootstrap**: from the start of the processes until every node holds every feed it wants
  (``wanted_feeds`` of the follow graph, two hops);
- **reach**: for updates published one after another at random places (``maillage offer
  put`` while the place's node serves, as an operator does), the time from the command's
  return until each node within two hops holds the entry (read in its store, no request to
  the nodes), p50 and p95;
- **bytes per node per day** at one update per place per day, from the nodes' access logs:
  a window at rest (polls answered 304) scaled to a day, plus what the updates moved beyond
  that rate (their pushes, and the polls they made answer 200, over the updates and one poll
  interval after), per update, times the number of places (each request counted with an
  estimated head of :data:`REQUEST_HEAD_BYTES`, each push with its entry line);
- **churn**: 10 % of the nodes stopped at once; every other node must still answer its search
  page and API, and the copies of the stopped nodes' feeds at their followers must read back
  whole and verify; then one more update must reach the running nodes within two hops.
"""

from __future__ import annotations

import asyncio
import calendar
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from bench import sections
from bench.network_nodes import Fleet, make_homes
from bench.sim_network import CENSUS
from node.federation.sync import round_seconds
from node.settings import Settings
from protocol.entries import Entry
from protocol.verification import verify_lines

ROOT = Path(__file__).resolve().parents[1]
NODES = 100
UPDATES = 30
#: Seconds between two updates: more than the push hub's coalescing window (1 s).
GAP_SECONDS = 2.0
STOP_SHARE = 0.1
#: Status line and headers of a request, estimated (the access log counts answer bodies).
REQUEST_HEAD_BYTES = 200
_ACCESS = re.compile(r"^(\S+) INFO maillage\.access : \S+ (\w+) (\S+) (\d{3}) (\d+)B ")


def run(
    quick: bool = False,
    nodes: int = NODES,
    updates: int = UPDATES,
    idle_seconds: float | None = None,
) -> dict[str, Any]:
    """``idle_seconds``: the window at rest measuring the polls (default: one
    ``poll_seconds``, as shipped, so that every follow is polled about once). The nodes poll
    at the shipped interval unless ``MAILLAGE_POLL_SECONDS`` is set (a quick trial)."""
    if not CENSUS.exists():
        return {"skipped": "census file absent (../shared/data)"}
    if quick:
        nodes, updates, idle_seconds = 6, 5, 10.0
    if idle_seconds is None:
        idle_seconds = float(Settings.model_fields["poll_seconds"].default)
        idle_seconds = float(os.environ.get("MAILLAGE_POLL_SECONDS", idle_seconds))
    return asyncio.run(_run(nodes, updates, idle_seconds))


async def _run(nodes: int, updates: int, idle_seconds: float) -> dict[str, Any]:
    rng = random.Random(16)
    with tempfile.TemporaryDirectory() as tmp:
        homes = make_homes(Path(tmp), nodes, rng)
        fleet = Fleet(homes)
        try:
            began = time.monotonic()
            await fleet.start()
            started = time.monotonic() - began
            await fleet.until_converged(timeout=600)
            bootstrap = time.monotonic() - began
            rss_mb = fleet.rss_mb()
            warm = await _warm_push(fleet, rng)
            phase = time.time()
            delays, worst = await _updates(fleet, rng, updates)
            # the polls the updates caused come within one poll interval (and a round)
            settle = fleet.poll_seconds + round_seconds(fleet.poll_seconds) + 2
            await asyncio.sleep(settle)
            quiet = time.time()
            await asyncio.sleep(idle_seconds)  # at rest: polls answered 304, renewals
            done = time.time()
            busy = _window_bytes(fleet, phase, quiet)
            traffic = _traffic(
                _window_bytes(fleet, quiet, done), done - quiet, busy, quiet - phase, updates + warm
            )
            churn = await _churn(fleet, rng)
        finally:
            fleet.stop()
    return {
        "nodes": nodes,
        "processes": nodes,
        "poll_seconds": fleet.poll_seconds,
        "follows_per_node": round(statistics.mean(len(h.follows) for h in homes), 1),
        "copiers_per_feed": round(statistics.mean(len(fleet.copiers(h)) for h in homes), 1),
        "start_s": round(started, 1),
        "bootstrap_s": round(bootstrap, 1),
        "rss_mb_per_node": round(rss_mb / nodes, 1),
        "updates": updates,
        "reach_p50_s": _q(delays, 0.5),
        "reach_p95_s": _q(delays, 0.95),
        "reach_max_s": round(max(delays), 3) if delays else None,
        "all_reached_p95_s": _q(worst, 0.95),
        "bytes_per_node_day": traffic,
        "churn": churn,
    }


def _q(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else None


async def _warm_push(fleet: Fleet, rng: random.Random) -> int:
    """Wait until an update reaches its two-hop copiers within 5 s: the push subscriptions
    (asked at start, renewed when new feeds are copied) are then in place. How many updates
    that took."""
    deadline = time.monotonic() + 180
    n = 0
    while time.monotonic() < deadline:
        n += 1
        home = rng.choice(fleet.homes)
        seq = fleet.publish(home, f"rodage-{n}", rng)
        late = await fleet.until_held(home, seq, fleet.copiers(home), timeout=5)
        if not late[1]:
            return n
    raise RuntimeError("push subscriptions not in place after 180 s")


async def _updates(
    fleet: Fleet, rng: random.Random, updates: int
) -> tuple[list[float], list[float]]:
    delays: list[float] = []
    worst: list[float] = []
    for n in range(updates):
        home = rng.choice(fleet.homes)
        began = time.monotonic()
        seq = fleet.publish(home, f"offre-{n}", rng)
        published = time.monotonic()
        arrivals, missing = await fleet.until_held(home, seq, fleet.copiers(home), timeout=60)
        if missing:
            raise RuntimeError(f"update {n} of {home.name} never reached {len(missing)} nodes")
        got = [t - published for t in arrivals.values()]
        delays.extend(got)
        worst.append(max(got) if got else 0.0)
        await asyncio.sleep(max(0.0, began + GAP_SECONDS - time.monotonic()))
    return delays, worst


def _window_bytes(fleet: Fleet, start: float, end: float) -> list[float]:
    """Bytes each node sent and received between ``start`` and ``end`` (epoch seconds), from
    the access logs: a request counts at the node that answered it and, shared equally, at
    those that may have asked (its followers; for a push, the nodes it follows)."""
    per_node = [0.0] * len(fleet.homes)
    line_bytes = fleet.line_bytes()
    followers = fleet.followers()
    for i, home in enumerate(fleet.homes):
        for method, path, size in _access_lines(home.log, start, end):
            pushed = method == "POST" and path.startswith("/inbox/callback/")
            moved = REQUEST_HEAD_BYTES + size + (line_bytes if pushed else 0)
            per_node[i] += moved
            askers = home.follows if pushed else followers[i]
            for j in askers:
                per_node[j] += moved / len(askers)
    return per_node


def _traffic(
    idle: list[float], idle_s: float, busy: list[float], busy_s: float, updates: int
) -> dict[str, float]:
    """A day at one update per place: the idle rate over a day, plus what the updates moved
    beyond that rate, per update, times the number of places."""
    places = len(idle)
    per_day = sorted(
        i * 86400 / idle_s + max(0.0, b - i * busy_s / idle_s) * places / updates
        for i, b in zip(idle, busy, strict=True)
    )
    return {
        "median_kb": round(statistics.median(per_day) / 1000, 1),
        "p95_kb": round(per_day[min(places - 1, int(0.95 * places))] / 1000, 1),
        "idle_window_s": round(idle_s, 1),
    }


def _access_lines(log: Path, start: float, end: float) -> Iterator[tuple[str, str, int]]:
    for line in log.read_text("utf-8", errors="replace").splitlines():
        match = _ACCESS.match(line)
        if not match:
            continue
        stamp = calendar.timegm(time.strptime(match[1], "%Y-%m-%dT%H:%M:%S"))
        if start <= stamp < end:
            yield match[2], match[3], int(match[5])


async def _churn(fleet: Fleet, rng: random.Random) -> dict[str, Any]:
    stopped = rng.sample(fleet.homes, round(STOP_SHARE * len(fleet.homes)))
    fleet.stop(stopped)
    running = [h for h in fleet.homes if h not in stopped]
    serving = 0
    verified = copies = 0
    async with ClientSession(timeout=ClientTimeout(total=20)) as session:
        for home in running:
            ok = True
            for path in ("/", "/api/search?q=atelier", "/.well-known/maillage"):
                async with session.get(home.url + path) as response:
                    await response.read()
                    ok = ok and response.status == 200
            serving += ok
        for gone in stopped:
            head = fleet.head(gone)
            for home in fleet.holders(gone, running):
                copies += 1
                url = f"{home.url}/feeds/{gone.did}/entries?after=0&limit=1000"
                async with session.get(url) as response:
                    lines = (await response.read()).splitlines()
                entries = verify_lines(lines)
                whole = all(isinstance(e, Entry) for e in entries) and len(entries) == head
                verified += whole
    home = rng.choice(running)
    seq = fleet.publish(home, "apres-arret", rng)
    published = time.monotonic()
    reachable = [h for h in fleet.copiers(home) if h in running]
    arrivals, missing = await fleet.until_held(home, seq, reachable, timeout=60)
    return {
        "stopped": len(stopped),
        "running_serving": f"{serving}/{len(running)}",
        "copies_of_stopped_verified": f"{verified}/{copies}",
        "reach_after_stop_max_s": round(
            max((t - published for t in arrivals.values()), default=0.0), 3
        ),
        "not_reached_after_stop": len(missing),
    }


def _share(text: str) -> float:
    """« 90/90 » as a percentage."""
    done, total = (int(x) for x in text.split("/"))
    return round(100 * done / total, 1) if total else 100.0


def _figures(result: dict[str, Any]) -> dict[str, Any]:
    churn = result["churn"]
    return {
        "start_s": result["start_s"],
        "bootstrap_s": result["bootstrap_s"],
        "reach_p50_s": result["reach_p50_s"],
        "reach_p95_s": result["reach_p95_s"],
        "reach_max_s": result["reach_max_s"],
        "all_reached_p95_s": result["all_reached_p95_s"],
        "mb_per_node_day": round(result["bytes_per_node_day"]["median_kb"] / 1000, 2),
        "mb_per_node_day_p95": round(result["bytes_per_node_day"]["p95_kb"] / 1000, 2),
        "serving_after_stop": _share(churn["running_serving"]),
        "copies_verified": _share(churn["copies_of_stopped_verified"]),
        "reach_after_stop_max_s": churn["reach_after_stop_max_s"],
        "rss_mb_per_node": result["rss_mb_per_node"],
    }


FIGURES = (
    sections.Figure("start_s", "start of every process", "s", 1),
    sections.Figure("bootstrap_s", "bootstrap: every node holds every feed it wants", "s", 1),
    sections.Figure("reach_p50_s", "reach within two hops by push, p50", "s", 2),
    sections.Figure("reach_p95_s", "reach within two hops by push, p95", "s", 2, "≤ 2"),
    sections.Figure("reach_max_s", "reach within two hops, max", "s", 2),
    sections.Figure("all_reached_p95_s", "every copier reached, per update, p95", "s", 2),
    sections.Figure(
        "mb_per_node_day", "bytes per node per day (one update a place), median", "MB", 2
    ),
    sections.Figure("mb_per_node_day_p95", "bytes per node per day, p95", "MB", 2),
    sections.Figure(
        "serving_after_stop", "10 % stopped: other nodes still serving", "%", 1, "≥ 100"
    ),
    sections.Figure(
        "copies_verified", "copies of the stopped feeds read whole and verified", "%", 1, "≥ 100"
    ),
    sections.Figure(
        "reach_after_stop_max_s", "an update after the stop, to its running copiers, max", "s", 2
    ),
    sections.Figure("rss_mb_per_node", "RSS per node process", "MB", 1),
)


def report(result: dict[str, Any]) -> str:
    what = "Real `maillage serve` processes on 127.0.0.1."
    if "skipped" not in result:
        what = (
            f"{result['nodes']} real `maillage serve` processes on 127.0.0.1 (one process a node), "
            "each at a place drawn from the 2019 census with its profile, following its 5–10 "
            f"nearest neighbours among them ({result['follows_per_node']} on average; "
            f"{result['copiers_per_feed']} nodes copy each feed within two hops), polling at "
            f"{result['poll_seconds']} s, push as shipped. Then {result['updates']} updates "
            "(`maillage offer put` on a random node's home, 2 s apart), timed from the command's "
            "return to each copier holding the entry (`/feeds/{did}/head`); bytes from the "
            "access logs over one poll interval at rest plus what the updates moved, scaled to "
            f"one update per place per day; then {result['churn']['stopped']} nodes stopped at "
            "once: every other node asked `/`, `/api/search` and `/.well-known/maillage`, every "
            "copy of a stopped feed read back whole and verified, and one more update sent."
        )
    data = result if "skipped" in result else {"runs": [_figures(result)]}
    return sections.section("network", "A 100-node network on one machine", what, data, FIGURES)


def goals(result: dict[str, Any]) -> list[tuple]:
    return sections.simple_goals(
        result if "skipped" in result else {"runs": [_figures(result)]}, FIGURES
    )


if __name__ == "__main__":
    print(json.dumps(run(False, *(int(a) for a in sys.argv[1:3])), indent=2))
