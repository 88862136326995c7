"""Ingest as a new user meets it: a fresh node following one peer that holds N entries.

A peer home holds ``feeds`` × ``per_feed`` signed French offers (authors offline: the peer
keeps their copies and follows those places with its own URL, so its follow records widen
the wanted set of whoever follows it), served by the real ``maillage serve``. A fresh home is
made by the real ``maillage init``; then ``maillage follow <peer>`` and ``maillage serve``,
default settings but the ports, all in subprocesses. From the follow on, the new node's
``/feeds`` and ``/api/search?q=<the last entry's unique word>`` are polled (the empty
search, every offer, more sparingly: :data:`TOTAL_POLL_S`), and its ``VmRSS``/``VmHWM``
read from ``/proc``: the time until every entry is stored, the time until
the last one is found by search, the peak RSS meanwhile and the RSS serving afterwards (a
few searches, after a settle). In the same run, the project's bulk builder
(``SearchIndex.build``, as ``maillage reindex`` runs it) indexes the new node's filled store
alone: ingest entries/s ÷ bulk records/s is the ratio. Setup (signing, filling the peer) is
not timed.

    python -m bench.ingest [--quick]
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench.cli import maillage_command
from bench.corpus import offer_body
from node.home import create_home
from node.store.database import Store
from protocol.keys import SigningKey
from protocol.signing import sign_log

FULL = {"feeds": 200, "per_feed": 500, "runs": 3}
QUICK = {"feeds": 12, "per_feed": 500, "runs": 1}
#: The word only the last entry holds (not French, not near any word of the corpus).
UNIQUE = "quetzalcoatlite"
GOAL_SECONDS = 60.0
GOAL_PEAK_MB = 300.0
GOAL_SERVING_MB = 200.0
GOAL_RATIO = 0.80
#: Seconds a run may take before it is given up (the goal is 60 s at 100,000 entries).
DEADLINE_S = 600.0
SETTLE_S = 5.0
POLL_S = 0.25
#: Seconds between two empty searches (every offer) until the last entry is found: that
#: search ranks, counts and facets the whole index at each new index state, which a new user
#: does not do four times a second (it held the GIL against the index thread and took
#: memory); once the last entry is found, it is polled every :data:`POLL_S` for the end.
TOTAL_POLL_S = 2.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.load(answer)


def _memory_mb(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM of ``pid``, in MB (0 when the process is gone)."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in values:
                values[name] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return values["VmRSS"], values["VmHWM"]


def _tree_mb(pid: int) -> float:
    """The node's VmRSS plus its children's VmHWM (the index's catch-up runs in a child
    process: :mod:`search.apart`), in MB: what the node's processes hold together."""
    total = _memory_mb(pid)[0]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:
            continue
        total += sum(_memory_mb(int(child))[1] for child in children)
    return total


def _entries(feeds: int, per_feed: int) -> list:
    """The peer's entries, feed by feed; the very last one holds :data:`UNIQUE`."""
    rng = random.Random(16)
    out = []
    for a in range(feeds):
        key = SigningKey.from_seed(hashlib.sha256(f"ingest-{a}".encode()).digest())
        records = []
        for i in range(per_feed):
            body = offer_body(rng, i)
            if a == feeds - 1 and i == per_feed - 1:
                body["title"] = f"{body['title']} {UNIQUE}"
            records.append(("offer", f"offre-{i}", body))
        out.append(sign_log(key, records, ts="2026-11-27T08:00:00Z"))
    return out


def _fill_peer(home: Path, port: int, feeds: int, per_feed: int) -> str:
    """The peer's home filled and following every author; its did."""
    url = f"http://127.0.0.1:{port}"
    with create_home(home, name="Réseau des tiers-lieux") as node:
        for feed in _entries(feeds, per_feed):
            node.store.append(feed)
            node.store.append_own(node.key, col="follow", rid=feed[0].author, body={"url": url})
        return node.key.did


class _Served:
    """A ``maillage serve`` subprocess on ``port``, its log in ``home``'s folder."""

    def __init__(self, home: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._log = open(home.with_suffix(".log"), "wb")  # noqa: SIM115 (closed in stop)
        command = [*maillage_command(), "serve", "--home", str(home), "--port", str(port)]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"maillage serve stopped ({self.process.returncode})")
            try:
                _get(f"{self.url}/.well-known/maillage", timeout=2)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("maillage serve did not answer")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _held(url: str, skip: set[str]) -> int:
    return sum(f["seq"] for f in _get(f"{url}/feeds") if f["did"] not in skip)


def _total(url: str, q: str) -> int:
    """How many documents the search for ``q`` finds (0 while the index is not ready)."""
    try:
        answer = _get(f"{url}/api/search?{urllib.parse.urlencode({'q': q})}")
    except OSError:  # 503 while the index is not ready yet
        return 0
    return answer.get("total", 0)


