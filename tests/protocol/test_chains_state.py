from __future__ import annotations

import pytest

from protocol.chains import ChainSet, ForkError
from protocol.errors import ProtocolError
from protocol.signing import sign_entry
from protocol.state import FeedState, fold
from protocol.verification import verify_line
from tests.support.samples import OFFER, TS, chain, key

ALICE = key("alice")


def test_chain_accepts_a_log_and_rejects_gaps_bad_links_and_repeats() -> None:
    entries = chain(
        ALICE,
        [("profile", "profile", {"name": "A"})] + [("offer", f"o{i}", OFFER) for i in range(4)],
    )
    chains = ChainSet()
    for entry in entries[:3]:
        chains.append(entry)
    with pytest.raises(ProtocolError, match="bad-seq"):
        chains.append(entries[4])  # a gap
    with pytest.raises(ProtocolError, match="bad-seq"):
        chains.append(entries[2])  # same entry again
    chains.append(entries[3])
    chains.append(entries[4])  # refused while out of order, accepted in its place
    wrong_prev = sign_entry(
        ALICE, seq=6, prev=entries[0].id, col="offer", rid="z", body=OFFER, ts=TS
    )
    with pytest.raises(ProtocolError) as caught:
        chains.append(wrong_prev)
    assert caught.value.code == "bad-prev"


def test_a_refused_but_signed_entry_still_proves_a_fork() -> None:
    entries = chain(ALICE, [("offer", str(i), OFFER) for i in range(3)])
    other = sign_entry(ALICE, seq=3, prev=entries[0].id, col="offer", rid="z", body=OFFER, ts=TS)
    chains = ChainSet()
    chains.append(entries[0])
    chains.append(entries[1])
    with pytest.raises(ProtocolError, match="bad-prev"):
        chains.append(other)
    with pytest.raises(ForkError) as caught:
        chains.append(entries[2])
    assert {caught.value.proof.first.id, caught.value.proof.second.id} == {other.id, entries[2].id}


def test_fork_keeps_both_entries_as_proof() -> None:
    entries = chain(ALICE, [("offer", "a", OFFER), ("offer", "b", OFFER)])
    other = sign_entry(ALICE, seq=2, prev=entries[0].id, col="offer", rid="c", body=OFFER, ts=TS)
    chains = ChainSet()
    chains.append(entries[0])
    chains.append(entries[1])
    with pytest.raises(ForkError) as caught:
        chains.append(other)
    proof = caught.value.proof
    assert caught.value.code == "fork"
    assert {proof.first.id, proof.second.id} == {entries[1].id, other.id}
    lines = proof.to_json()["entries"]
    assert [verify_line(line.encode()).seq for line in lines] == [2, 2]


def test_first_entry_of_an_author_may_start_anywhere() -> None:
    entries = chain(ALICE, [("offer", str(i), OFFER) for i in range(5)])
    chains = ChainSet()
    chains.append(entries[3])
    chains.append(entries[4])
    with pytest.raises(ProtocolError, match="bad-seq"):
        chains.append(entries[2])


def test_authors_are_independent() -> None:
    a = chain(ALICE, [("offer", "x", OFFER)] * 2)
    b = chain(key("bob"), [("offer", "x", OFFER)] * 2)
    chains = ChainSet()
    for entry in (a[0], b[0], b[1], a[1]):
        chains.append(entry)


def test_state_highest_seq_wins_and_del_removes() -> None:
    entries = chain(
        ALICE,
        [
            ("profile", "profile", {"name": "Fablab"}),
            ("offer", "laser", OFFER),
            ("offer", "laser", dict(OFFER, title="Découpe laser v2")),
            ("offer", "couture", dict(OFFER, title="Couture")),
            ("offer", "couture", None),
        ],
    )
    state = fold(entries)[ALICE.did]
    assert state.get("offer", "laser").body["title"] == "Découpe laser v2"
    assert state.get("offer", "couture") is None
    assert [r.rid for r in state.of("offer")] == ["laser"]
    # applied in any order, the result is the same
    shuffled = FeedState(ALICE.did)
    for entry in reversed(entries):
        shuffled.apply(entry)
    assert shuffled.records == state.records
    assert not shuffled.apply(entries[1])  # older than what is held: no change


def test_withheld_put_is_known_without_content() -> None:
    put = chain(ALICE, [("offer", "laser", OFFER)])[0]
    state = fold([put.without_body()])[ALICE.did]
    record = state.get("offer", "laser")
    assert record.withheld and record.entry_id == put.id


def test_state_refuses_another_author() -> None:
    with pytest.raises(ValueError):
        FeedState(key("bob").did).apply(chain(ALICE, [("offer", "x", OFFER)])[0])
