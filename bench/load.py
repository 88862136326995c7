"""A census node under load: 200 clients for 60 s, and pushes arriving meanwhile.

Two real nodes, made and served by the ``maillage`` command line as an operator would
(subprocesses, each with its own temp home, on loopback ports): the **census node** holds the
1,512 places of the CGET 2019 census (``maillage import --format cget``) and follows the
**publisher**, so that what the publisher puts is pushed to it. Then:

- wrk (``bench.load_wrk``) with ``connections`` connections over 2 threads for ``duration``
  seconds, over 30 request shapes (search page with filters, ``/api/search``, Atom of a
  search, place and listing pages, listing pages, the home page) and a share of requests
  never asked before (random words, random pages);
- a probe, one more client asking the same mix one request at a time, that times each
  answer by status (wrk's percentiles mix the fast 503s with the answered requests);
- every ``push_every`` seconds, ``maillage offer put`` on the publisher's home with a unique
  word, then ``/api/search?q=<word>`` polled on the census node until found (a 503 is « not
  yet »): the delay from the put's end to searchable.

Reported: answered requests/s, wrk's latency percentiles, statuses (503 with Retry-After
apart), socket errors, push delays, CPU and memory of the census node's process.
Skipped, with a message, when ``../shared/data`` (the census CSV) is absent.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import load_wrk, sections
from bench.load_node import Served, cpu_seconds, memory_mb, start_node

CENSUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "cget-tiers-lieux-2019.csv"
PROBE_TIMEOUT_S = 60
SUBSCRIBE_TIMEOUT_S = 150


def maillage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "node", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"maillage {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = PROBE_TIMEOUT_S) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def _listings(port: int) -> list[str]:
    status, body = get(port, "/api/search?col=listing&per_page=100&sort=recent")
    assert status == 200, body[:200]
    return [hit["url"] for hit in json.loads(body)["results"]]


def _single_queries(port: int) -> dict[str, float]:
    """Median ms of the queries the issue names, one client, nothing else running; each
    request a new one (another ``per_page``), so that none is an answer kept."""
    out = {}
    for q in ("formation numérique", "réemploi", "couture petite série"):
        for prefix in ("/?q=", "/api/search?q="):
            path = prefix + load_wrk.quote(q, safe="")
            times = []
            for i in range(11):
                path_i = f"{path}&per_page={10 + i}"
                start = time.perf_counter()
                get(port, path_i)
                times.append((time.perf_counter() - start) * 1000)
            out[f"{prefix}{q}"] = round(sorted(times)[len(times) // 2], 1)
    return out


class Probe(threading.Thread):
    """One client asking the mix one request at a time: latency by status."""

    def __init__(self, port: int, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.port, self.paths = port, paths
        self.stop = threading.Event()
        self.times: dict[int, list[float]] = {}

    def run(self) -> None:
        rng = random.Random(3)
        while not self.stop.is_set():
            path = rng.choice(self.paths)
            start = time.perf_counter()
            try:
                status, _ = get(self.port, path)
            except OSError:
                status = 0
            self.times.setdefault(status, []).append(time.perf_counter() - start)


class Pusher(threading.Thread):
    """Every ``every`` seconds, an offer with a unique word put on the publisher, and the
    delay until the census node finds it."""

    def __init__(self, publisher: Served, home: Path, port: int, every: float, work: Path) -> None:
        super().__init__(daemon=True)
        self.publisher, self.home, self.port, self.every = publisher, home, port, every
        self.work = work
        self.stop = threading.Event()
        self.delays: list[float] = []
        self.stored: list[float] = []  # put → stored on the census node (its /feeds head)
        self.lost = 0
        self.polls: dict[int, int] = {}  # statuses of the searches for the new word
        _status, body = get(publisher.port, "/.well-known/maillage")
        self.did = json.loads(body)["did"]

    def _head(self, port: int) -> int:
        status, body = get(port, f"/feeds/{self.did}/head")
        return json.loads(body)["seq"] if status == 200 else 0

    def push_once(self, n: int, deadline_s: float = 30.0) -> float | None:
        word = "zq" + "".join(random.choices(string.ascii_lowercase, k=10))
        record = self.work / f"offre-{n}.json"
        record.write_text(
            json.dumps(
                {
                    "title": f"Découpe laser {word}",
                    "description": f"Offre de mesure {word} : découpe et gravure.",
                    "category": "production.prototypage",
                }
            )
        )
        maillage("offer", "put", "--home", str(self.home), str(record))
        put_done = time.perf_counter()
        seq = self._head(self.publisher.port)
        while time.perf_counter() - put_done < deadline_s:
            if self._head(self.port) >= seq:
                self.stored.append(time.perf_counter() - put_done)
                break
            time.sleep(0.05)
        while time.perf_counter() - put_done < deadline_s:
            try:
                status, body = get(self.port, f"/api/search?q={word}", timeout=deadline_s)
                self.polls[status] = self.polls.get(status, 0) + 1
                if status == 200 and json.loads(body)["total"]:
                    return time.perf_counter() - put_done
            except OSError:
                pass
            time.sleep(0.05)
        return None

    def run(self) -> None:
        n = 1
        while not self.stop.is_set():
            started = time.perf_counter()
            n += 1
            delay = self.push_once(n)
            if delay is None:
                self.lost += 1
            else:
                self.delays.append(delay)
            self.stop.wait(max(0.0, self.every - (time.perf_counter() - started)))


def _setup(work: Path) -> tuple[Served, Served, str, str]:
    pub_home, census_home = work / "publisher", work / "census"
    pub_port, census_port = free_port(), free_port()
    url = f"http://127.0.0.1:{pub_port}"
    maillage("init", "--home", str(pub_home), "--name", "Éditeur", "--url", url)
    publisher = start_node(pub_home, pub_port, work / "publisher.log")
    census_url = f"http://127.0.0.1:{census_port}"
    maillage("init", "--home", str(census_home), "--name", "Recensement", "--url", census_url)
    maillage("import", "--home", str(census_home), "--format", "cget", str(CENSUS))
    maillage("follow", "--home", str(census_home), url)
    census = start_node(census_home, census_port, work / "census.log", poll_seconds=3600)
    status, body = get(census_port, "/.well-known/maillage")
    census_did = json.loads(body)["did"] if status == 200 else ""
    status, body = get(pub_port, "/.well-known/maillage")
    pub_did = json.loads(body)["did"] if status == 200 else ""
    return publisher, census, census_did, pub_did


def run(
    quick: bool = False,
    duration: int = 60,
    connections: int = 200,
    threads: int = 2,
    push_every: float = 3.0,
    random_share: float = 0.2,
) -> dict[str, Any]:
    if not CENSUS.exists():
        return {"skipped": f"{CENSUS} absent: the census CSV is needed"}
    if not os.access(load_wrk.WRK, os.X_OK):
        return {"skipped": f"{load_wrk.WRK} absent: `apt-get install wrk`"}
    if quick:
        duration, connections = 5, 20
    work = Path(tempfile.mkdtemp(prefix="maillage-bench-load-"))
    publisher = census = None
    try:
        publisher, census, census_did, pub_did = _setup(work)
        pusher = Pusher(publisher, work / "publisher", census.port, push_every, work)
        listings = _listings(census.port)
        paths = load_wrk.mix(census_did, pub_did, listings)
        single = _single_queries(census.port)
        # the census node subscribes to the publisher's pushes within ~70 s of its start
        if pusher.push_once(0, deadline_s=SUBSCRIBE_TIMEOUT_S) is None:
            raise RuntimeError("the census node never received a push from the publisher")
        idle_push = pusher.push_once(1)
        pusher.stored.clear()
        pusher.polls.clear()
        script = work / "mix.lua"
        load_wrk.write_script(script, paths, listings, random_share)
        probe = Probe(census.port, paths)
        idle_memory = memory_mb(census.pid)
        cpu_before, clock = cpu_seconds(census.pid), time.perf_counter()
        wrk = load_wrk.run_wrk(census.url, script, connections, threads, duration)
        probe.start()
        pusher.start()
        output, _ = wrk.communicate()
        elapsed = time.perf_counter() - clock
        cpu = cpu_seconds(census.pid) - cpu_before
        probe.stop.set()
        pusher.stop.set()
        memory = memory_mb(census.pid)
        probe.join(PROBE_TIMEOUT_S)
        pusher.join(60)
        result = load_wrk.parse(output)
    finally:
        for node in (census, publisher):
            if node is not None:
                node.stop()
        shutil.rmtree(work, ignore_errors=True)
    summary = _summary(result, probe, pusher, idle_push, single, cpu / elapsed, memory, locals())
    summary["node_idle_memory_mb"] = idle_memory
    return summary


def _summary(
    result: dict, probe: Probe, pusher: Pusher, idle_push, single, cpu_share, memory, env
) -> dict[str, Any]:
    statuses = {int(k): v for k, v in result["statuses"].items()}
    seconds = result["duration_us"] / 1e6
    answered = sum(n for code, n in statuses.items() if code != 503)
    errors = {str(code): n for code, n in statuses.items() if code >= 400 and code != 503}
    answered_probe = [t for code, ts in probe.times.items() if code == 200 for t in ts]
    lat = result["latency_us"]
    return {
        "connections": env["connections"],
        "threads": env["threads"],
        "duration_s": round(seconds, 1),
        "random_share": env["random_share"],
        "requests": result["requests"],
        "answered_per_s": round(answered / seconds, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "busy_503_retry_after": result["busy_retry_after"],
        "busy_503_without_retry_after": result["busy_without_retry_after"],
        "errors_by_status": errors,
        "socket_errors": result["errors"],
        "wrk_latency_ms": {k: round(v / 1000, 1) for k, v in lat.items()},
        "probe_answered": len(answered_probe),
        "probe_answered_ms": {
            name: round(1000 * (pct(answered_probe, q) or 0), 1)
            for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        },
        "probe_statuses": {str(k): len(v) for k, v in sorted(probe.times.items())},
        "push_idle_s": None if idle_push is None else round(idle_push, 3),
        "pushes": len(pusher.delays) + pusher.lost,
        "pushes_lost": pusher.lost,
        "push_polls": {str(k): v for k, v in sorted(pusher.polls.items())},
        "push_stored_s": {
            name: None if (v := pct(pusher.stored, q)) is None else round(v, 3)
            for name, q in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))
        },
        "push_s": {
            name: None if (v := pct(pusher.delays, q)) is None else round(v, 3)
            for name, q in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))
        },
        "node_cpu_cores": round(cpu_share, 2),
        "node_memory_mb": memory,
        "single_client_ms": single,
        "cores": os.cpu_count(),
    }


def _figures(result: dict) -> dict:
    """The figures of one run, flat, for the report's table."""
    lat, probe, push = result["wrk_latency_ms"], result["probe_answered_ms"], result["push_s"]
    busy = result["busy_503_retry_after"] + result["busy_503_without_retry_after"]
    return {
        "answered_per_s": result["answered_per_s"],
        "busy_share": round(100 * busy / max(1, result["requests"]), 2),
        "busy_without_retry_after": result["busy_503_without_retry_after"],
        # wrk's « status » count is every non-2xx answer: the 503s, counted above
        "errors": sum(result["errors_by_status"].values())
        + sum(n for kind, n in result["socket_errors"].items() if kind != "status"),
        "wrk_p50_ms": lat["p50"],
        "wrk_p95_ms": lat["p95"],
        "wrk_p99_ms": lat["p99"],
        "probe_p95_ms": probe["p95"],
        "push_idle_s": result["push_idle_s"],
        "push_stored_p95_s": result["push_stored_s"]["p95"],
        "push_p50_s": push["p50"],
        "push_p95_s": push["p95"],
        "pushes_lost": result["pushes_lost"],
        "node_cpu_cores": result["node_cpu_cores"],
        "rss_idle_mb": result.get("node_idle_memory_mb", {}).get("VmRSS"),
        "rss_loaded_mb": result["node_memory_mb"]["VmRSS"],
        "hwm_mb": result["node_memory_mb"]["VmHWM"],
    }


