"""What every table group of the store builds on: a connection per thread and one write
transaction at a time (``BEGIN IMMEDIATE``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from node.store.faults import roll_back


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Tables:
    """The base of each table group's mixin; :class:`node.store.database.Store` gives the
    connections."""

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed, or rolled back if anything fails, the commit
        included (a full disk fails at the commit; SQLite may have rolled back already)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            roll_back(conn)
            raise
