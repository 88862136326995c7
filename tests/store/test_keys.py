"""The store checks every entry against its feed's key in force, and honours recoveries."""

from __future__ import annotations

from pathlib import Path

from node.store.database import Store
from protocol.entries import Entry
from protocol.keys import SigningKey
from protocol.rotation import COMMIT, RECOVER, ROTATE
from protocol.signing import sign_entry
from protocol.verification import verify_lines
from tests.support.samples import OFFER, TS, key

OWNER, NEXT, RECOVERY, NEW, THIEF = (key(n) for n in ("owner", "next", "recovery", "new", "thief"))
PROFILE = {"name": "La Fabrique", "summary": "Fablab."}


def signed(signer: SigningKey, after: Entry | None, col: str, rid: str, body=None, op="put"):
    body = {} if body is None and op == "put" else body
    return sign_entry(
        signer,
        author=OWNER.did,
        seq=1 if after is None else after.seq + 1,
        prev=None if after is None else after.id,
        col=col,
        rid=rid,
        op=op,
        body=body,
        ts=TS,
    )


def start() -> list[Entry]:
    e1 = signed(OWNER, None, "profile", "profile", PROFILE)
    e2 = signed(OWNER, e1, COMMIT, RECOVERY.did)
    return [e1, e2]


def test_rotation_then_the_retired_key_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    e1, e2 = start()
    e3 = signed(OWNER, e2, ROTATE, NEXT.did)
    e4 = signed(NEXT, e3, "offer", "laser", OFFER)
    old4 = signed(OWNER, e3, "offer", "laser", OFFER)
    assert len(store.append([e1, e2, e3]).stored) == 3
    refused = store.append([old4]).refused
    assert [reason.split(":")[0] for _, reason in refused] == ["retired-key"]
    assert store.append([e4]).stored == [e4]
    assert store.record(OWNER.did, "offer", "laser") is not None
    store.close()
    reopened = Store(tmp_path / "s.sqlite3")  # after a restart: the same key in force
    state = reopened.key_state(OWNER.did)
    assert state.current == NEXT.did and state.recovery == RECOVERY.did
    e5 = signed(OWNER, e4, "offer", "laser", op="del")
    assert [r.split(":")[0] for _, r in reopened.append([e5]).refused] == ["retired-key"]


def test_lines_of_a_rotated_feed_verify_with_the_store_keys(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    e1, e2 = start()
    e3 = signed(OWNER, e2, ROTATE, NEXT.did)
    e4 = signed(NEXT, e3, "offer", "laser", OFFER)
    lines = [e.line for e in (e1, e2, e3, e4)]
    assert [getattr(r, "code", None) for r in verify_lines(lines)][3] == "bad-signature"
    results = verify_lines(lines, store.key_ring())  # the rotation in the batch names NEXT
    assert all(isinstance(r, Entry) for r in results)
    assert len(store.append(results).stored) == 4  # type: ignore[arg-type]


def test_recovery_disowns_the_thiefs_entries_and_folds_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    e1, e2 = start()
    t3 = signed(OWNER, e2, "offer", "arnaque", OFFER)
    t4 = signed(OWNER, t3, "profile", "profile", {"name": "Volé", "summary": "x"})
    store.append([e1, e2, t3, t4])
    assert store.record(OWNER.did, "offer", "arnaque") is not None
    forged = signed(THIEF, e2, RECOVER, THIEF.did)
    assert store.append([forged]).refused  # signed by no key of the feed
    by_owner_key = signed(OWNER, e2, RECOVER, THIEF.did)
    assert store.append([by_owner_key]).refused[0][1].startswith("not-recovery-key")
    r3 = signed(RECOVERY, e2, RECOVER, NEW.did)
    result = store.append([r3])
    assert result.stored == [r3] and result.recovered[0].after == 2
    assert result.recovered[0].disowned == 2
    assert store.record(OWNER.did, "offer", "arnaque") is None
    assert store.record(OWNER.did, "profile", "profile").body == PROFILE  # type: ignore[union-attr]
    assert store.feed(OWNER.did).seq == 3  # type: ignore[union-attr]
    assert [seq for seq, _ in store.disowned(OWNER.did)] == [3, 4]
    t5 = signed(OWNER, t4, "offer", "arnaque", OFFER)
    again = store.append([t3, t5])  # the thief's old entries: refused, not a fork
    assert [r.split(":")[0] for _, r in again.refused] == ["retired-key", "retired-key"]
    assert not again.forks and store.fork(OWNER.did) is None
    n4 = signed(NEW, r3, "offer", "laser", OFFER)
    assert store.append([n4]).stored == [n4]
    assert store.append([r3]).duplicates == 1


def test_recovery_thaws_a_feed_frozen_by_a_fork(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    e1, e2 = start()
    o3 = signed(OWNER, e2, "offer", "laser", OFFER)
    t3 = signed(OWNER, e2, "offer", "arnaque", OFFER)
    store.append([e1, e2, o3])
    assert store.append([t3]).forks
    assert store.fork(OWNER.did) is not None
    r3 = signed(RECOVERY, e2, RECOVER, NEW.did)
    n4 = signed(NEW, r3, "offer", "laser", OFFER)
    result = store.append([e1, e2, r3, n4])  # a page from seq 1: held entries are duplicates
    assert result.stored == [r3, n4] and result.duplicates == 2
    assert store.fork(OWNER.did) is None
    assert {seq for seq, _ in store.disowned(OWNER.did)} == {3}
    assert store.record(OWNER.did, "offer", "arnaque") is None
    assert store.record(OWNER.did, "offer", "laser").seq == 4  # type: ignore[union-attr]


def test_own_entries_are_signed_by_the_key_in_force(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.append_own(OWNER, col="profile", rid="profile", body=PROFILE)
    store.append_own(OWNER, col=ROTATE, rid=NEXT.did, body={})
    entry = store.append_own(NEXT.for_feed(OWNER.did), col="offer", rid="laser", body=OFFER)
    assert entry.author == OWNER.did and entry.signer == NEXT.did
    try:
        store.append_own(OWNER, col="offer", rid="x", body=OFFER)
    except Exception as exc:  # the retired key file must never sign again
        assert "retired-key" in str(exc)
    else:
        raise AssertionError("the retired key signed")


def test_a_rotation_written_by_another_process_is_seen(tmp_path: Path) -> None:
    """The key state a store keeps between writes is read again once the head moved."""
    path = tmp_path / "s.sqlite3"
    server, command = Store(path), Store(path)
    e1, e2 = start()
    server.append([e1, e2])  # the server now knows the state at e2
    e3 = signed(OWNER, e2, ROTATE, NEXT.did)
    command.append([e3])
    e4 = signed(NEXT, e3, "offer", "laser", OFFER)
    assert server.append([e4]).stored == [e4]
    e5 = signed(OWNER, e4, "offer", "laser", op="del")
    assert server.append([e5]).refused[0][1].startswith("retired-key")
