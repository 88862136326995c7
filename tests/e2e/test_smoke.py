"""The real command line, end to end: init, put, serve, fetch, verify, put while serving."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def environment() -> dict[str, str]:
    """The caller's environment without any MAILLAGE_* setting that could leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def maillage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "node", *args],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
    )


def first_line(process: subprocess.Popen, deadline: float) -> str:
    """The first stdout line of ``process``, waiting at most until ``deadline``."""
    assert process.stdout is not None
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no address printed in time; stdout so far: {buffer!r}"
            if selector.select(remaining):
                chunk = os.read(process.stdout.fileno(), 4096)
                assert chunk, f"the server exited (status {process.poll()}): {buffer!r}"
                buffer += chunk
    return buffer.split(b"\n", 1)[0].decode("utf-8")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read()


def test_init_put_serve_fetch_verify_and_put_while_serving(tmp_path: Path):
    home = tmp_path / "lieu"
    done = maillage("init", "--home", str(home), "--name", "Fablab de Test")
    assert done.returncode == 0, done.stderr
    did = re.search(r"did:key:z[1-9A-HJ-NP-Za-km-z]+", done.stdout)[0]

    profile = tmp_path / "profil.json"
    profile.write_text(
        json.dumps(
            {
                "name": "Fablab de Test",
                "summary": "Fablab associatif : découpe laser, impression 3D, couture.",
                "families": ["fablab", "repair-cafe"],
                "address": {"city": "Périgueux", "postcode": "24000"},
                "department": "24",
                "status": "actif",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    offer = tmp_path / "offre.json"
    offer.write_text(
        json.dumps(
            {
                "title": "Découpe laser bois et acrylique",
                "category": "production.prototypage",
                "enjeux": ["transition-ecologique"],
                "conditions": {"pricing": "tarif", "price": "25.00", "unit": "heure"},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    for command in (("profile", "put", str(profile)), ("offer", "put", str(offer))):
        done = maillage(command[0], command[1], "--home", str(home), command[2])
        assert done.returncode == 0, done.stderr

    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "node", "serve", "--home", str(home), "--port", "0"],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=log,
    )
    try:
        line = first_line(server, time.monotonic() + TIMEOUT)
        assert line.startswith("Nœud Maillage « Fablab de Test » en service sur http://")
        url = re.search(r"(http://127\.0\.0\.1:[0-9]+/)$", line)[1]

        # Entry 1 commits to the recovery key init made; then the profile and the offer.
        feeds = json.loads(get(url + "feeds"))
        assert [(f["did"], f["seq"]) for f in feeds] == [(did, 3)]
        body = get(f"{url}feeds/{did}/entries")
        assert len(body.splitlines()) == 3
        fetched = tmp_path / "flux.ndjson"
        fetched.write_bytes(body)
        verified = maillage("verify", str(fetched))
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.splitlines()[2].startswith("3 ok ")

        second = tmp_path / "offre2.json"
        second.write_text(
            json.dumps({"title": "Couture de visières", "category": "production.textile"}),
            encoding="utf-8",
        )
        done = maillage("offer", "put", "--home", str(home), str(second))
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 2.0
        while len(lines := get(f"{url}feeds/{did}/entries?after=3").splitlines()) < 1:
            assert time.monotonic() < deadline, "the new offer was not served within 2 s"
            time.sleep(0.02)
        assert json.loads(lines[0])["header"]["seq"] == 4
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            status = server.wait(timeout=TIMEOUT)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
            server.stdout.close()
            log.close()
    messages = (tmp_path / "serve.log").read_text("utf-8")
    assert status == 0, messages
    assert "Traceback" not in messages
    assert re.search(r"GET /feeds 200 [0-9]+B", messages), messages
