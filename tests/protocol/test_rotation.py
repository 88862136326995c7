"""Rotations and recoveries across batches, paths and withheld bodies (SPEC §10.4).

The vectors pin the verdicts of short streams; here the same rules hold when a rotation
falls anywhere in a batch of parallel signature checks, on the exact path, on either fast
path, and when a key entry's body is withheld.
"""

from __future__ import annotations

import io

import pytest

from protocol import verification
from protocol.entries import Entry
from protocol.keys import SigningKey
from protocol.rotation import COMMIT, RECOVER, ROTATE, KeyRing, KeyState
from protocol.signing import sign_entry
from protocol.stream import BATCH, verify_stream
from tests.support.samples import OFFER, TS, key

OWNER, NEXT, RECOVERY, NEW = (key(n) for n in ("owner", "next", "recovery", "new"))


def feed(rotate_at: int, length: int) -> tuple[list[Entry], list[Entry]]:
    """OWNER's feed of ``length`` entries with a rotation to NEXT at seq ``rotate_at``, and
    for each seq after it the same entry signed by OWNER (retired there)."""
    entries: list[Entry] = []
    retired: list[Entry] = []
    for seq in range(1, length + 1):
        signer = OWNER if seq <= rotate_at else NEXT
        col, rid = (ROTATE, NEXT.did) if seq == rotate_at else ("offer", f"o{seq}")
        fields = dict(seq=seq, prev=entries[-1].id if entries else None, col=col, rid=rid, ts=TS)
        body = {} if col == ROTATE else OFFER
        entries.append(sign_entry(signer, author=OWNER.did, body=body, **fields))
        if seq > rotate_at:
            retired.append(sign_entry(OWNER, body=body, **fields))
    return entries, retired


def verdicts(lines: list[bytes]) -> list[str]:
    data = b"".join(line + b"\n" for line in lines)
    return ["ok" if v.ok else v.error.code for v in verify_stream(io.BytesIO(data))]


@pytest.mark.parametrize("rotate_at", [1, 2, BATCH - 1, BATCH, BATCH + 1, 2 * BATCH - 3])
def test_a_rotation_anywhere_in_a_batch(rotate_at: int) -> None:
    entries, retired = feed(rotate_at, 2 * BATCH)
    assert verdicts([e.line for e in entries]) == ["ok"] * len(entries)
    # The retired key's version of the entry after the rotation, then the real one.
    lines = [e.line for e in entries[:rotate_at]] + [retired[0].line, entries[rotate_at].line]
    assert verdicts(lines) == ["ok"] * rotate_at + ["retired-key", "ok"]


def test_exact_and_fast_paths_agree_on_a_rotated_feed(monkeypatch) -> None:
    entries, retired = feed(5, 40)
    lines = [e.line for e in entries[:20]] + [retired[19].line] + [e.line for e in entries[20:]]
    expected = verdicts(lines)
    assert expected.count("retired-key") == 1 and expected.count("ok") == 40
    monkeypatch.setattr(verification, "_jcs", None)  # the orjson fast path
    assert verdicts(lines) == expected
    monkeypatch.setattr(verification, "_fast_check_py", lambda line: None)  # exact only
    assert verdicts(lines) == expected


def test_a_withheld_key_entry_still_rotates() -> None:
    entries, _ = feed(3, 6)
    withheld = [e.without_body() if e.col == ROTATE else e for e in entries]
    assert verdicts([e.line for e in withheld]) == ["ok"] * 6


def test_the_signer_is_the_key_that_verified() -> None:
    entries, _ = feed(2, 4)
    ring = KeyRing()
    results = verification.verify_lines([e.line for e in entries], ring)
    assert [r.signer for r in results] == [OWNER.did, OWNER.did, NEXT.did, NEXT.did]  # type: ignore[union-attr]
    alone = verification.verify_lines([entries[3].line])  # no key state: the author's key
    assert getattr(alone[0], "code", None) == "bad-signature"


def signed(signer: SigningKey, seq: int, prev: Entry | None, col: str, rid: str) -> Entry:
    return sign_entry(
        signer,
        author=OWNER.did,
        seq=seq,
        prev=prev.id if prev else None,
        col=col,
        rid=rid,
        body={} if col.startswith("key.") else OFFER,
        ts=TS,
    )


def test_the_key_state_after_a_recovery() -> None:
    e1 = signed(OWNER, 1, None, "profile", "profile")
    e2 = signed(OWNER, 2, e1, COMMIT, RECOVERY.did)
    e3 = signed(OWNER, 3, e2, ROTATE, NEXT.did)
    r3 = signed(RECOVERY, 3, e2, RECOVER, NEW.did)
    state = KeyState.replay(OWNER.did, [(2, COMMIT, RECOVERY.did), (3, ROTATE, NEXT.did)])
    assert (state.key_at(3), state.key_at(4), state.recovery) == (OWNER.did, NEXT.did, RECOVERY.did)
    state.apply(r3)  # disowns the rotation at 3
    assert [state.key_at(s) for s in (2, 3, 4)] == [OWNER.did, RECOVERY.did, NEW.did]
    assert state.recovered == 3 and NEXT.did in state.known()
    assert verdicts([e1.line, e2.line, e3.line, r3.line, e3.line]) == [
        "ok",
        "ok",
        "ok",
        "ok",
        "retired-key",  # the disowned rotation again: at seq 3 only the recovery holds
    ]
