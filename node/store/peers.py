"""The ``peers`` table: each node this one polls, how its last polls went, its validators.

The rules (what is due, the backoff, the statuses) are :mod:`node.federation.peers`'s; this
module only reads and writes the rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from node.store.tables import Tables, utc_now


class PeerTables(Tables):
    def peer_rows(self) -> list[tuple[Any, ...]]:
        """``(url, did, status, failures, next_poll, last_success, feeds_etag, feeds_body)``
        of every peer, by URL."""
        return (
            self._conn()
            .execute(
                "SELECT url, did, status, failures, next_poll, last_success, feeds_etag, "
                "feeds_body FROM peers ORDER BY url"
            )
            .fetchall()
        )

    def peer_succeeded(
        self,
        url: str,
        status: str,
        next_poll: float,
        did: str | None,
        etag: str | None,
        body: bytes | None,
    ) -> None:
        now = utc_now()
        with self._write() as conn:
            _ensure(conn, url)
            conn.execute(
                "UPDATE peers SET status = ?, failures = 0, next_poll = ?, last_attempt = ?, "
                "last_success = ?, failing_since = NULL, did = COALESCE(?, did), "
                "feeds_etag = COALESCE(?, feeds_etag), feeds_body = COALESCE(?, feeds_body) "
                "WHERE url = ?",
                (status, next_poll, now, now, did, etag, body, url),
            )

    def peer_failed(
        self, url: str, status: str, next_poll_after: Callable[[int], float]
    ) -> tuple[str | None, int]:
        """Count one more failure; ``next_poll_after(failures)`` gives the next poll time.
        Returns the status and failures the peer had before."""
        with self._write() as conn:
            _ensure(conn, url)
            previous, failures = conn.execute(
                "SELECT status, failures FROM peers WHERE url = ?", (url,)
            ).fetchone()
            now = utc_now()
            conn.execute(
                "UPDATE peers SET status = ?, failures = ?, next_poll = ?, last_attempt = ?, "
                "failing_since = COALESCE(failing_since, ?) WHERE url = ?",
                (status[:300], failures + 1, next_poll_after(failures + 1), now, now, url),
            )
        return previous, failures

    def peer_reachability(self) -> list[tuple[str, int, str | None, str | None]]:
        """``(did, failures, last_success, failing_since)`` of each peer whose did is known
        (the rule of an unreachable place is :mod:`node.federation.peers`'s)."""
        return (
            self._conn()
            .execute(
                "SELECT did, failures, last_success, failing_since FROM peers WHERE did IS NOT NULL"
            )
            .fetchall()
        )

    def remember_peer(self, url: str, did: str | None) -> None:
        """Add ``url`` (due at once), or make it due at once."""
        with self._write() as conn:
            _ensure(conn, url)
            conn.execute(
                "UPDATE peers SET did = COALESCE(?, did), next_poll = 0 WHERE url = ?", (did, url)
            )


def _ensure(conn: sqlite3.Connection, url: str) -> None:
    conn.execute("INSERT OR IGNORE INTO peers (url) VALUES (?)", (url,))
