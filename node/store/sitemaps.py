"""What the public side needs to describe the whole store cheaply: when it last changed (the
validators of the search pages) and the records of a collection by pages (the sitemaps).

Dates are the node's own (``received_at``, ``updated_at``: when this node stored an entry),
never an entry's ``ts``, which its author chose: a validator must move whenever the content
does.
"""

from __future__ import annotations

from node.store.tables import Tables


class SitemapTables(Tables):
    def newest_update(self) -> str | None:
        """When this node last stored an entry of any feed (UTC, ``…Z``), or None."""
        row = self._conn().execute("SELECT MAX(updated_at) FROM feeds").fetchone()
        return row[0] if row else None

    def record_pages(self, col: str, size: int) -> list[str]:
        """For each page of ``size`` records of :meth:`record_dates`, in order, when its
        newest record was stored: one pass in SQLite, nothing held but a date per page."""
        rows = self._conn().execute(
            "SELECT (n - 1) / ? AS page, MAX(stored) FROM ("
            "  SELECT ROW_NUMBER() OVER (ORDER BY r.author, r.rid) AS n, e.received_at AS stored"
            "  FROM records r JOIN entries e ON e.author = r.author AND e.seq = r.seq"
            "  WHERE r.col = ? AND r.body IS NOT NULL"
            ") GROUP BY page ORDER BY page",
            (size, col),
        )
        return [stored for _, stored in rows]

    def record_dates(self, col: str, offset: int, limit: int) -> list[tuple[str, str, str]]:
        """``(author, rid, stored_at)`` of the current records of ``col`` with a body, ordered
        by author then rid, ``limit`` of them from ``offset``. Reads neither bodies nor lines
        (``records_by_col`` holds the key; the date is one lookup of the entry)."""
        rows = self._conn().execute(
            "SELECT r.author, r.rid, e.received_at FROM records r "
            "JOIN entries e ON e.author = r.author AND e.seq = r.seq "
            "WHERE r.col = ? AND r.body IS NOT NULL ORDER BY r.author, r.rid LIMIT ? OFFSET ?",
            (col, limit, offset),
        )
        return [(author, rid, stored) for author, rid, stored in rows]