def _segments(index: Path) -> int:
    """How many segments the index at ``index`` has (many while it is not merged yet)."""
    from whoosh.index import open_dir

    try:
        return len(open_dir(str(index))._segments())
    except Exception:  # a commit being written: asked again
        return sys.maxsize


def _wait_indexed(url: str, expected: int, index: Path | None = None) -> None:
    """Wait until the peer searches every offer, and its index (at ``index``) is merged: it
    builds its own index when it starts (its store was filled directly), which would
    otherwise take a core from the first run, its merges one from the runs after."""
    from search.opening import MERGE_AFTER

    deadline = time.monotonic() + DEADLINE_S
    while _total(url, "") < expected or (index and _segments(index) > MERGE_AFTER):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the peer's index not built in {DEADLINE_S} s")
        time.sleep(1.0)


def _wait_merged(index: Path, pid: int) -> None:
    """Wait until the new node has merged the segments its catch-up left (its index thread
    does it once every offer is searchable); the peak meanwhile is read from VmHWM after."""
    from search.opening import MERGE_AFTER

    deadline = time.monotonic() + DEADLINE_S
    while _segments(index) > MERGE_AFTER and time.monotonic() < deadline:
        time.sleep(POLL_S)


def _once(root: Path, peer: str, peer_did: str, expected: int) -> dict:
    home = root / "nouveau"
    run = [*maillage_command()]
    made = subprocess.run(
        [*run, "init", "--home", str(home), "--name", "Nouveau lieu", "--no-recovery-key"],
        check=True,
        capture_output=True,
        text=True,
    )
    my_did = re.search(r"did:key:\w+", made.stdout).group()  # type: ignore[union-attr]
    start = time.perf_counter()
    subprocess.run([*run, "follow", "--home", str(home), peer], check=True, capture_output=True)
    node = _Served(home, _free_port())
    stored_at = found_at = indexed_at = None
    peak = 0.0
    total_polled = -TOTAL_POLL_S
    try:
        node.wait_up()
        pid = node.process.pid
        while None in (found_at, stored_at, indexed_at):
            elapsed = time.perf_counter() - start
            if elapsed > DEADLINE_S:
                raise RuntimeError(f"ingest not done in {DEADLINE_S} s")
            if node.process.poll() is not None:
                raise RuntimeError("the new node stopped")
            peak = max(peak, _memory_mb(pid)[1], _tree_mb(pid))
            if stored_at is None and _held(node.url, {my_did, peer_did}) >= expected:
                stored_at = time.perf_counter() - start
            if found_at is None and _total(node.url, UNIQUE) > 0:
                found_at = time.perf_counter() - start
            due = found_at is not None or elapsed - total_polled >= TOTAL_POLL_S
            if indexed_at is None and due:
                total_polled = elapsed
                if _total(node.url, "") >= expected:  # every offer
                    indexed_at = time.perf_counter() - start
            time.sleep(POLL_S)
        peak = max(peak, _memory_mb(pid)[1])
        _wait_merged(home / "index", pid)  # serving: once the node is done with its work
        time.sleep(SETTLE_S)  # the last commit's garbage
        for word in ("atelier", "laser bois", "formation jeunes", UNIQUE):
            _get(f"{node.url}/api/search?{urllib.parse.urlencode({'q': word})}")
        serving, hwm = _memory_mb(pid)
        peak = max(peak, hwm)
    finally:
        node.stop()
    bulk_s, bulk_count = _bulk(home, root / "bulk-index")
    searchable = max(found_at, stored_at, indexed_at)
    ingest_rate = expected / searchable
    bulk_rate = bulk_count / bulk_s
    return {
        "stored_s": round(stored_at, 2),
        "found_s": round(found_at, 2),
        "indexed_s": round(indexed_at, 2),
        "searchable_s": round(searchable, 2),
        "peak_mb": round(peak, 1),
        "serving_mb": round(serving, 1),
        "ingest_per_s": round(ingest_rate),
        "bulk_s": round(bulk_s, 2),
        "bulk_per_s": round(bulk_rate),
        "ratio": round(ingest_rate / bulk_rate, 3),
    }


def _bulk(home: Path, where: Path) -> tuple[float, int]:
    """The bulk builder alone over the filled store: seconds, documents."""
    from search.index import SearchIndex

    store = Store(home / "store.sqlite3")
    try:
        start = time.perf_counter()
        index, count = SearchIndex.build(where, store)
        seconds = time.perf_counter() - start
        index.close()
    finally:
        store.close()
    return seconds, count


