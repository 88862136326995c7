"""A whole node holding 350,000 offers (France: 3,500 places × 100): its first start (index
rebuilt from the store), its memory while it serves search, and searches through HTTP.

The offers of ``bench.search``'s corpus are published by 3,500 places (one signed feed
each: a profile, then that place's offers), appended to a node's store with full
verification, then the node is served by the real application in a child process
(``bench.server``): ``create_app`` opens the store and, finding no index, rebuilds it.
Reported: the time until it serves its feeds, the time until its search answers (the index
rebuilt), then :data:`RUNS` runs of the queries through ``/api/search``, each with its
p50/p95 and the serving process's resident memory after it (VmRSS), and the peak (VmHWM,
reached while the index was being built). The store is filled once; the node is started
once (a rebuild of 350,000 records takes minutes).
"""

from __future__ import annotations

import hashlib
import http.client
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.search import SIZES, loadavg, make_corpus, pct
from bench.search_http import time_http
from bench.server import serving_process
from node.home import create_home
from protocol.keys import SigningKey
from protocol.signing import sign_log


def _profile(place) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": place.name,
        "address": {"city": place.city},
        "department": place.department,
        "region": place.region,
        "geo": {"lat": f"{place.lat:.5f}", "lon": f"{place.lon:.5f}"},
    }


#: Offers of a full run, and of a quick one; measurement runs of the queries.
OFFERS, QUICK_OFFERS, RUNS = 350_000, 10_000, 5
RSS_GOAL_MB = 300.0


def fill(home: Path, n: int, queries: int = 200) -> tuple[int, list[dict]]:
    """A node at ``home`` holding the corpus's ``n`` offers; (entries, queries)."""
    places_count = SIZES.get(n, max(10, n // 100))
    _words, places, docs, queries_asked = make_corpus(n, places_count, queries=queries)
    per_place: dict[int, list] = {}
    for record, _ts, place in docs:
        per_place.setdefault(place, []).append(("offer", record.rid, record.body))
    count = 0
    with create_home(home, name="Nœud de mesure") as node:
        batch = []
        for p, info in enumerate(places):
            key = SigningKey.from_seed(hashlib.sha256(f"bench-node-{p}".encode()).digest())
            records = [("profile", "profile", _profile(info)), *per_place.get(p, [])]
            batch += sign_log(key, records, ts="2026-11-27T08:00:00Z")
            if len(batch) >= 2_000:
                count += len(node.store.append(batch).stored)
                batch = []
        count += len(node.store.append(batch).stored)
    return count, queries_asked


def _memory(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {name: round(int(fields[name].split()[0]) / 1024, 1) for name in ("VmRSS", "VmHWM")}


def run(quick: bool = False, n: int | None = None, runs: int | None = None) -> dict:
    """A node of ``n`` offers (quick: 10,000, 60 queries, 2 runs) started once, then
    ``runs`` runs of the queries × 1 round through HTTP, its memory after each."""
    n = n or (QUICK_OFFERS if quick else OFFERS)
    runs = runs or (2 if quick else RUNS)
    work = Path(tempfile.mkdtemp(prefix="maillage-bench-node-"))
    try:
        home = work / "node"
        start = time.perf_counter()
        entries, queries = fill(home, n, 60 if quick else 200)
        fill_s = time.perf_counter() - start
        start = time.perf_counter()
        with serving_process(home, start_timeout=3_600) as (port, pid):
            serving_s = time.perf_counter() - start
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            deadline = time.monotonic() + 3_600
            while time.monotonic() < deadline:  # the search answers 503 until it is built
                conn.request("GET", "/api/search?q=atelier")
                answer = conn.getresponse()
                answer.read()
                if answer.status == 200:
                    break
                time.sleep(0.5)
            started_s = time.perf_counter() - start
            time_http(conn, queries, 1)  # warm-up
            measured = []
            for _ in range(runs):
                load = loadavg()
                times = time_http(conn, queries, 1)
                memory = _memory(pid)
                measured.append(
                    {
                        "searches": len(times),
                        "http_p50_ms": round(pct(times, 0.5), 2),
                        "http_p95_ms": round(pct(times, 0.95), 2),
                        "rss_serving_mb": memory["VmRSS"],
                        "rss_peak_mb": memory["VmHWM"],
                        "loadavg": load,
                    }
                )
            conn.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "quick": quick,
        "offers": n,
        "entries": entries,
        "store_fill_s": round(fill_s, 1),
        "serving_feeds_s": round(serving_s, 1),
        "first_start_s": round(started_s, 1),
        "runs": measured,
    }


_FIGURES = ("http_p50_ms", "http_p95_ms", "rss_serving_mb", "rss_peak_mb")


def _median(result: dict, figure: str) -> float:
    return round(statistics.median(r[figure] for r in result["runs"]), 2)


def _spread(result: dict, figure: str) -> str:
    values = [r[figure] for r in result["runs"]]
    return f"{min(values):g}–{max(values):g}"


def goals(result: dict) -> list[tuple[str, str, str, bool]]:
    serving = [r["rss_serving_mb"] for r in result["runs"]]
    return [
        (
            f"RSS of a node serving search over {result['offers']:,} offers",
            f"{_median(result, 'rss_serving_mb')} MB (runs {_spread(result, 'rss_serving_mb')})",
            f"≤ {RSS_GOAL_MB:g} MB" + ("" if result["offers"] == OFFERS else " (at 350,000)"),
            all(v <= RSS_GOAL_MB for v in serving),
        )
    ]


def report(result: dict) -> str:
    lines = [
        "## A whole node at 350,000 offers (`python -m bench node`)",
        "",
        f"What is measured: {result['entries']:,} signed entries ({result['offers']:,} offers "
        "and a profile per place, one feed per place) appended to a node's store with full "
        f"verification ({result['store_fill_s']:g} s), then the real application started "
        "in a child process: it serves its feeds after "
        f"{result['serving_feeds_s']:g} s and its search (index rebuilt from the store) after "
        f"{result['first_start_s']:g} s. Then, after a warm-up pass, {len(result['runs'])} "
        f"runs of {result['runs'][0]['searches']} searches through `/api/search` (one "
        "at a time), each followed by the serving process's VmRSS and VmHWM (the peak, "
        "reached while the index was built). Load average at the start of each run.",
        "",
        "| run | HTTP p50 (ms) | HTTP p95 (ms) | VmRSS serving (MB) | VmHWM (MB) | load |",
        "|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(result["runs"], 1):
        cells = " | ".join(f"{r[f]:g}" for f in _FIGURES)
        lines.append(f"| {i} | {cells} | {r['loadavg']} |")
    lines.append("| **median** | " + " | ".join(f"**{_median(result, f):g}**" for f in _FIGURES))
    lines[-1] += " | |"
    lines.append("| min–max | " + " | ".join(_spread(result, f) for f in _FIGURES) + " | |")
    lines += ["", "| goal | measured | target | met on every run |", "|---|---|---|---|"]
    for figure, value, target, met in goals(result):
        lines.append(f"| {figure} | {value} | {target} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"
