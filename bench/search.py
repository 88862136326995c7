"""Search at 10,000, 100,000 and 350,000 records against SQLite FTS5, side by side.

Each size's corpus (``bench.search_corpus``) is generated and indexed once, by whoosh (the
project's bulk build) and by FTS5; then :data:`RUNS` measurement runs, each every query ×
``rounds``, our ``SearchIndex.search`` (facets, totals, the page's hits with snippets) and
the FTS5 query interleaved query by query, the order of the two alternating, so that the
noise of a shared machine falls on both sides of each ratio. Every run gives p50/p95 of
both and their ratios; the report gives each run, the median and the spread. One warm-up
pass over the queries precedes the runs (a serving node is warm). Then the same queries
through HTTP (``bench.search_http``: a real aiohttp app on loopback in a subprocess
holding the index, after a warm-up pass of its own), with that process's resident memory.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.search_corpus import build_fts, build_whoosh, fts_search, make_corpus
from bench.search_http import serve_and_time
from search.index import SearchIndex
from search.model import SearchParams

__all__ = ["build_whoosh", "goals", "make_corpus", "pct", "report", "run"]

#: Records of each size and the places publishing them (France: 3,500 places × 100).
SIZES = {10_000: 350, 100_000: 2_000, 350_000: 3_500}
RUNS = 5
P95_GOAL_MS, P95_GOAL_SIZE = 20.0, 350_000
RATIO_GOAL, RATIO_GOAL_SIZE = 2.0, 100_000


def pct(times: list[float], p: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, as ``/proc/loadavg`` says them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _timed(function, query, cpu: list[float] | None = None) -> float:  # type: ignore[no-untyped-def]
    """Wall milliseconds of ``function(query)`` (and its thread CPU time added to ``cpu``)."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    function(query)
    if cpu is not None:
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return (time.perf_counter() - start) * 1000


def measure_run(ours, fts, queries: list[dict], rounds: int) -> dict:  # type: ignore[no-untyped-def]
    """One run: every query × ``rounds``, ours and FTS5 back to back, alternating order."""
    load = loadavg()
    mine: list[float] = []
    theirs: list[float] = []
    cpu: list[float] = []  # our thread CPU time: what a loaded machine's wall time hides
    for round_ in range(rounds):
        for i, query in enumerate(queries):
            if (i + round_) % 2:
                theirs.append(_timed(fts, query))
                mine.append(_timed(ours, query, cpu))
            else:
                mine.append(_timed(ours, query, cpu))
                theirs.append(_timed(fts, query))
    p50, p95 = pct(mine, 0.5), pct(mine, 0.95)
    fts50, fts95 = pct(theirs, 0.5), pct(theirs, 0.95)
    return {
        "searches": len(mine),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "fts5_p50_ms": round(fts50, 2),
        "fts5_p95_ms": round(fts95, 2),
        "cpu_p50_ms": round(pct(cpu, 0.5), 2),
        "cpu_p95_ms": round(pct(cpu, 0.95), 2),
        "p50_ratio": round(p50 / max(fts50, 1e-6), 2),
        "p95_ratio": round(p95 / max(fts95, 1e-6), 2),
        "loadavg": load,
    }


def _built(n: int, places: int, queries: int, work: Path) -> tuple[list[dict], float | None]:
    """The queries of ``n`` records and the build's seconds, building both indexes in
    ``work`` unless a previous run left them there (then None: not built now)."""
    done = work / "built.json"
    if done.exists():
        kept = json.loads(done.read_text())
        if kept["places"] == places and len(kept["queries"]) == queries:
            asked = kept["queries"]
            for query in asked:
                if "near" in query:
                    query["near"] = tuple(query["near"])
            return asked, None
    _words, place_infos, docs, asked = make_corpus(n, places, queries=queries)
    build_s = build_whoosh(work / "index", place_infos, docs)
    (work / "fts.sqlite3").unlink(missing_ok=True)
    build_fts(work / "fts.sqlite3", place_infos, docs).close()
    done.write_text(json.dumps({"places": places, "queries": asked}))
    return asked, build_s


