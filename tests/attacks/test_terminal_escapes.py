"""Foreign text never reaches the operator's terminal raw: no forged output line, no ESC or
BEL from a stranger, in ``verify``, ``follow``, ``suggest`` and ``search``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from aiohttp import web

from node.cli.terminal import shown
from protocol.canonical import canonicalize
from protocol.keys import SigningKey
from protocol.signing import sign_entry
from tests.support.http_servers import serve_on_loopback
from tests.support.live_nodes import LiveNode, cli, until
from tests.support.samples import OFFER

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202eLieu\n1 ok sha256-forged"
RAW = ("\x1b", "\x07", "\u202e")


def _clean(text: str) -> bool:
    return not any(c in text for c in RAW)


def test_shown_escapes_controls_and_keeps_french_text() -> None:
    assert shown("Découpe laser — 25 € « ok »") == "Découpe laser — 25 € « ok »"
    assert shown("a\nb\x1b[31m\u202e") == "a\\x0ab\\x1b[31m\\u202e"
    assert shown("\x9b2J") == "\\x9b2J"  # C1 CSI too


def test_verify_prints_one_line_per_input_line(tmp_path: Path) -> None:
    key = SigningKey.generate()
    good = sign_entry(key, seq=1, prev=None, col="offer", rid="a", body=OFFER).line
    forged = json.loads(good)
    forged["header"][HOSTILE] = 1
    lines = [good, canonicalize(forged), b'{"\\u001b[2J\\n1 ok x": 1}']
    path = tmp_path / "entries.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    run = subprocess.run(
        [sys.executable, "-m", "node", "verify", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    out = run.stdout.splitlines()
    assert len(out) == len(lines), run.stdout
    assert [line.split()[1] for line in out] == ["ok", "invalid", "invalid"]
    assert _clean(run.stdout + run.stderr)


async def test_follow_and_suggest_escape_names_from_peers(tmp_path: Path) -> None:
    stranger = SigningKey.generate()

    async def well_known(request: web.Request) -> web.Response:
        return web.json_response({"did": stranger.did, "name": HOSTILE})

    app = web.Application()
    app.router.add_get("/.well-known/maillage", well_known)
    runner, url = await serve_on_loopback(app)
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        status, out, err = await cli("follow", "--home", b.home, url)
        assert _clean(out + err), (out, err)
        # A (followed by B) signs a follow record whose name is hostile: suggest shows it
        other = SigningKey.generate().did
        await a.put(other, {"url": "http://127.0.0.1:9", "name": HOSTILE}, col="follow")
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        await until(lambda: b.store.record(a.did, "follow", other), what="B holds A")
        status, out, err = await cli("suggest", "--home", b.home)
        assert status == 0 and _clean(out + err) and "\\x1b" in out
        status, out, err = await cli("peers", "--home", b.home)
        assert status == 0 and _clean(out + err)
    finally:
        await b.stop()
        await a.stop()
        await runner.cleanup()


async def test_search_escapes_titles(tmp_path: Path) -> None:
    a = await LiveNode(tmp_path, "A").start()
    try:
        await a.put("piege", {**OFFER, "title": f"Découpe laser {HOSTILE}"})
        await a.stop()
        status, out, err = await cli("search", "--home", a.home, "découpe")
        assert status == 0 and "Découpe laser" in out and _clean(out + err)
    finally:
        await a.stop()
