"""``make demo`` runs ``python -m node.demo``: a real subprocess, a search, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import ROOT, SHARED


def _start_demo() -> tuple[int, subprocess.Popen[str]]:
    """``make demo``'s program on a free port, its output piped."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = subprocess.Popen(
        [sys.executable, "-m", "node.demo"],
        cwd=ROOT,
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return port, demo


def test_demo_network_answers_searches_and_stops_cleanly() -> None:
    port, demo = _start_demo()
    try:
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line, f"the demo stopped: {demo.stderr.read()}"
            lines.append(line)
            if "Ctrl-C" in line:
                break
        assert f"http://127.0.0.1:{port}/" in "".join(lines)
        url = f"http://127.0.0.1:{port}/api/search?q=couture%20petite%20s%C3%A9rie"
        with urllib.request.urlopen(url, timeout=10) as response:
            found = json.load(response)
        # found on the Périgueux node, published by the Bordeaux node: replication worked
        assert [r["place"]["city"] for r in found["results"]] == ["Bordeaux"]
        if (SHARED / "data" / "cget-tiers-lieux-2019.csv").is_file():  # the census, imported
            url = f"http://127.0.0.1:{port}/api/search?col=listing&per_page=1"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert json.load(response)["total"] == 1512
    finally:
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
        demo.stdout.close()
        demo.stderr.close()


def test_ctrl_c_during_the_start_up_stops_the_demo() -> None:
    port, demo = _start_demo()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the first node listens: the rest is starting
            assert demo.poll() is None, demo.stderr.read()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
        out = demo.stdout.read()
        assert "Arrêt…" in out and "Ctrl-C pour tout arrêter" not in out
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        demo.stdout.close()
        demo.stderr.close()
