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
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.store.appending import OVER_QUOTA, Appending, AppendResult, rids_used
from node.store.connections import Connections
from node.store.faults import Damaged, DiskFull, ReadOnly, StoreError, why_read_only
from node.store.index_reads import IndexReads
from node.store.index_reads import record_of_row as _record
from node.store.intake import IntakeTables
from node.store.migrations import MIGRATIONS
from node.store.mutes import MuteTables
from node.store.need_reads import NeedReads
from node.store.peers import PeerTables
from node.store.push_subscriptions import PushTables
from node.store.sitemaps import SitemapTables
from node.store.tables import utc_now
from protocol.chains import ForkProof
from protocol.errors import ProtocolError
from protocol.rotation import KeyRing, KeyState
from protocol.state import Record
from protocol.verification import verify_line


@dataclass(frozen=True, slots=True)
class FeedHead:
    author: str
    first_seq: int
    seq: int
    head: str
    updated_at: str


__all__ = ["OVER_QUOTA", "AppendResult", "FeedHead", "Store", "StoreError"]


class Store(
    Appending,
    PeerTables,
    PushTables,
    IntakeTables,
    SitemapTables,
    IndexReads,
    NeedReads,
    MuteTables,
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
        return rids_used(self._conn(), author, col)

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


def _pending(conn: sqlite3.Connection) -> bool:
    """Whether some migration is still to apply to the database of ``conn``."""
    if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone():
        return True
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    return any(version not in done for version, _ in MIGRATIONS)