FIGURES = (
    sections.Figure("answered_per_s", "answered requests/s", "/s", 1),
    sections.Figure("busy_share", "503 `busy` (with Retry-After), share of requests", "%", 2),
    sections.Figure("busy_without_retry_after", "503 without Retry-After", "", 0, "≤ 0"),
    sections.Figure("errors", "other errors (statuses ≥ 400, sockets)", "", 0, "≤ 0"),
    sections.Figure("wrk_p50_ms", "wrk latency p50 (all answers)", "ms", 1),
    sections.Figure("wrk_p95_ms", "wrk latency p95", "ms", 1),
    sections.Figure("wrk_p99_ms", "wrk latency p99", "ms", 1),
    sections.Figure("probe_p95_ms", "probe p95 (answered requests)", "ms", 1),
    sections.Figure("push_idle_s", "push → searchable, idle", "s", 2),
    sections.Figure("push_stored_p95_s", "push → stored under load, p95", "s", 2),
    sections.Figure("push_p50_s", "push → searchable under load, p50", "s", 2),
    sections.Figure("push_p95_s", "push → searchable under load, p95", "s", 2, "≤ 2"),
    sections.Figure("pushes_lost", "pushes not searchable within 30 s", "", 0, "≤ 0"),
    sections.Figure("node_cpu_cores", "node process CPU", "cores", 2),
    sections.Figure("rss_idle_mb", "node RSS idle (before the load)", "MB", 1),
    sections.Figure("rss_loaded_mb", "node RSS loaded (end of the load)", "MB", 1, "≤ 300"),
    sections.Figure("hwm_mb", "node peak RSS (VmHWM)", "MB", 1, "≤ 300"),
)


