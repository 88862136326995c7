"""The ``intake`` table: entries and bytes each feed brought in per day (UTC).

A followed peer may publish (or relay) far more than a small node should take: the quotas
(:class:`Quota`, from the settings) are checked inside the append transaction, so the push
inbox and the pull replicator share one count and cannot race past it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from node.store.tables import Tables


@dataclass(frozen=True, slots=True)
class Quota:
    """At most ``entries`` and ``bytes`` taken from one feed per day."""

    entries: int
    bytes: int


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


class IntakeTables(Tables):
    def intake(self, author: str, day: str | None = None) -> tuple[int, int]:
        """``(entries, bytes)`` taken from ``author``'s feed on ``day`` (today by default)."""
        row = (
            self._conn()
            .execute(
                "SELECT entries, bytes FROM intake WHERE author = ? AND day = ?",
                (author, day or today()),
            )
            .fetchone()
        )
        return (row[0], row[1]) if row else (0, 0)

    def over_quota(self, author: str, quota: Quota) -> bool:
        entries, size = self.intake(author)
        return entries >= quota.entries or size >= quota.bytes


class IntakeTally:
    """The day's intake of the feeds one append transaction takes from: each feed's row
    read once, counted in memory entry by entry, written back by :meth:`save` (inside the
    same transaction, before its commit)."""

    def __init__(self, conn: sqlite3.Connection, quota: Quota, day: str) -> None:
        self._conn, self._quota, self._day = conn, quota, day
        self._counts: dict[str, list[int]] = {}
        conn.execute("DELETE FROM intake WHERE day < ?", (day,))

    def admits(self, author: str, size: int) -> bool:
        """Count one entry of ``size`` bytes for ``author``, if the quota allows it."""
        counts = self._counts.get(author)
        if counts is None:
            row = self._conn.execute(
                "SELECT entries, bytes FROM intake WHERE author = ? AND day = ?",
                (author, self._day),
            ).fetchone()
            counts = self._counts[author] = [row[0], row[1], 0] if row else [0, 0, 0]
        if counts[0] + 1 > self._quota.entries or counts[1] + size > self._quota.bytes:
            return False
        counts[0] += 1
        counts[1] += size
        counts[2] = 1  # changed: to save
        return True

    def save(self) -> None:
        for author, (entries, size, changed) in self._counts.items():
            if changed:
                self._conn.execute(
                    "INSERT INTO intake (author, day, entries, bytes) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (author, day) DO UPDATE SET entries = ?, bytes = ?",
                    (author, self._day, entries, size, entries, size),
                )
