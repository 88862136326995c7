"""A whole node holding 100,000 offers: its first start (index rebuilt from the store), its
memory while it serves, and searches through HTTP.

The offers of ``bench.search``'s corpus are published by 2,000 places (one signed feed
each: a profile, then that place's offers), appended to a node's store with full
verification, then the node is served by the real application in a child process
(``bench.server``): ``create_app`` opens the store and, finding no index, rebuilds it.
Reported: the time until it serves its feeds (at most ``index_wait_seconds``), the time
until its search answers (the index rebuilt), the searches' p50/p95 through ``/api/search``, and
the serving process's resident memory after the searches (VmRSS) and at its peak (VmHWM,
reached while the index was being built).
"""

from __future__ import annotations

import hashlib
import http.client
import shutil
import tempfile
import time
from pathlib import Path

from bench.search import make_corpus, pct
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


def fill(home: Path, n: int) -> tuple[int, list[dict]]:
    """A node at ``home`` holding the corpus's ``n`` offers; (entries, queries)."""
    _words, places, docs, queries = make_corpus(n)
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
    return count, queries


def _memory(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {name: round(int(fields[name].split()[0]) / 1024, 1) for name in ("VmRSS", "VmHWM")}


def run(n: int = 100_000, rounds: int = 3) -> dict:
    work = Path(tempfile.mkdtemp(prefix="maillage-bench-node-"))
    try:
        home = work / "node"
        start = time.perf_counter()
        entries, queries = fill(home, n)
        fill_s = time.perf_counter() - start
        start = time.perf_counter()
        with serving_process(home, start_timeout=1_800) as (port, pid):
            serving_s = time.perf_counter() - start
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while True:  # the index may still be building: the search answers 503 until then
                conn.request("GET", "/api/search?q=atelier")
                answer = conn.getresponse()
                answer.read()
                if answer.status == 200:
                    break
                time.sleep(0.2)
            started_s = time.perf_counter() - start
            times = time_http(conn, queries, rounds)
            conn.close()
            memory = _memory(pid)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "offers": n,
        "entries": entries,
        "store_fill_s": round(fill_s, 1),
        "serving_feeds_s": round(serving_s, 1),
        "first_start_s": round(started_s, 1),
        "http_p50_ms": round(pct(times, 0.5), 2),
        "http_p95_ms": round(pct(times, 0.95), 2),
        "rss_serving_mb": memory["VmRSS"],
        "rss_peak_mb": memory["VmHWM"],
    }


def report(result: dict) -> str:
    return (
        f"node: {result['offers']} offres ({result['entries']} entrées signées, base remplie "
        f"en {result['store_fill_s']} s); premier démarrage : flux servis après "
        f"{result['serving_feeds_s']} s, recherche prête (index reconstruit) après "
        f"{result['first_start_s']} s; HTTP p50 {result['http_p50_ms']} ms, p95 "
        f"{result['http_p95_ms']} ms; RSS en service {result['rss_serving_mb']} Mo, pic "
        f"{result['rss_peak_mb']} Mo"
    )
