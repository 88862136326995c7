"""The node's store: SQLite in WAL mode, explicit SQL, numbered migrations.

It holds every entry line verbatim, each feed's head, the current records folded from the
entries, and fork proofs. Appending is one transaction per batch (``BEGIN IMMEDIATE``), with
``synchronous=FULL``: once :meth:`Store.append` or :meth:`Store.append_own` returns, the
entries survive a crash, and a crash at any moment leaves either all of a batch or none.

Connections are per thread. Writes from several processes (the ``maillage`` command while
the server runs) are serialised by SQLite's write lock; inside the server every write goes
through one writer thread (``node.writer``).

A store whose folder cannot be written (a read-only mount, another user's home) opens read
only when its schema is up to date: reading commands work, and the first write raises
:class:`~node.store.faults.ReadOnly`. Every fault of the home (full disk, damaged file…) is a
:class:`StoreError` whose message says what to do (:mod:`node.store.faults`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from node.store.bodies import BodyTables
from node.store.connections import Connections
from node.store.faults import Damaged, DiskFull, ReadOnly, StoreError, why_read_only
from node.store.index_reads import IndexReads
from node.store.index_reads import record_of_row as _record
from node.store.intake import IntakeTables, Quota, admits, today
from node.store.keys import KeyTables, Recovery, signer_refusal
from node.store.migrations import MIGRATIONS
from node.store.mutes import MuteTables
from node.store.need_reads import NeedReads
from node.store.peers import PeerTables
from node.store.push_subscriptions import PushTables
from node.store.sitemaps import SitemapTables
from node.store.tables import utc_now
from protocol.chains import ForkProof
from protocol.entries import Entry
from protocol.errors import ProtocolError
from protocol.keys import SigningKey
from protocol.rotation import RECOVER, KeyRing, KeyState
from protocol.signing import sign_entry
from protocol.state import Record
from protocol.verification import verify_line


@dataclass(frozen=True, slots=True)
class FeedHead:
    author: str
    first_seq: int
    seq: int
    head: str
    updated_at: str


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


class Store(
    BodyTables,
    PeerTables,
    PushTables,
    IntakeTables,
    SitemapTables,
    IndexReads,
    NeedReads,
    MuteTables,
    KeyTables,
):
    """The store of a home: the feeds' tables here, the others' in their mixins."""

    def __init__(self, path: Path, *, allow_read_only: bool = True) -> None:
        """Open (and migrate) the database at ``path``. If its folder cannot be written or
        the disk is full, it is opened read only, unless not ``allow_read_only`` (a serving
        node, which must write): then the :class:`ReadOnly` or :class:`DiskFull` is raised."""
        self.path = path
        #: Opened read only: the folder cannot be written, or the disk is full (every write
        #: raises the :class:`ReadOnly` or :class:`DiskFull` that says so).
        self.read_only = False
        self._refusal: type[ReadOnly | DiskFull] | None = None
        #: Key state per feed, with the head it is the state at: read again from the key
        #: entries whenever the head differs (another process wrote, a write rolled back).
        self._key_states: dict[str, tuple[str, KeyState]] = {}
        self._connections = Connections(path)
        try:
            try:
                self._migrate()
            except (ReadOnly, DiskFull) as exc:
                if not allow_read_only:
                    raise
                self._connections.close()
                self._open_read_only(type(exc))
        except sqlite3.DatabaseError as exc:
            self._connections.close()
            raise StoreError(f"base de données {path} inutilisable : {exc}") from None
        except BaseException:
            self._connections.close()
            raise

    # -- connections ------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    def close(self) -> None:
        self._connections.close()

    def _migrate(self) -> None:
        conn = self._conn()
        if not _pending(conn):  # up to date: nothing written, no write lock taken
            return
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        with self._write() as conn:
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, sql in MIGRATIONS:
                if version in done:
                    continue
                for statement in sql.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (version, utc_now()),
                )

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        if self._refusal is not None:  # opened read only: say why, before SQLite refuses
            raise self._refusal(self.path)
        return super()._write()

    def _open_read_only(self, refusal: type[ReadOnly | DiskFull]) -> None:
        """Read the store of a folder this process cannot write (or of a full disk), if
        nothing must be migrated; writes raise ``refusal``."""
        self._connections = Connections(self.path, read_only=True)
        self.read_only, self._refusal = True, refusal
        if _pending(self._conn()):
            if refusal is DiskFull:
                raise DiskFull(self.path)
            folder = self.path.parent
            raise ReadOnly(
                self.path,
                f"la base de données {self.path} doit être mise à jour pour cette version de "
                f"Maillage, mais le dossier {folder} est en lecture seule "
                f"({why_read_only(folder)}) ; rien n'a été écrit",
            )

    @property
    def schema_version(self) -> int:
        row = self._conn().execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return row[0] or 0

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """The rows of one read statement: for tests and diagnosis only (the node's own
        reads are methods of the table groups)."""
        return self._conn().execute(sql, parameters).fetchall()

    # -- reading ----------------------------------------------------------------------

    def feeds(self) -> list[FeedHead]:
        rows = self._conn().execute(
            "SELECT author, first_seq, seq, head, updated_at FROM feeds ORDER BY author"
        )
        return [FeedHead(*row) for row in rows]

    def feed(self, author: str) -> FeedHead | None:
        row = (
            self._conn()
            .execute(
                "SELECT author, first_seq, seq, head, updated_at FROM feeds WHERE author = ?",
                (author,),
            )
            .fetchone()
        )
        return FeedHead(*row) if row else None

    def lines(self, author: str, after: int = 0, limit: int = 500) -> list[bytes]:
        """The verbatim lines of ``author`` with seq > ``after``, in seq order."""
        rows = self._conn().execute(
            "SELECT line FROM entries WHERE author = ? AND seq > ? ORDER BY seq LIMIT ?",
            (author, after, limit),
        )
        return [bytes(row[0]) for row in rows]

    def page_extent(
        self, author: str, after: int, limit: int, max_bytes: int
    ) -> list[tuple[int, int]]:
        """``(seq, size)`` of the lines of a page: those of ``author`` with seq > ``after``,
        in seq order, at most ``limit`` of them and at most ``max_bytes`` of lines with their
        newlines, but always the first one. Only sizes are read (SQLite's ``length()`` of a
        blob does not load it), never the lines."""
        rows = self._conn().execute(
            "SELECT seq, length(line) FROM entries WHERE author = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (author, after, limit),
        )
        extent: list[tuple[int, int]] = []
        total = 0
        for seq, size in rows:
            total += size + 1
            if extent and total > max_bytes:
                break
            extent.append((seq, size))
        return extent

    def line(self, author: str, seq: int) -> bytes | None:
        row = (
            self._conn()
            .execute("SELECT line FROM entries WHERE author = ? AND seq = ?", (author, seq))
            .fetchone()
        )
        return bytes(row[0]) if row else None

    def records(self, col: str | None = None, author: str | None = None) -> list[Record]:
        sql = "SELECT author, col, rid, seq, entry_id, body FROM records WHERE 1 = 1"
        params: list[Any] = []
        if col is not None:
            sql += " AND col = ?"
            params.append(col)
        if author is not None:
            sql += " AND author = ?"
            params.append(author)
        rows = self._conn().execute(sql + " ORDER BY author, col, rid", params)
        return [_record(row, self.path) for row in rows]

    def record(self, author: str, col: str, rid: str) -> Record | None:
        row = (
            self._conn()
            .execute(
                "SELECT author, col, rid, seq, entry_id, body FROM records "
                "WHERE author = ? AND col = ? AND rid = ?",
                (author, col, rid),
            )
            .fetchone()
        )
        return _record(row, self.path) if row else None

    def rids(self, author: str, col: str) -> set[str]:
        """Every rid ever used in ``col`` by ``author``, deleted ones included."""
        return _rids(self._conn(), author, col)

    def fork(self, author: str) -> ForkProof | None:
        row = (
            self._conn()
            .execute(
                "SELECT seq, first_line, second_line FROM forks WHERE author = ? ORDER BY seq",
                (author,),
            )
            .fetchone()
        )
        if row is None:
            return None
        ring = KeyRing({author: self.key_state(author)})
        try:  # both lines were verified before they were stored
            first, second = verify_line(bytes(row[1]), ring), verify_line(bytes(row[2]), ring)
        except ProtocolError as exc:
            raise Damaged(self.path, f"preuve de fourche de {author} illisible : {exc}") from None
        return ForkProof(author, row[0], first, second)

    # -- writing ----------------------------------------------------------------------

    def append(self, entries: Sequence[Entry], quota: Quota | None = None) -> AppendResult:
        """Store verified entries (of any authors, each feed in seq order), atomically.

        An entry already held is counted as a duplicate; one at a held seq with another id
        is a fork: both lines are kept as proof and the feed accepts nothing more. A new
        feed must start at seq 1; a held feed only grows by its next entry. With a
        ``quota``, a feed that took its day's share is refused more (:data:`OVER_QUOTA`).
        """
        result = AppendResult()
        day = today()
        states: dict[str, KeyState] = {}
        with self._write() as conn:
            if quota is not None:
                conn.execute("DELETE FROM intake WHERE day < ?", (day,))
            for entry in entries:
                self._append_one(conn, entry, result, quota, day, states)
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
                rid = rid(_rids(conn, key.did, col))
            return self._sign_own(conn, key, col, rid, op, body, ts)

    def append_own_many(
        self, key: SigningKey, records: Sequence[tuple[str, str, str, dict[str, Any] | None]]
    ) -> list[Entry]:
        """Sign and store ``(col, rid, op, body)`` records as the next entries of ``key``'s
        log, all in one transaction: seq and prev follow on inside it, all or nothing."""
        with self._write() as conn:
            states: dict[str, KeyState] = {}  # the key state read once for the batch
            return [self._sign_own(conn, key, *record, states=states) for record in records]

    def _sign_own(
        self,
        conn: sqlite3.Connection,
        key: SigningKey,
        col: str,
        rid: str,
        op: str,
        body: dict[str, Any] | None,
        ts: str | None = None,
        *,
        states: dict[str, KeyState] | None = None,
    ) -> Entry:
        row = conn.execute("SELECT seq, head FROM feeds WHERE author = ?", (key.did,)).fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, None)
        entry = sign_entry(key, seq=seq, prev=prev, col=col, rid=rid, op=op, body=body, ts=ts)
        result = AppendResult()
        self._append_one(conn, entry, result, states=states)
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

    def _append_one(
        self,
        conn: sqlite3.Connection,
        entry: Entry,
        result: AppendResult,
        quota: Quota | None = None,
        day: str = "",
        states: dict[str, KeyState] | None = None,
    ) -> None:
        """Store one entry, or say why not. First its signer: the key in force at its seq
        (SPEC §10.4), whoever served it; a recovery then goes its own way, even into a
        feed frozen by a fork."""
        author, seq = entry.author, entry.seq
        states = {} if states is None else states
        head = conn.execute("SELECT seq, head FROM feeds WHERE author = ?", (author,)).fetchone()
        state = states.get(author)
        if state is None:
            state = states[author] = self._key_state_at(conn, author, head)
        if (refusal := signer_refusal(state, entry)) is not None:
            result.refused.append((entry, refusal))
            return
        if entry.col == RECOVER:
            outcome = self._recover(conn, entry, state)
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
        held = conn.execute(
            "SELECT id, line FROM entries WHERE author = ? AND seq = ?", (author, seq)
        ).fetchone()
        if held is not None and held[0] == entry.id:
            if self._fill_body(conn, entry, bytes(held[1])):
                result.filled.append(entry)
            else:
                result.duplicates += 1
            return
        if conn.execute("SELECT 1 FROM forks WHERE author = ?", (author,)).fetchone():
            result.refused.append((entry, "feed frozen after a fork"))
            return
        if held is not None:
            first = verify_line(bytes(held[1]), KeyRing({author: state}))
            proof = ForkProof(author, seq, first, entry)
            conn.execute(
                "INSERT OR IGNORE INTO forks (author, seq, first_line, second_line, "
                "detected_at) VALUES (?, ?, ?, ?, ?)",
                (author, seq, bytes(held[1]), entry.line, utc_now()),
            )
            result.forks.append(proof)
            return
        if head is None and seq != 1:
            result.refused.append((entry, f"a new feed starts at seq 1, not {seq}"))
            return
        if head is not None and (seq != head[0] + 1 or entry.prev != head[1]):
            result.refused.append((entry, f"seq {seq} does not extend head seq {head[0]}"))
            return
        if quota is not None and not admits(conn, author, len(entry.line), quota, day):
            result.refused.append((entry, OVER_QUOTA))
            result.over_quota.add(author)
            return
        now = utc_now()
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


def _rids(conn: sqlite3.Connection, author: str, col: str) -> set[str]:
    rows = conn.execute(
        "SELECT DISTINCT rid FROM entries WHERE author = ? AND col = ?", (author, col)
    )
    return {row[0] for row in rows}


def _pending(conn: sqlite3.Connection) -> bool:
    """Whether some migration is still to apply to the database of ``conn``."""
    if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone():
        return True
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    return any(version not in done for version, _ in MIGRATIONS)
