"""From ``maillage follow URL`` to the followed feed held, on two real serving nodes.

Two homes are served in child processes (default settings: polling on, the peer poll every
30 s at most). The real command runs in a subprocess; then B's ``GET /feeds`` is polled
until it lists A's feed whole. Goal (issue 10): held within ~2 s of the command returning.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import sections
from bench.cli import maillage_command
from bench.server import serving
from node.home import create_home

RUNS = 5
OFFERS = 3
GOAL_SECONDS = 2.0


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
        command = [
            *maillage_command(),
            "follow",
            "--home",
            str(root / "b"),
            f"http://127.0.0.1:{port_a}",
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=60)
        returned = time.perf_counter()
        deadline = returned + 60
        while _held(port_b, did) < OFFERS:
            if time.perf_counter() > deadline:
                raise RuntimeError("the followed feed was not held within 60 s")
            time.sleep(0.02)
        return returned - start, time.perf_counter() - returned


FIGURES = (
    sections.Figure("command_s", "`maillage follow` command, start-up included", "s", 2),
    sections.Figure(
        "held_after_return_s", "feed held after the command returned", "s", 2, f"≤ {GOAL_SECONDS}"
    ),
)


def run(quick: bool = False, runs: int = RUNS) -> dict:
    measured = []
    for i in range(1 if quick else runs):
        with tempfile.TemporaryDirectory() as tmp:
            took, after = once(Path(tmp) / str(i))
        measured.append({"command_s": round(took, 3), "held_after_return_s": round(after, 3)})
    return {"params": {"offers": OFFERS}, "runs": measured}


def report(result: dict) -> str:
    what = (
        "Two homes served by `create_app` in child processes with default settings (polling "
        f"on); A holds {result['params']['offers']} offers; the real `maillage follow` runs in a "
        "subprocess on B's home, then B's `GET /feeds` is polled until it lists A's feed whole. "
        "Each run starts from new homes."
    )
    return sections.section(
        "follow", "From `maillage follow` to the feed held", what, result, FIGURES
    )


def goals(result: dict) -> list[tuple]:
    return sections.simple_goals(result, FIGURES)
