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


def admits(conn: sqlite3.Connection, author: str, size: int, quota: Quota, day: str) -> bool:
    """Count one entry of ``size`` bytes for ``author`` on ``day``, if the quota allows it
    (inside the caller's write transaction)."""
    row = conn.execute(
        "SELECT entries, bytes FROM intake WHERE author = ? AND day = ?", (author, day)
    ).fetchone()
    entries, taken = row if row else (0, 0)
    if entries + 1 > quota.entries or taken + size > quota.bytes:
        return False
    conn.execute(
        "INSERT INTO intake (author, day, entries, bytes) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (author, day) DO UPDATE SET entries = ?, bytes = ?",
        (author, day, entries + 1, taken + size, entries + 1, taken + size),
    )
    return True
