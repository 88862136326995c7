"""SQLite connections of the store: one per thread, each statement under its own lock.

A statement that fails because of the home (a full disk, a damaged file, a folder that
cannot be written) raises the :class:`~node.store.faults.StoreError` that says so in French.
A store opened ``read_only`` (its folder cannot be written, or the disk is full) uses
``mode=ro`` connections; when SQLite cannot even create the ``-shm`` file that WAL mode reads
through, and no ``-wal`` holds writes yet to be copied into the file, it opens the file
``immutable``: no other process has the database open then (it would have created the
``-shm``), and none could write it without creating the ``-wal`` either.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from node.store.faults import (
    DiskFull,
    ReadOnly,
    StoreError,
    sqlite_failure,
    user_name,
    why_read_only,
)


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
        #: The database file, named in the errors a statement raises.
        self.store_path: Path | None = None

    def execute(self, sql: str, parameters: Any = ()) -> _Rows:  # type: ignore[override]
        with self.lock:
            try:
                return _Rows(super().execute(sql, parameters).fetchall())
            except sqlite3.Error as exc:
                failure = None if self.store_path is None else sqlite_failure(exc, self.store_path)
                if failure is None:
                    raise
                raise failure from exc

    def close(self) -> None:
        with self.lock:
            super().close()


class Connections:
    """One connection per thread to the database at ``path`` (WAL, synchronous=FULL), or,
    ``read_only``, connections that can only read it."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._immutable: bool | None = None  # read only: decided at the first connection
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open_read_only() if self.read_only else self._open()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _connect(self, target: str | Path, uri: bool = False) -> _LockedConnection:
        # Each connection is used by its own thread only; close() may run in another
        # (the server reads through asyncio.to_thread workers, then closes at exit).
        try:
            conn = sqlite3.connect(
                target,
                isolation_level=None,
                timeout=30.0,
                check_same_thread=False,
                factory=_LockedConnection,
                uri=uri,
            )
        except sqlite3.Error as exc:
            failure = sqlite_failure(exc, self.path)
            if failure is None:
                raise
            raise failure from exc
        assert isinstance(conn, _LockedConnection)
        conn.store_path = self.path
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = self._connect(self.path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        if not os.access(self.path, os.R_OK):
            raise StoreError(
                f"base de données {self.path} illisible : l'utilisateur {user_name()} n'a pas "
                "le droit de la lire",
                "lancez la commande en tant qu'utilisateur du nœud (propriétaire du dossier)",
            )
        if self._immutable is None:
            try:
                conn = self._read_only_connection(immutable=False)
            except (ReadOnly, DiskFull) as exc:  # no -shm, and it cannot be created
                wal = Path(f"{self.path}-wal")
                if wal.exists() and wal.stat().st_size > 0:
                    if isinstance(exc, DiskFull):
                        raise
                    raise ReadOnly(
                        self.path,
                        f"la base de données {self.path} a des écritures récentes dans {wal} "
                        f"que SQLite ne peut lire sans créer {self.path}-shm, mais le dossier "
                        f"{self.path.parent} est en lecture seule "
                        f"({why_read_only(self.path.parent)})",
                    ) from None
                self._immutable = True
            else:
                self._immutable = False
                return conn
        return self._read_only_connection(immutable=self._immutable)

    def _read_only_connection(self, immutable: bool) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
        conn = self._connect(uri, uri=True)
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA schema_version")  # reads the file (and the WAL) now
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
