"""Unit tests of ``node.store``: own log, replicated feeds, forks, deletion, concurrency."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import node.store.database
from node.home import create_home
from node.store.database import Store, StoreError
from node.store.migrations import MIGRATIONS
from protocol.signing import sign_entry
from protocol.stream import verify_stream
from protocol.verification import verify_line
from tests.support.samples import OFFER, TS, chain, key

ALICE, BOB = key("alice"), key("bob")
WRITER = Path(__file__).parents[1] / "support" / "crash_writer.py"
COUNT = ("--count", "50", "--wait", "--pause-ms", "1")


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "store.sqlite3")
    yield opened
    opened.close()


def verified(store: Store, author: str) -> list:
    """Every line of ``author``, checked as a stream; the chain must be complete from 1."""
    lines = store.lines(author, 0, limit=10**9)
    verdicts = list(verify_stream(io.BytesIO(b"".join(line + b"\n" for line in lines))))
    assert all(v.ok for v in verdicts), [str(v) for v in verdicts if not v.ok]
    entries = [v.entry for v in verdicts]
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    return entries


def test_append_own_builds_one_chain(store) -> None:
    made = [store.append_own(ALICE, col="offer", rid=f"o{i}", body=OFFER) for i in range(5)]
    made.append(store.append_own(ALICE, col="offer", rid="o1", op="del"))
    entries = verified(store, ALICE.did)
    assert [e.id for e in entries] == [e.id for e in made]
    assert [e.prev for e in entries] == [None] + [e.id for e in entries[:-1]]
    head = store.feed(ALICE.did)
    assert (head.first_seq, head.seq, head.head) == (1, 6, made[-1].id)
    assert store.line(ALICE.did, 3) == made[2].line
    assert store.lines(ALICE.did, after=2, limit=2) == [made[2].line, made[3].line]


def test_append_own_rid_may_depend_on_the_rids_used(store) -> None:
    store.append_own(ALICE, col="offer", rid="a", body=OFFER)
    store.append_own(ALICE, col="offer", rid="a", op="del")
    seen: list[set[str]] = []
    entry = store.append_own(
        ALICE, col="offer", rid=lambda used: seen.append(used) or "b", body=OFFER
    )
    assert (entry.rid, seen) == ("b", [{"a"}])


def test_replicated_entries_duplicates_and_refusals(store) -> None:
    entries = chain(BOB, [("offer", f"o{i}", OFFER) for i in range(4)])
    result = store.append(entries[:2])
    assert (len(result.stored), result.duplicates, result.refused) == (2, 0, [])
    result = store.append(entries[:3])
    assert (len(result.stored), result.duplicates) == (1, 2)
    withheld = store.append([entries[3].without_body()])  # a copy may arrive withheld
    assert len(withheld.stored) == 1
    assert [e.id for e in verified(store, BOB.did)] == [e.id for e in entries]
    assert verified(store, BOB.did)[3].withheld


def test_a_gap_and_a_late_start_are_refused(store) -> None:
    entries = chain(BOB, [("offer", f"o{i}", OFFER) for i in range(3)])
    result = store.append([entries[1]])
    assert result.stored == [] and "starts at seq 1" in result.refused[0][1]
    assert store.feed(BOB.did) is None
    result = store.append([entries[0], entries[2]])
    assert [e.seq for e in result.stored] == [1]
    assert "does not extend" in result.refused[0][1]
    assert store.feed(BOB.did).seq == 1


def test_a_fork_is_kept_as_proof_and_freezes_the_feed(store) -> None:
    entries = chain(BOB, [("offer", "a", OFFER), ("offer", "b", OFFER), ("offer", "c", OFFER)])
    store.append(entries[:2])
    other = sign_entry(
        BOB, seq=2, prev=entries[0].id, col="offer", rid="x", body={**OFFER, "title": "Autre"}
    )
    result = store.append([other])
    assert len(result.forks) == 1 and result.stored == []
    proof = store.fork(BOB.did)
    assert (proof.seq, proof.first.id, proof.second.id) == (2, entries[1].id, other.id)
    assert verify_line(proof.first.line) and verify_line(proof.second.line)
    frozen = store.append([entries[2]])
    assert frozen.stored == [] and "frozen" in frozen.refused[0][1]
    assert store.feed(BOB.did).seq == 2
    assert store.fork(ALICE.did) is None


def test_own_log_frozen_after_a_fork_refuses_to_write(store) -> None:
    mine = store.append_own(ALICE, col="offer", rid="a", body=OFFER)
    store.append_own(ALICE, col="offer", rid="b", body=OFFER)
    twin = sign_entry(ALICE, seq=2, prev=mine.id, col="offer", rid="z", body=OFFER, ts=TS)
    store.append([twin])  # the same key used on another machine
    with pytest.raises(StoreError):
        store.append_own(ALICE, col="offer", rid="c", body=OFFER)
    assert store.feed(ALICE.did).seq == 2


def test_deletion_withholds_earlier_bodies(store) -> None:
    first = store.append_own(ALICE, col="offer", rid="a", body=OFFER)
    second = store.append_own(ALICE, col="offer", rid="a", body={**OFFER, "title": "v2"})
    other = store.append_own(ALICE, col="offer", rid="b", body=OFFER)
    store.append_own(ALICE, col="offer", rid="a", op="del")
    entries = verified(store, ALICE.did)
    assert [e.id for e in entries[:3]] == [first.id, second.id, other.id]
    assert [e.withheld for e in entries] == [True, True, False, False]
    assert verify_line(store.line(ALICE.did, 1)).id == first.id
    assert store.record(ALICE.did, "offer", "a") is None
    assert [r.rid for r in store.records("offer")] == ["b"]
    # A replicated deletion withholds the copies too.
    bob = chain(BOB, [("offer", "a", OFFER), ("offer", "a", None)])
    store.append(bob)
    assert [e.withheld for e in verified(store, BOB.did)] == [True, False]


def test_records_record_and_rids(store) -> None:
    store.append_own(ALICE, col="profile", rid="profile", body={"name": "Lieu"})
    store.append_own(ALICE, col="offer", rid="b", body=OFFER)
    store.append_own(ALICE, col="offer", rid="a", body=OFFER)
    store.append_own(ALICE, col="offer", rid="b", op="del")
    store.append(chain(BOB, [("offer", "z", OFFER), ("need", "n", OFFER)]))
    assert [(r.author, r.col, r.rid) for r in store.records("offer", author=ALICE.did)] == [
        (ALICE.did, "offer", "a")
    ]
    assert {(r.col, r.rid) for r in store.records(author=BOB.did)} == {
        ("offer", "z"),
        ("need", "n"),
    }
    assert len(store.records()) == 4
    record = store.record(ALICE.did, "offer", "a")
    assert (record.seq, record.body) == (3, OFFER)
    assert store.record(ALICE.did, "offer", "b") is None
    assert store.rids(ALICE.did, "offer") == {"a", "b"}
    assert store.rids(BOB.did, "offer") == {"z"}
    assert [f.author for f in store.feeds()] == sorted([ALICE.did, BOB.did])


def test_migrations_apply_once_and_reopening_keeps_everything(tmp_path, monkeypatch) -> None:
    path = tmp_path / "store.sqlite3"
    first = Store(path)
    entry = first.append_own(ALICE, col="offer", rid="a", body=OFFER)
    top = max(version for version, _ in MIGRATIONS)  # numbers are given out per branch
    assert first.schema_version == top
    first.close()
    extra = (top + 1, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    monkeypatch.setattr(node.store.database, "MIGRATIONS", (*MIGRATIONS, extra))
    for _ in range(2):
        again = Store(path)
        assert again.schema_version == top + 1
        conn = again._conn()
        count = conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()
        assert count == (len(MIGRATIONS) + 1,)
        assert again.line(ALICE.did, 1) == entry.line
        assert again.feed(ALICE.did).head == entry.id
        again.close()


def test_a_file_that_is_not_a_database_is_refused(tmp_path) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"ceci n'est pas une base" * 100)
    with pytest.raises(StoreError, match="inutilisable"):
        Store(path)


def test_two_threads_never_fork_the_own_log(tmp_path) -> None:
    shared = Store(tmp_path / "store.sqlite3")
    second = Store(tmp_path / "store.sqlite3")  # another Store object on the same file
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def write(store: Store, name: str) -> None:
        try:
            start.wait()
            for i in range(50):
                store.append_own(ALICE, col="offer", rid=f"{name}{i}", body=OFFER)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(shared, "t")),
        threading.Thread(target=write, args=(shared, "u")),
        threading.Thread(target=write, args=(second, "v")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(verified(shared, ALICE.did)) == 150
    assert shared.feed(ALICE.did).seq == 150
    shared.close()
    second.close()


def test_two_processes_never_fork_the_own_log(tmp_path) -> None:
    with create_home(tmp_path / "lieu", "Lieu") as home:
        did, path = home.key.did, home.settings.store_path
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(tmp_path / "lieu"), "--seed", str(seed), *COUNT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for seed in (1, 2)
    ]
    for proc in procs:  # both have opened the store before either writes
        assert proc.stdout.readline() == b"ready\n"
    for proc in procs:
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
    writer_of: dict[int, int] = {}
    for number, proc in enumerate(procs):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        writer_of.update((int(line.split()[1]), number) for line in out.splitlines())
    assert sorted(writer_of) == list(range(1, 101))
    order = [writer_of[seq] for seq in range(1, 101)]
    assert sum(a != b for a, b in itertools.pairwise(order)) >= 2  # the writers did interleave
    store = Store(path)
    assert len(verified(store, did)) == 100
    assert store.feed(did).seq == 100
    store.close()