def measure_size(
    n: int, places: int, queries: int, runs: int, rounds: int, http: bool, cache: Path | None
) -> dict:
    """Build ``n`` records once (or reuse them from ``cache``), then ``runs`` measurement
    runs (and one through HTTP)."""
    work = cache / str(n) if cache else Path(tempfile.mkdtemp(prefix="maillage-bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        asked, build_s = _built(n, places, queries, work)
        db = sqlite3.connect(work / "fts.sqlite3")
        index = SearchIndex(work / "index")
        try:
            ours = lambda q: index.search(SearchParams(**q))  # noqa: E731
            fts = fts_search(db)
            for query in asked:  # warm-up: the rare terms' postings, the page cache
                ours(query)
                fts(query)
            measured = [measure_run(ours, fts, asked, rounds) for _ in range(runs)]
            totals = [index.search(SearchParams(**q)).total for q in asked]
        finally:
            index.close()
            db.close()
        result = {
            "records": n,
            "places": places,
            "queries": len(asked),
            "build_records_per_s": round(n / build_s) if build_s else None,
            "median_total_hits": statistics.median(totals),
            "runs": measured,
        }
        if http:
            times, rss = serve_and_time(work / "index", asked, 1)
            result["http"] = {
                "p50_ms": round(pct(times, 0.5), 2),
                "p95_ms": round(pct(times, 0.95), 2),
                "peak_rss_mb": rss,
                "loadavg": loadavg(),
            }
        return result
    finally:
        if not cache:
            shutil.rmtree(work, ignore_errors=True)


def run(
    quick: bool = False,
    sizes: tuple[int, ...] | None = None,
    runs: int | None = None,
    rounds: int | None = None,
    queries: int | None = None,
    http: bool | None = None,
    cache: str | None = None,
) -> dict:
    """Every size of :data:`SIZES` (quick: 10,000 records, 60 queries, 3 runs × 2 rounds,
    no HTTP), each built once and measured ``runs`` times; ``cache``: a folder where each
    size's indexes are built once and kept for the next measurements (outside the
    repository)."""
    sizes = sizes or ((10_000,) if quick else tuple(SIZES))
    runs = runs or (3 if quick else RUNS)
    rounds = rounds or (2 if quick else 3)
    queries = queries or (60 if quick else 200)
    http = (not quick) if http is None else http
    measured = [
        measure_size(
            n, SIZES.get(n, max(10, n // 100)), queries, runs, rounds, http, cache and Path(cache)
        )
        for n in sizes
    ]
    return {"quick": quick, "rounds": rounds, "sizes": measured}


# -- the report ----------------------------------------------------------------------

_FIGURES = (
    "p50_ms",
    "p95_ms",
    "cpu_p50_ms",
    "cpu_p95_ms",
    "fts5_p50_ms",
    "fts5_p95_ms",
    "p50_ratio",
    "p95_ratio",
)


def _median(size: dict, figure: str) -> float:
    return round(statistics.median(r[figure] for r in size["runs"]), 2)


def _spread(size: dict, figure: str) -> str:
    values = [r[figure] for r in size["runs"]]
    return f"{min(values):g}–{max(values):g}"


def _size(result: dict, n: int) -> dict | None:
    return next((s for s in result["sizes"] if s["records"] == n), None)


def goals(result: dict) -> list[tuple[str, str, str, bool]]:
    out = []
    big = _size(result, P95_GOAL_SIZE) or max(result["sizes"], key=lambda s: s["records"])
    p95s = [r["p95_ms"] for r in big["runs"]]
    out.append(
        (
            f"search p95 in-process at {big['records']:,} records",
            f"{_median(big, 'p95_ms')} ms (runs {_spread(big, 'p95_ms')})",
            f"≤ {P95_GOAL_MS:g} ms" + ("" if big["records"] == P95_GOAL_SIZE else " (at 350,000)"),
            all(p <= P95_GOAL_MS for p in p95s),
        )
    )
    middle = _size(result, RATIO_GOAL_SIZE) or big
    for figure, name in (("p50_ratio", "p50"), ("p95_ratio", "p95")):
        values = [r[figure] for r in middle["runs"]]
        out.append(
            (
                f"search {name} ÷ FTS5 {name} at {middle['records']:,} records",
                f"{_median(middle, figure)} (runs {_spread(middle, figure)})",
                f"≤ {RATIO_GOAL:g} on every run",
                all(v <= RATIO_GOAL for v in values),
            )
        )
    return out


def _rate(size: dict) -> str:
    rate = size.get("build_records_per_s")
    return f"{rate:,}" if rate else "— (reused)"


def report(result: dict) -> str:
    sizes = result["sizes"]
    lines = [
        "## Search against SQLite FTS5 at 10k, 100k and 350k records (`python -m bench search`)",
        "",
        "What is measured: for each size, a generated corpus (offers of "
        + ", ".join(f"{s['places']:,} places for {s['records']:,}" for s in sizes)
        + "; words on a Zipf law over ~3,100 French forms) is indexed once by whoosh (the "
        "bulk build a node rebuilds with) and by SQLite FTS5 (`unicode61 remove_diacritics "
        f"2`, top 20 by `rank` plus a count); then {len(sizes[0]['runs'])} runs, each "
        f"{sizes[0]['queries']} queries × {result['rounds']} rounds (1–3 words, 20 % with a "
        "department, 15 % with a 50 km radius), `SearchIndex.search` (facets, total, the "
        "page's 20 hits with snippets) and FTS5 back to back per query, in alternating "
        "order, after one warm-up pass. p50/p95 are wall times; CPU: the thread CPU time of "
        "the same searches (what the load of a shared machine adds to wall times, it does "
        "not). Load average (1, 5, 15 min) at the start of each run.",
        "",
        "| records | run | p50 (ms) | p95 (ms) | CPU p50 | CPU p95 | FTS5 p50 | FTS5 p95 "
        "| p50 ÷ FTS5 | p95 ÷ FTS5 | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        for i, r in enumerate(size["runs"], 1):
            cells = " | ".join(f"{r[f]:g}" for f in _FIGURES)
            lines.append(f"| {size['records']:,} | {i} | {cells} | {r['loadavg']} |")
        cells = " | ".join(f"**{_median(size, f):g}**" for f in _FIGURES)
        lines.append(f"| {size['records']:,} | **median** | {cells} | |")
        cells = " | ".join(_spread(size, f) for f in _FIGURES)
        lines.append(f"| {size['records']:,} | min–max | {cells} | |")
    lines += [
        "",
        "| records | index build (records/s) | median hits | HTTP p50 / p95 (ms) "
        "| peak RSS serving (MB) | load |",
        "|---|---|---|---|---|---|",
    ]
    for size in sizes:
        web = size.get("http")
        served = f"{web['p50_ms']:g} / {web['p95_ms']:g}" if web else "—"
        rss = f"{web['peak_rss_mb']:g}" if web else "—"
        lines.append(
            f"| {size['records']:,} | {_rate(size)} | "
            f"{size['median_total_hits']:g} | {served} | {rss} | "
            f"{web['loadavg'] if web else ''} |"
        )
    lines += ["", "| goal | measured | target | met on every run |", "|---|---|---|---|"]
    for figure, value, target, met in goals(result):
        lines.append(f"| {figure} | {value} | {target} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"
