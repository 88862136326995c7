"""SQLite connections of the store: one per thread, each statement under its own lock."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any


class _Rows(list):
    """The rows of a finished query (a list, with ``fetchone`` for single-row queries)."""

    def fetchone(self) -> Any:
        return self[0] if self else None

    def fetchall(self) -> list[Any]:
        return self


class _LockedConnection(sqlite3.Connection):
    """A connection whose every statement runs, and is fully fetched, under its own lock.

    Each thread has its own connection, so the lock is uncontended, except when
    :meth:`Store.close` (from another thread, at shutdown) must wait for a statement in
    flight instead of closing the connection under it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()

    def execute(self, sql: str, parameters: Any = ()) -> _Rows:  # type: ignore[override]
        with self.lock:
            return _Rows(super().execute(sql, parameters).fetchall())

    def close(self) -> None:
        with self.lock:
            super().close()


class Connections:
    """One connection per thread to the database at ``path`` (WAL, synchronous=FULL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # Each connection is used by its own thread only; close() may run in another
            # (the server reads through asyncio.to_thread workers, then closes at exit).
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                timeout=30.0,
                check_same_thread=False,
                factory=_LockedConnection,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
