"""The project's verifier judged against entries made by an independent implementation.

``tests/independent/make_entries.mjs`` implements the wire format (version 1) in JavaScript,
written from the brief alone, without reading this project's code. It writes signed NDJSON
scenario files and ``expected.json``, the verdict every line must get. Here each file goes
through ``python -m node verify`` and every printed verdict is compared with it.

Skipped when Node.js is not installed. No network is used.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GENERATOR = PROJECT_ROOT / "tests" / "independent" / "make_entries.mjs"
# ../shared/vectors/jcs/input relative to the project root (peer test data, may be absent).
JCS_INPUT = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "jcs" / "input"

SCENARIOS = [
    "valid_chain.ndjson",
    "two_authors.ndjson",
    "jcs_bodies.ndjson",
    "invalid.ndjson",
    "chain_faults.ndjson",
    "edges.ndjson",
    "keys.ndjson",
]

GENERATOR_TIMEOUT = 120
VERIFY_TIMEOUT = 300
VERDICT_RE = re.compile(r"^(\d+) (ok|invalid) (.*)$")
CODE_RE = re.compile(r"^([a-z0-9-]+):")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js ('node') is not on PATH: the independent entry generator cannot run")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match.group(1)) < 18:
        pytest.skip(f"Node.js >= 18 needed by the independent generator, found {version!r}")

    out = tmp_path_factory.mktemp("independent")
    args = [node, str(GENERATOR), str(out)]
    if JCS_INPUT.is_dir():
        args.append(str(JCS_INPUT))
    else:
        # Point at a missing folder so the generator does not fall back to its default.
        args.append(str(out / "no-jcs-input"))
    proc = subprocess.run(
        args, capture_output=True, text=True, timeout=GENERATOR_TIMEOUT, check=False
    )
    if proc.returncode != 0:
        pytest.fail(f"independent generator failed ({proc.returncode}):\n{proc.stderr}")
    expected = json.loads((out / "expected.json").read_text(encoding="utf-8"))
    return out, expected


def run_verify(target: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "node", "verify", target],
        cwd=PROJECT_ROOT,
        input=stdin,
        capture_output=True,
        timeout=VERIFY_TIMEOUT,
        check=False,
    )


def compare(proc: subprocess.CompletedProcess[bytes], expected: list[dict], label: str) -> None:
    stdout = proc.stdout.decode("utf-8")
    stderr = proc.stderr.decode("utf-8", errors="replace")
    printed = stdout.splitlines()
    problems: list[str] = []
    if len(printed) != len(expected):
        problems.append(f"{len(printed)} output lines for {len(expected)} input lines")
    for want, got in zip(expected, printed, strict=False):
        where = f"line {want['line']} ({want.get('note', '')})"
        m = VERDICT_RE.match(got)
        if m is None:
            problems.append(f"{where}: unparsable output {got!r}")
            continue
        number, status, rest = m.groups()
        if int(number) != want["line"]:
            problems.append(f"{where}: printed line number {number}")
        if want["ok"]:
            if status != "ok" or rest != want["id"]:
                problems.append(f"{where}: expected 'ok {want['id']}', got {got!r}")
        else:
            code = CODE_RE.match(rest) if status == "invalid" else None
            if code is None or code.group(1) != want["code"]:
                problems.append(f"{where}: expected 'invalid {want['code']}: ...', got {got!r}")
    want_status = 0 if all(v["ok"] for v in expected) else 1
    if proc.returncode != want_status:
        problems.append(f"exit status {proc.returncode}, expected {want_status}")
    assert not problems, f"{label}:\n  " + "\n  ".join(problems) + f"\nstderr:\n{stderr}"


def test_generator_wrote_every_scenario(generated: tuple[Path, dict]) -> None:
    out, expected = generated
    wanted = set(SCENARIOS) if JCS_INPUT.is_dir() else set(SCENARIOS) - {"jcs_bodies.ndjson"}
    assert set(expected) == wanted
    for name in wanted:
        assert (out / name).is_file()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_verify_file_matches_independent_verdicts(
    generated: tuple[Path, dict], scenario: str
) -> None:
    out, expected = generated
    if scenario not in expected:
        pytest.skip(f"{scenario} not generated ({JCS_INPUT} absent)")
    compare(run_verify(str(out / scenario)), expected[scenario], scenario)


def test_verify_reads_standard_input(generated: tuple[Path, dict]) -> None:
    out, expected = generated
    scenario = "chain_faults.ndjson"
    data = (out / scenario).read_bytes()
    compare(run_verify("-", stdin=data), expected[scenario], f"{scenario} on stdin")
