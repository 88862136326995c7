"""``maillage verify``: in-process for the detail, and one real subprocess run."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from node.cli.main import main
from protocol.stream import read_lines
from tests.support.samples import OFFER, chain, key

ALICE = key("alice")


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    status = main(["verify", *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def write(tmp_path, lines: list[bytes], final_newline: bool = True):
    path = tmp_path / "feed.ndjson"
    path.write_bytes(b"\n".join(lines) + (b"\n" if final_newline else b""))
    return path


def test_all_ok(tmp_path, capsys) -> None:
    entries = chain(ALICE, [("offer", "a", OFFER), ("offer", "a", None)])
    for final_newline in (True, False):
        status, out, _ = run(capsys, str(write(tmp_path, [e.line for e in entries], final_newline)))
        assert status == 0
        assert out == [f"{i} ok {e.id}" for i, e in enumerate(entries, 1)]


def test_one_verdict_per_line(tmp_path, capsys) -> None:
    entries = chain(ALICE, [("offer", str(i), OFFER) for i in range(3)])
    lines = [entries[0].line, b"", b"{nope", entries[2].line, entries[1].line, entries[2].line]
    status, out, _ = run(capsys, str(write(tmp_path, lines)))
    assert status == 1
    assert out[0] == f"1 ok {entries[0].id}"
    assert out[1].startswith("2 invalid bad-json: ")
    assert out[2].startswith("3 invalid bad-json: ")
    assert out[3].startswith("4 invalid bad-seq: ")
    assert out[4] == f"5 ok {entries[1].id}"
    assert out[5] == f"6 ok {entries[2].id}"  # refused out of order, accepted in its place


def test_oversized_line_is_skipped_without_losing_the_next(tmp_path, capsys) -> None:
    entry = chain(ALICE, [("offer", "a", OFFER)])[0]
    status, out, _ = run(capsys, str(write(tmp_path, [b"x" * 200_000, entry.line])))
    assert status == 1
    assert out == ["1 invalid too-large: line longer than 65536 bytes", f"2 ok {entry.id}"]


def test_read_lines_is_bounded() -> None:
    stream = io.BytesIO(b"a" * 1000 + b"\nb\n" + b"c" * 10)
    assert [len(line) for line in read_lines(stream, max_bytes=100)] == [0, 1, 10]


def test_usage_errors_exit_2(tmp_path, capsys) -> None:
    status, out, err = run(capsys, str(tmp_path / "absent.ndjson"))
    assert status == 2 and out == [] and "impossible de lire" in err
    status, _, err = run(capsys, str(tmp_path))
    assert status == 2 and "Traceback" not in err
    with pytest.raises(SystemExit) as caught:
        main(["verify"])
    assert caught.value.code == 2


def test_real_command_reads_standard_input() -> None:
    entries = chain(ALICE, [("offer", "a", OFFER), ("offer", "b", OFFER)])
    data = b"\n".join(e.line for e in entries) + b"\n" + entries[1].line.replace(b"bois", b"BOIS")
    done = subprocess.run(
        [sys.executable, "-m", "node", "verify", "-"],
        input=data,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.decode().splitlines()[:2] == [
        f"1 ok {entries[0].id}",
        f"2 ok {entries[1].id}",
    ]
    assert done.stdout.decode().splitlines()[2].startswith("3 invalid body-hash-mismatch: ")
    assert done.stderr == b""
