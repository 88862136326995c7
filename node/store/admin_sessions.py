"""The admin area's secrets: login tokens and sessions, in ``HOME/admin.sqlite3``.

A file of its own, mode 0600: secrets stay out of the store that is backed up and copied.
Only SHA-256 hashes of the tokens and session ids are kept, with their expiry, so reading
the file does not give a session. The rules of the login are in :mod:`node.admin.auth`.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from node.store.admin_limits import DEFAULT_LINK_MINUTES
from node.store.faults import os_failure, roll_back, sqlite_failure

ADMIN_FILE = "admin.sqlite3"
#: What ``secrets.token_urlsafe(32)`` gives: anything else is refused before any lookup.
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS login_tokens "
    "(hash TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS sessions "
    "(hash TEXT PRIMARY KEY, created_at REAL NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID",
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def well_formed(secret: object) -> bool:
    return isinstance(secret, str) and _SECRET.fullmatch(secret) is not None


class AdminSessions:
    """Login tokens and sessions of one node, in ``HOME/admin.sqlite3``.

    Every method is blocking (SQLite): the server calls them in a worker thread. ``clock``
    gives the time in seconds (tests move it forward).
    """

    def __init__(
        self, home: Path, session_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = home / ADMIN_FILE
        self.session_seconds = session_seconds
        self.clock = clock

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the file; a fault of the home (full disk, folder in read-only
        mode, damaged file) raises the :class:`~node.store.faults.StoreError` saying so."""
        try:
            if not self.path.exists():  # created private before SQLite opens it
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    owner = os.stat(self.path.parent)
                    if os.geteuid() == 0 and owner.st_uid != 0:  # root ran admin-link: the
                        os.fchown(fd, owner.st_uid, owner.st_gid)  # node's user must open it
                finally:
                    os.close(fd)
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    roll_back(conn)
                    raise
            finally:
                conn.close()
        except sqlite3.Error as exc:
            failure = sqlite_failure(exc, self.path)
            if failure is None:
                raise
            raise failure from exc
        except OSError as exc:
            failure = os_failure(exc, self.path)
            if failure is None:
                raise
            raise failure from exc

    def _purge(self, conn: sqlite3.Connection, now: float) -> None:
        conn.execute("DELETE FROM login_tokens WHERE expires_at <= ?", (now,))
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))

    def issue_token(self, minutes: float = DEFAULT_LINK_MINUTES) -> str:
        """A new one-time login token, valid ``minutes``; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._transaction() as conn:
            self._purge(conn, now)
            conn.execute(
                "INSERT INTO login_tokens (hash, expires_at) VALUES (?, ?)",
                (_digest(token), now + minutes * 60),
            )
        return token

    def token_valid(self, token: object) -> bool:
        """Whether ``token`` would open a session now (it is not used up by asking)."""
        if not well_formed(token):
            return False
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT expires_at FROM login_tokens WHERE hash = ?", (_digest(str(token)),)
            ).fetchone()
        return row is not None and row[0] > self.clock()

    def consume_token(self, token: object) -> str | None:
        """Use ``token`` up and open a session: its id, or None if the token is not valid."""
        if not well_formed(token):
            return None
        now = self.clock()
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT expires_at FROM login_tokens WHERE hash = ?", (_digest(str(token)),)
            ).fetchone()
            conn.execute("DELETE FROM login_tokens WHERE hash = ?", (_digest(str(token)),))
            if row is None or row[0] <= now:
                return None
            self._purge(conn, now)
            session = secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO sessions (hash, created_at, expires_at) VALUES (?, ?, ?)",
                (_digest(session), now, now + self.session_seconds),
            )
        return session

    def session_valid(self, session: object) -> bool:
        if not well_formed(session):
            return False
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT expires_at FROM sessions WHERE hash = ?", (_digest(str(session)),)
            ).fetchone()
        return row is not None and row[0] > self.clock()

    def end_session(self, session: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE hash = ?", (_digest(session),))