def _runs(result: dict) -> dict:
    return result if "skipped" in result else {"runs": [_figures(result)]}


def report(result: dict) -> str:
    what = (
        "Two nodes made and served by the real command line in a temp dir: the **census "
        "node** (`maillage init`, `maillage import --format cget` of the 1,512 places of the "
        "2019 census, `maillage follow` of the publisher, `maillage serve`) and the "
        "**publisher**. wrk (`/usr/bin/wrk`) with "
        + (
            ""
            if "skipped" in result
            else f"{result['connections']} connections on {result['threads']} threads for "
            f"{result['duration_s']} s over 30 request shapes (search page with filters, "
            "`/api/search`, Atom, place and listing pages, home page), "
            f"{round(100 * result['random_share'])} % of them never asked before (random "
            "words and pages); "
        )
        + "meanwhile a probe (one more client, the same mix one request at a time) times the "
        "answered requests, and every 3 s the publisher puts an offer with a unique word "
        "(`maillage offer put`): the census node's `/feeds/{did}/head` (stored) and "
        "`/api/search?q=<word>` (searchable; a 503 counts as not yet) are polled. The node "
        "runs with `MAILLAGE_MAX_CONNECTIONS_PER_ADDRESS=1000` (wrk's connections all come "
        "from 127.0.0.1). Options: `--duration`, `--connections`, `--random-share`."
    )
    return sections.section("load", "A census node under load", what, _runs(result), FIGURES)


def goals(result: dict) -> list[tuple]:
    return sections.simple_goals(_runs(result), FIGURES)
