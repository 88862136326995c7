"""kill -9 at any moment never loses an acknowledged entry nor leaves a half-written chain.

A real child process (``tests/support/crash_writer.py``) appends own entries and acknowledges each
one on stdout once :meth:`Store.append_own` has returned. The test reads a random number of
acknowledgements (1–30), kills the child with SIGKILL, at once or a little later, reopens
the store and checks everything. The same store goes through every run, so each run also
starts from a store recovered after a crash.

``MAILLAGE_CRASH_RUNS`` sets the number of kills (default 20); ``MAILLAGE_CRASH_SEED`` makes
a failing sequence reproducible (the seed is printed in every failure message).
"""

from __future__ import annotations

import io
import os
import queue
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from node.home import create_home
from node.store.database import Store
from protocol.state import fold
from protocol.stream import verify_stream

RUNS = int(os.environ.get("MAILLAGE_CRASH_RUNS", "20"))
WRITER = Path(__file__).parents[1] / "support" / "crash_writer.py"
KILL_MOMENTS = ("right after an ack", "spin", "more acks")
DEADLINE = 60.0  # seconds for a child to produce what we wait for; generous for slow CI


class Child:
    """A running crash_writer, its stdout read line by line by a thread into a queue."""

    def __init__(self, home: Path, seed: int, *extra: str) -> None:
        self.stderr = (home.parent / f"writer-{seed}.err").open("w+b")
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(home), "--seed", str(seed), *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(b"")  # end of output

    def next_line(self, deadline: float) -> bytes:
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if not line:
            self.stderr.seek(0)
            why = "timed out" if line is None else "ended"
            raise AssertionError(f"writer {why}; stderr:\n{self.stderr.read().decode()}")
        return line

    def ack(self, deadline: float) -> tuple[int, str]:
        word, seq, entry_id = self.next_line(deadline).split()
        assert word == b"ack"
        return int(seq), entry_id.decode()

    def kill_and_drain(self) -> list[tuple[int, str]]:
        """SIGKILL, then every ack the child printed before dying (all acknowledged)."""
        self.proc.kill()
        self.proc.wait(timeout=DEADLINE)
        self.reader.join(timeout=DEADLINE)
        acks = []
        while (line := self.lines.get_nowait()) != b"":
            _, seq, entry_id = line.split()
            acks.append((int(seq), entry_id.decode()))
        self.close()
        return acks

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            if stream is not None:
                stream.close()


def check_store(path: Path, did: str, acks: dict[int, str]) -> int:
    """Assert every invariant of a store after a crash; return the number of entries."""
    store = Store(path)
    try:
        feed = store.feed(did)
        lines = store.lines(did, 0, limit=10**9)
        verdicts = list(verify_stream(io.BytesIO(b"".join(line + b"\n" for line in lines))))
        bad = [str(v) for v in verdicts if not v.ok]
        assert not bad, bad[:3]
        entries = [v.entry for v in verdicts]
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        if not entries:
            assert feed is None and not acks
            return 0
        assert feed is not None
        assert (feed.first_seq, feed.seq, feed.head) == (1, len(entries), entries[-1].id)
        for seq, entry_id in acks.items():  # no acknowledged entry is lost or changed
            assert seq <= len(entries) and entries[seq - 1].id == entry_id, seq
        state = fold(entries)[did]
        expected = {(r.col, r.rid): (r.seq, r.entry_id, r.body) for r in state.records.values()}
        held = {(r.col, r.rid): (r.seq, r.entry_id, r.body) for r in store.records(author=did)}
        assert held == expected
        last_del: dict[tuple[str, str], int] = {}
        for e in entries:
            if e.op == "del":
                last_del[(e.col, e.rid)] = e.seq
        for e in entries:  # a deletion and the withholding it implies: both, or neither
            if e.op == "put":
                assert e.withheld == (e.seq < last_del.get((e.col, e.rid), 0)), e.seq
        assert store.fork(did) is None
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM entries").fetchone() == (len(entries),)
    db.close()
    return len(entries)


def test_kill_9_never_loses_an_acknowledged_entry(tmp_path) -> None:
    seed = int(os.environ.get("MAILLAGE_CRASH_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    with create_home(tmp_path / "lieu", "La Fabrique") as node:
        did, path = node.key.did, node.settings.store_path
    acks: dict[int, str] = {}
    for run in range(RUNS):
        context = f"seed {seed}, run {run}, kill {KILL_MOMENTS[run % len(KILL_MOMENTS)]}"
        child = Child(tmp_path / "lieu", rng.randrange(2**31))
        try:
            deadline = time.monotonic() + DEADLINE
            assert child.next_line(deadline) == b"ready\n", context
            for _ in range(rng.randint(1, 30)):
                seq, entry_id = child.ack(deadline)
                acks[seq] = entry_id
            mode = KILL_MOMENTS[run % len(KILL_MOMENTS)]
            if mode == "spin":  # a random moment within the next few appends
                until = time.perf_counter() + rng.uniform(0, 0.02)
                while time.perf_counter() < until:
                    pass
            elif mode == "more acks":
                for _ in range(rng.randint(1, 5)):
                    seq, entry_id = child.ack(deadline)
                    acks[seq] = entry_id
        finally:
            acks.update(child.kill_and_drain())
        try:
            count = check_store(path, did, acks)
        except AssertionError as exc:
            pytest.fail(f"{context}: {exc}")
        assert count >= max(acks), context
    assert len(acks) >= RUNS
