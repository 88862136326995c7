"""The keys of the feeds held: who may sign each next entry, and recoveries (SPEC §10.4).

A feed's key state is a function of its stored key entries (``key.rotate``, ``key.commit``,
``key.recover``), read with one indexed query: nothing to keep in step, and a follower
resumes after a restart with the key in force. A recovery moves the entries it disowns to
the ``disowned`` table (kept as evidence, never served nor indexed) and folds the feed's
records again from what remains.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import orjson

from node.store.tables import Tables, utc_now
from protocol.entries import Entry, entry_id
from protocol.errors import ProtocolError
from protocol.rotation import COMMIT, RECOVER, ROTATE, KeyRing, KeyState

_KEY_ROWS = "SELECT seq, col, rid FROM entries WHERE author = ? AND col IN (?, ?, ?) ORDER BY seq"


@dataclass(frozen=True, slots=True)
class Recovery:
    """A recovery this node applied: the feed keeps its entries up to ``after``."""

    author: str
    after: int
    disowned: int


class KeyTables(Tables):
    def key_state(self, author: str, conn: sqlite3.Connection | None = None) -> KeyState:
        """The key state of ``author``'s feed as held (its own key when never rotated)."""
        rows = (conn or self._conn()).execute(_KEY_ROWS, (author, ROTATE, COMMIT, RECOVER))
        return KeyState.replay(author, rows)

    def key_ring(self) -> KeyRing:
        """The keys to try when verifying lines of the feeds held (loaded as met)."""
        return KeyRing(load=self.key_state)

    def recovered_after(self, author: str) -> int | None:
        """The seq after which the last recovery of ``author``'s feed disowned everything."""
        row = (
            self._conn()
            .execute("SELECT MAX(seq) FROM entries WHERE author = ? AND col = ?", (author, RECOVER))
            .fetchone()
        )
        return None if row[0] is None else row[0] - 1

    def disowned(self, author: str) -> list[tuple[int, str]]:
        """``(seq, id)`` of the entries of ``author`` that a recovery disowned."""
        rows = self._conn().execute(
            "SELECT seq, id FROM disowned WHERE author = ? ORDER BY seq, id", (author,)
        )
        return [(row[0], row[1]) for row in rows]

    def _recover(
        self, conn: sqlite3.Connection, entry: Entry, state: KeyState
    ) -> Recovery | str | None:
        """Apply a recovery whose signer was checked: a :class:`Recovery`, None when it is
        already held, else why it is refused. A feed frozen by a fork after ``after`` is
        thawed: the fork proofs are disowned with the rest."""
        author, seq, after = entry.author, entry.seq, entry.seq - 1
        held = conn.execute(
            "SELECT id FROM entries WHERE author = ? AND seq = ?", (author, seq)
        ).fetchone()
        if held is not None and held[0] == entry.id:
            return None
        if seq <= state.recovered:
            return f"bad-seq: a recovery at seq {seq} would disown the one at {state.recovered}"
        kept = conn.execute(
            "SELECT id FROM entries WHERE author = ? AND seq = ?", (author, after)
        ).fetchone()
        if kept is None:
            return f"bad-seq: a recovery after seq {after}, which is not held"
        if kept[0] != entry.prev:
            return f"bad-prev: prev {entry.prev} is not the id of seq {after}"
        now = utc_now()
        gone = conn.execute(
            "SELECT COUNT(*) FROM entries WHERE author = ? AND seq > ?", (author, after)
        ).fetchone()[0]
        conn.execute(
            "INSERT OR IGNORE INTO disowned (author, seq, id, line, recovery, disowned_at) "
            "SELECT author, seq, id, line, ?, ? FROM entries WHERE author = ? AND seq > ?",
            (entry.id, now, author, after),
        )
        for fork_seq, first, second in conn.execute(
            "SELECT seq, first_line, second_line FROM forks WHERE author = ? AND seq > ?",
            (author, after),
        ).fetchall():
            for line in (first, second):
                conn.execute(
                    "INSERT OR IGNORE INTO disowned (author, seq, id, line, recovery, "
                    "disowned_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (author, fork_seq, _id_of(bytes(line)), bytes(line), entry.id, now),
                )
        conn.execute("DELETE FROM forks WHERE author = ? AND seq > ?", (author, after))
        conn.execute("DELETE FROM entries WHERE author = ? AND seq > ?", (author, after))
        conn.execute(
            "INSERT INTO entries (author, seq, id, col, rid, op, line, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (author, seq, entry.id, entry.col, entry.rid, entry.op, entry.line, now),
        )
        conn.execute(
            "UPDATE feeds SET seq = ?, head = ?, updated_at = ? WHERE author = ?",
            (seq, entry.id, now, author),
        )
        _refold(conn, author)
        return Recovery(author, after, gone)


def _id_of(line: bytes) -> str:
    return entry_id(orjson.loads(line)["header"])


def _refold(conn: sqlite3.Connection, author: str) -> None:
    """The records of ``author`` folded again from the entries held (SPEC §11.1)."""
    latest: dict[tuple[str, str], tuple[int, str, str, bytes]] = {}
    for seq, col, rid, op, held_id, line in conn.execute(
        "SELECT seq, col, rid, op, id, line FROM entries WHERE author = ? ORDER BY seq",
        (author,),
    ):
        latest[(col, rid)] = (seq, op, held_id, bytes(line))
    conn.execute("DELETE FROM records WHERE author = ?", (author,))
    for (col, rid), (seq, op, held_id, line) in latest.items():
        if op != "put":
            continue
        body = orjson.loads(line)["body"]
        text = None if body is None else orjson.dumps(body).decode("utf-8")
        conn.execute(
            "INSERT INTO records (author, col, rid, seq, entry_id, body) VALUES (?, ?, ?, ?, ?, ?)",
            (author, col, rid, seq, held_id, text),
        )


def signer_refusal(state: KeyState, entry: Entry) -> str | None:
    """Why ``entry``'s signer may not sign it at its seq (``code: message``), or None."""
    try:
        state.check_signer(entry)
    except ProtocolError as error:
        return f"{error.code}: {error.message}"
    return None
