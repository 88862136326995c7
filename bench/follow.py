"""From ``maillage follow URL`` to the followed feed held, on two real serving nodes.

Two homes are served in child processes (default settings: polling on, the peer poll every
30 s at most). The real command runs in a subprocess; then B's ``GET /feeds`` is polled
until it lists A's feed whole. Goal (issue 10): held within ~2 s of the command returning.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.server import serving
from node.home import create_home

RUNS = 5
OFFERS = 3
GOAL_SECONDS = 2.0


def _maillage() -> list[str]:
    script = Path(sys.executable).with_name("maillage")
    return [str(script)] if script.exists() else [sys.executable, "-m", "node"]


def _held(port: int, did: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds", timeout=5) as answer:
        feeds = json.load(answer)
    return next((f["seq"] for f in feeds if f["did"] == did), 0)


def once(root: Path) -> tuple[float, float]:
    """Seconds the command took, and seconds from its return to the feed held."""
    with create_home(root / "a", name="Lieu A") as a:
        for i in range(OFFERS):
            body = {"title": f"Offre {i}", "category": "production.decoupe_laser"}
            a.store.append_own(a.key, col="offer", rid=f"offre-{i}", body=body)
        did = a.key.did
    create_home(root / "b", name="Lieu B").close()
    with serving(root / "a") as port_a, serving(root / "b") as port_b:
        start = time.perf_counter()
        command = [*_maillage(), "follow", "--home", str(root / "b"), f"http://127.0.0.1:{port_a}"]
        subprocess.run(command, check=True, capture_output=True, timeout=60)
        returned = time.perf_counter()
        deadline = returned + 60
        while _held(port_b, did) < OFFERS:
            if time.perf_counter() > deadline:
                raise RuntimeError("the followed feed was not held within 60 s")
            time.sleep(0.02)
        return returned - start, time.perf_counter() - returned


def run() -> dict[str, float]:
    command, held = [], []
    for i in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            took, after = once(Path(tmp) / str(i))
        command.append(took)
        held.append(after)
    return {
        "runs": RUNS,
        "command_seconds_median": round(statistics.median(command), 3),
        "held_after_return_seconds_median": round(statistics.median(held), 3),
        "held_after_return_seconds_max": round(max(held), 3),
    }


def report(result: dict[str, float]) -> str:
    verdict = "PASS" if result["held_after_return_seconds_median"] <= GOAL_SECONDS else "FAIL"
    return (
        f"follow: command {result['command_seconds_median']:.2f} s (median of {result['runs']}), "
        f"feed held {result['held_after_return_seconds_median']:.2f} s after it returned "
        f"(max {result['held_after_return_seconds_max']:.2f} s; goal ≤ {GOAL_SECONDS} s) {verdict}"
    )
