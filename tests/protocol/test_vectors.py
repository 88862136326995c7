"""The wire-format test vectors (tests/vectors/entries.json) against the reference code."""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from protocol.encoding import hash_ref
from protocol.entries import SIGNING_DOMAIN
from protocol.errors import ERROR_CODES, ProtocolError
from protocol.keys import SigningKey
from protocol.signing import sign_entry
from protocol.stream import check_line, verify_stream

VECTORS_DIR = Path(__file__).resolve().parents[1] / "vectors"
VECTORS_FILE = VECTORS_DIR / "entries.json"
DATA = json.loads(VECTORS_FILE.read_bytes())
KEYS = {k["name"]: k for k in DATA["keys"]}
VALID = {case["name"]: case for case in DATA["valid"]}


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "maillage_vectors_generate", VECTORS_DIR / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _line_bytes(case: dict[str, Any]) -> bytes:
    if "line" in case:
        return case["line"].encode("utf-8")
    return base64.b64decode(case["line_b64"], validate=True)


def _stream_bytes(stream: dict[str, Any]) -> bytes:
    data = b"\n".join(line.encode("utf-8") for line in stream["lines"])
    return data + (b"\n" if stream["final_newline"] else b"")


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


def test_generator_reproduces_the_file_byte_for_byte() -> None:
    assert _load_generator().build() == VECTORS_FILE.read_bytes()


def test_file_header_and_coverage() -> None:
    assert DATA["format"] == "maillage-vectors-1"
    names = [c["name"] for part in ("valid", "invalid", "streams") for c in DATA[part]]
    assert len(names) == len(set(names))
    codes = {case["code"] for case in DATA["invalid"]}
    codes |= {v["code"] for s in DATA["streams"] for v in s["verdicts"] if not v["ok"]}
    assert codes == set(ERROR_CODES)
    for key in DATA["keys"]:
        signer = SigningKey.from_seed(bytes.fromhex(key["seed_hex"]))
        assert signer.public_bytes.hex() == key["public_key_hex"]
        assert signer.did == key["did"]


@pytest.mark.parametrize("case", DATA["valid"], ids=_ids(DATA["valid"]))
def test_valid_line_verifies(case: dict[str, Any]) -> None:
    line = _line_bytes(case)
    entry = check_line(line)
    assert entry.id == case["id"]
    assert entry.sig == case["sig"]
    assert entry.author == KEYS[case["key"]]["did"]
    header_jcs = case["header_jcs"].encode("ascii")
    assert case["signing_input"].encode("ascii") == SIGNING_DOMAIN + header_jcs
    assert hash_ref(header_jcs) == case["id"]
    assert entry.header["body_hash"] == case["body_hash"]
    if case["body_jcs"] is None:
        assert entry.body is None
    else:
        body_jcs = case["body_jcs"].encode("utf-8")
        assert hash_ref(body_jcs) == case["body_hash"]
        assert (b'{"body":' + body_jcs + b',"header":' + header_jcs) in line


@pytest.mark.parametrize("case", DATA["valid"], ids=_ids(DATA["valid"]))
def test_resigning_with_the_seed_reproduces_the_line(case: dict[str, Any]) -> None:
    signer = SigningKey.from_seed(bytes.fromhex(KEYS[case["key"]]["seed_hex"]))
    source = VALID[case.get("withheld_from", case["name"])]
    parsed = json.loads(source["line"])
    header = parsed["header"]
    entry = sign_entry(
        signer,
        seq=header["seq"],
        prev=header["prev"],
        col=header["col"],
        rid=header["rid"],
        op=header["op"],
        body=parsed["body"],
        ts=header["ts"],
    )
    if "withheld_from" in case:
        entry = entry.without_body()
    assert entry.line == _line_bytes(case)
    assert entry.id == case["id"]


@pytest.mark.parametrize("case", DATA["invalid"], ids=_ids(DATA["invalid"]))
def test_invalid_line_gets_its_code(case: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as caught:
        check_line(_line_bytes(case))
    assert caught.value.code == case["code"]


@pytest.mark.parametrize("stream", DATA["streams"], ids=_ids(DATA["streams"]))
def test_stream_verdicts(stream: dict[str, Any]) -> None:
    verdicts = list(verify_stream(io.BytesIO(_stream_bytes(stream))))
    got = [
        {"ok": True, "id": v.entry.id} if v.ok else {"ok": False, "code": v.error.code}
        for v in verdicts
    ]
    assert got == stream["verdicts"]
    assert [v.number for v in verdicts] == list(range(1, len(stream["verdicts"]) + 1))


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "node", "verify", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def _expected_cli_lines(stream: dict[str, Any]) -> list[str]:
    return [
        f"{n} ok {v['id']}" if v["ok"] else f"{n} invalid {v['code']}: "
        for n, v in enumerate(stream["verdicts"], start=1)
    ]


def _streams(*names: str) -> list[dict[str, Any]]:
    by_name = {s["name"]: s for s in DATA["streams"]}
    return [by_name[name] for name in names]


@pytest.mark.parametrize(
    "stream",
    _streams(
        "chain-a",
        "fork-entry-not-accepted",
        "oversized-line-skipped",
        "no-final-newline",
        "rotation",
        "recovery-after-theft",
    ),
    ids=lambda s: s["name"],
)
def test_cli_prints_one_verdict_per_line(stream: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "entries.ndjson"
    path.write_bytes(_stream_bytes(stream))
    result = _run_cli(str(path))
    printed = result.stdout.splitlines()
    expected = _expected_cli_lines(stream)
    assert len(printed) == len(expected), result.stdout
    for got, want in zip(printed, expected, strict=True):
        if " ok " in want:
            assert got == want
        else:
            assert got.startswith(want) and len(got) > len(want)
    all_ok = all(v["ok"] for v in stream["verdicts"])
    assert result.returncode == (0 if all_ok else 1), result.stderr


def test_cli_on_every_invalid_line(tmp_path: Path) -> None:
    """Every invalid case as one line of a single file: its code, in order, and status 1."""
    path = tmp_path / "invalid.ndjson"
    path.write_bytes(b"\n".join(_line_bytes(case) for case in DATA["invalid"]) + b"\n")
    result = _run_cli(str(path))
    assert result.returncode == 1
    printed = result.stdout.splitlines()
    assert len(printed) == len(DATA["invalid"])
    for number, (got, case) in enumerate(zip(printed, DATA["invalid"], strict=True), start=1):
        assert got.startswith(f"{number} invalid {case['code']}: "), (case["name"], got)


def test_cli_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = _run_cli(str(tmp_path / "absent.ndjson"))
    assert result.returncode == 2
    assert result.stdout == ""


def test_cli_empty_file_is_all_valid(tmp_path: Path) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_bytes(b"")
    result = _run_cli(str(path))
    assert (result.returncode, result.stdout) == (0, "")
