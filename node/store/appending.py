"""Appending to the store: verified entries of peers, and the node's own signed entries.

One transaction per batch (``BEGIN IMMEDIATE``), with ``synchronous=FULL``: once
:meth:`Appending.append` or :meth:`Appending.append_own` returns, the entries survive a
crash, and a crash at any moment leaves either all of a batch or none.

A batch of a bootstrap holds hundreds of entries of a few feeds, one after the other: what
the transaction learns of a feed (its head, whether a fork froze it, its key state, its
day's intake) is kept for the rest of the batch in an :class:`_Batch` rather than read
again for each entry. Nothing else writes those rows inside the transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from node.store.bodies import BodyTables
from node.store.faults import StoreError
from node.store.intake import IntakeTally, Quota, today
from node.store.keys import KeyTables, Recovery, signer_refusal
from node.store.tables import utc_now
from protocol.chains import ForkProof
from protocol.entries import Entry
from protocol.keys import SigningKey
from protocol.rotation import RECOVER, KeyRing, KeyState
from protocol.signing import sign_entry
from protocol.verification import verify_line


@dataclass(slots=True)
class AppendResult:
    """What a batch did: entries stored, entries already held, refusals, forks found."""

    stored: list[Entry] = field(default_factory=list)
    duplicates: int = 0
    refused: list[tuple[Entry, str]] = field(default_factory=list)
    forks: list[ForkProof] = field(default_factory=list)
    #: Entries held withheld (body pending) whose body this batch brought.
    filled: list[Entry] = field(default_factory=list)
    #: Authors whose daily quota refused entries of this batch.
    over_quota: set[str] = field(default_factory=set)
    #: Recoveries applied (SPEC §10.4): entries disowned, records folded again.
    recovered: list[Recovery] = field(default_factory=list)


#: Why an entry was refused when its feed took its day's quota.
OVER_QUOTA = "daily quota reached"
_UNREAD = object()


@dataclass(slots=True)
class _Batch:
    """What one append transaction knows of each feed it wrote to (see the module)."""

    now: str = field(default_factory=lambda: utc_now())  # read when called (tests set it)
    intake: IntakeTally | None = None
    states: dict[str, KeyState] = field(default_factory=dict)
    #: Each feed's (seq, head) as this transaction left it; None: no such feed.
    heads: dict[str, tuple[int, str] | None] = field(default_factory=dict)
    #: Feeds known to be frozen by a fork (True) or not (False).
    frozen: dict[str, bool] = field(default_factory=dict)

    def forget(self, author: str) -> None:
        """A recovery rewrote the feed: read it again."""
        self.states.pop(author, None)
        self.heads.pop(author, None)
        self.frozen.pop(author, None)


class Appending(BodyTables, KeyTables):
    """The appends of :class:`node.store.database.Store`."""

    _key_states: dict[str, tuple[str, KeyState]]

    def append(self, entries: Sequence[Entry], quota: Quota | None = None) -> AppendResult:
        """Store verified entries (of any authors, each feed in seq order), atomically.

        An entry already held is counted as a duplicate; one at a held seq with another id
        is a fork: both lines are kept as proof and the feed accepts nothing more. A new
        feed must start at seq 1; a held feed only grows by its next entry. With a
        ``quota``, a feed that took its day's share is refused more (:data:`OVER_QUOTA`).
        """
        result = AppendResult()
        with self._write() as conn:
            batch = _Batch()
            if quota is not None:
                batch.intake = IntakeTally(conn, quota, today())
            for entry in entries:
                self._append_one(conn, entry, result, batch)
            if batch.intake is not None:
                batch.intake.save()
        return result

    def append_own(
        self,
        key: SigningKey,
        *,
        col: str,
        rid: str | Callable[[set[str]], str],
        op: str = "put",
        body: dict[str, Any] | None = None,
        ts: str | None = None,
    ) -> Entry:
        """Sign and store the next entry of ``key``'s own log, in one transaction.

        ``rid`` may be a function of the rids ever used in ``col`` by ``key``, called inside
        the transaction: a new record id is then unique even among concurrent writers.
        """
        with self._write() as conn:
            if callable(rid):
                rid = rid(rids_used(conn, key.did, col))
            return self._sign_own(conn, key, col, rid, op, body, ts, _Batch())

    def append_own_many(
        self, key: SigningKey, records: Sequence[tuple[str, str, str, dict[str, Any] | None]]
    ) -> list[Entry]:
        """Sign and store ``(col, rid, op, body)`` records as the next entries of ``key``'s
        log, all in one transaction: seq and prev follow on inside it, all or nothing."""
        with self._write() as conn:
            batch = _Batch()
            return [self._sign_own(conn, key, *record, None, batch) for record in records]

    def _sign_own(
        self,
        conn: sqlite3.Connection,
        key: SigningKey,
        col: str,
        rid: str,
        op: str,
        body: dict[str, Any] | None,
        ts: str | None,
        batch: _Batch,
    ) -> Entry:
        head = self._head(conn, key.did, batch)
        seq, prev = (head[0] + 1, head[1]) if head else (1, None)
        entry = sign_entry(key, seq=seq, prev=prev, col=col, rid=rid, op=op, body=body, ts=ts)
        result = AppendResult()
        self._append_one(conn, entry, result, batch)
        if not result.stored:
            reason = result.refused[0][1] if result.refused else str(result)
            raise StoreError(f"l'entrée {seq} n'a pas pu être enregistrée : {reason}")
        return entry

    def _key_state_at(
        self, conn: sqlite3.Connection, author: str, head: tuple[int, str] | None
    ) -> KeyState:
        """The key state of ``author``'s feed at ``head`` (its row in ``feeds``)."""
        kept = self._key_states.get(author)
        if kept is not None and head is not None and kept[0] == head[1]:
            return kept[1]
        return self.key_state(author, conn)

    @staticmethod
    def _head(conn: sqlite3.Connection, author: str, batch: _Batch) -> tuple[int, str] | None:
        head = batch.heads.get(author, _UNREAD)
        if head is _UNREAD:
            row = conn.execute("SELECT seq, head FROM feeds WHERE author = ?", (author,)).fetchone()
            head = batch.heads[author] = (row[0], row[1]) if row else None
        return head  # type: ignore[return-value]

    @staticmethod
    def _frozen(conn: sqlite3.Connection, author: str, batch: _Batch) -> bool:
        frozen = batch.frozen.get(author)
        if frozen is None:
            found = conn.execute("SELECT 1 FROM forks WHERE author = ?", (author,)).fetchone()
            frozen = batch.frozen[author] = found is not None
        return frozen

    def _append_one(
        self, conn: sqlite3.Connection, entry: Entry, result: AppendResult, batch: _Batch
    ) -> None:
        """Store one entry, or say why not. First its signer: the key in force at its seq
        (SPEC §10.4), whoever served it; a recovery then goes its own way, even into a
        feed frozen by a fork."""
        author, seq = entry.author, entry.seq
        head = self._head(conn, author, batch)
        state = batch.states.get(author)
        if state is None:
            state = batch.states[author] = self._key_state_at(conn, author, head)
        if (refusal := signer_refusal(state, entry)) is not None:
            result.refused.append((entry, refusal))
            return
        if entry.col == RECOVER:
            outcome = self._recover(conn, entry, state)
            batch.forget(author)
            if isinstance(outcome, str):
                result.refused.append((entry, outcome))
            elif outcome is None:
                result.duplicates += 1
            else:
                state.apply(entry)
                self._key_states[author] = (entry.id, state)
                result.recovered.append(outcome)
                result.stored.append(entry)
            return
        # past the head, nothing is held: entries are only ever added at the head
        held = None
        if head is None or seq <= head[0]:
            held = conn.execute(
                "SELECT id, line FROM entries WHERE author = ? AND seq = ?", (author, seq)
            ).fetchone()
        if held is not None and held[0] == entry.id:
            if self._fill_body(conn, entry, bytes(held[1])):
                result.filled.append(entry)
            else:
                result.duplicates += 1
            return
        if self._frozen(conn, author, batch):
            result.refused.append((entry, "feed frozen after a fork"))
            return
        if held is not None:
            first = verify_line(bytes(held[1]), KeyRing({author: state}))
            proof = ForkProof(author, seq, first, entry)
            conn.execute(
                "INSERT OR IGNORE INTO forks (author, seq, first_line, second_line, "
                "detected_at) VALUES (?, ?, ?, ?, ?)",
                (author, seq, bytes(held[1]), entry.line, batch.now),
            )
            batch.frozen[author] = True
            result.forks.append(proof)
            return
        if head is None and seq != 1:
            result.refused.append((entry, f"a new feed starts at seq 1, not {seq}"))
            return
        if head is not None and (seq != head[0] + 1 or entry.prev != head[1]):
            result.refused.append((entry, f"seq {seq} does not extend head seq {head[0]}"))
            return
        if batch.intake is not None and not batch.intake.admits(author, len(entry.line)):
            result.refused.append((entry, OVER_QUOTA))
            result.over_quota.add(author)
            return
        now = batch.now
        conn.execute(
            "INSERT INTO entries (author, seq, id, col, rid, op, line, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (author, seq, entry.id, entry.col, entry.rid, entry.op, entry.line, now),
        )
        if head is None:
            conn.execute(
                "INSERT INTO feeds (author, first_seq, seq, head, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (author, seq, seq, entry.id, now),
            )
        else:
            conn.execute(
                "UPDATE feeds SET seq = ?, head = ?, updated_at = ? WHERE author = ?",
                (seq, entry.id, now, author),
            )
        batch.heads[author] = (seq, entry.id)
        if entry.op == "put":
            body = None if entry.body is None else orjson.dumps(entry.body).decode("utf-8")
            conn.execute(
                "INSERT OR REPLACE INTO records (author, col, rid, seq, entry_id, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (author, entry.col, entry.rid, seq, entry.id, body),
            )
        else:
            conn.execute(
                "DELETE FROM records WHERE author = ? AND col = ? AND rid = ?",
                (author, entry.col, entry.rid),
            )
            self._withhold_older(conn, entry)
        state.apply(entry)
        self._key_states[author] = (entry.id, state)
        result.stored.append(entry)


def rids_used(conn: sqlite3.Connection, author: str, col: str) -> set[str]:
    """Every rid ever used in ``col`` by ``author``, deleted ones included."""
    rows = conn.execute(
        "SELECT DISTINCT rid FROM entries WHERE author = ? AND col = ?", (author, col)
    )
    return {row[0] for row in rows}