def run(quick: bool = False, **options: Any) -> dict:
    sizes = {**(QUICK if quick else FULL), **options}
    feeds, per_feed, runs = sizes["feeds"], sizes["per_feed"], sizes["runs"]
    expected = feeds * per_feed
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        port = _free_port()
        peer_did = _fill_peer(root / "pair", port, feeds, per_feed)
        peer = _Served(root / "pair", port)
        try:
            peer.wait_up()
            _wait_indexed(peer.url, expected, root / "pair" / "index")
            results = []
            for i in range(runs):
                (root / f"run-{i}").mkdir()
                results.append(_once(root / f"run-{i}", peer.url, peer_did, expected))
                results[-1]["loadavg"] = os.getloadavg()[0]
        finally:
            peer.stop()
    return {"feeds": feeds, "per_feed": per_feed, "entries": expected, "runs": results}


COLUMNS = (
    ("stored_s", "all stored (s)"),
    ("found_s", "last entry found (s)"),
    ("indexed_s", "all searchable (s)"),
    ("searchable_s", "stored and searchable (s)"),
    ("peak_mb", "peak RSS (MB)"),
    ("serving_mb", "RSS serving (MB)"),
    ("ingest_per_s", "ingest entries/s"),
    ("bulk_per_s", "bulk records/s"),
    ("ratio", "ratio"),
    ("loadavg", "load avg"),
)


def _median(result: dict, name: str) -> float:
    return statistics.median(r[name] for r in result["runs"])


def _spread(result: dict, name: str) -> str:
    values = [r[name] for r in result["runs"]]
    return f"{min(values):g}–{max(values):g}"


def goals(result: dict) -> list[tuple[str, str, str, bool]]:
    if "skipped" in result:
        return []
    runs = result["runs"]
    n = f"{result['entries']:,}"
    return [
        (
            f"ingest of {n} entries, stored and searchable",
            f"{_median(result, 'searchable_s'):g} s",
            f"≤ {GOAL_SECONDS:g} s",
            all(r["searchable_s"] <= GOAL_SECONDS for r in runs),
        ),
        (
            "ingest peak RSS",
            f"{_median(result, 'peak_mb'):g} MB",
            f"≤ {GOAL_PEAK_MB:g} MB",
            all(r["peak_mb"] <= GOAL_PEAK_MB for r in runs),
        ),
        (
            "RSS serving after ingest",
            f"{_median(result, 'serving_mb'):g} MB",
            f"≤ {GOAL_SERVING_MB:g} MB",
            all(r["serving_mb"] <= GOAL_SERVING_MB for r in runs),
        ),
        (
            "ingest ÷ bulk build",
            f"{_median(result, 'ratio'):g}",
            f"≥ {GOAL_RATIO:g}",
            all(r["ratio"] >= GOAL_RATIO for r in runs),
        ),
    ]


def report(result: dict) -> str:
    title = "## Ingest: a new node following one peer (`python -m bench ingest`)"
    if "skipped" in result:
        return f"{title}\n\nSkipped: {result['skipped']}.\n"
    lines = [
        title,
        "",
        f"A peer served by `maillage serve` holds {result['feeds']} feeds × "
        f"{result['per_feed']} signed offers ({result['entries']:,} entries, authors "
        "offline: it follows their places), its own index built before the first run. "
        "A fresh home (`maillage init`) runs "
        "`maillage follow <peer>` then `maillage serve`, default settings; from the follow "
        "on, its `/feeds` and `/api/search` for the last entry's unique word are polled every "
        f"{POLL_S:g} s, the empty search's total (every offer) every {TOTAL_POLL_S:g} s "
        f"until that word is found, then every {POLL_S:g} s; "
        "its VmRSS/VmHWM read from /proc (peak: the node's VmHWM, or its VmRSS plus the VmHWM "
        "of its child catching the index up, `search.apart_child`, whichever is more; "
        "serving: once the index thread has merged what the catch-up left, after a "
        "settle and a few searches). The "
        "bulk builder (`SearchIndex.build`) then indexes the same store alone, same run; "
        "ratio = ingest entries/s ÷ bulk records/s.",
        "",
        "| run | " + " | ".join(label for _, label in COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for i, r in enumerate(result["runs"], 1):
        lines.append(f"| {i} | " + " | ".join(f"{r[name]:g}" for name, _ in COLUMNS) + " |")
    medians = " | ".join(f"{_median(result, name):g}" for name, _ in COLUMNS)
    lines.append(f"| **median** | {medians} |")
    spread = ", ".join(
        f"{label} {_spread(result, name)}" for name, label in COLUMNS[:6] + COLUMNS[8:9]
    )
    lines += ["", f"Spread (min–max): {spread}.", ""]
    for figure, value, goal, met in goals(result):
        lines.append(
            f"- {figure}: {value} (goal {goal}): {'met' if met else 'NOT met'} on every run"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    outcome = run(quick="--quick" in sys.argv)
    print(json.dumps(outcome, indent=1))
    print(report(outcome))
