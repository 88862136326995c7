"""What the public side needs to describe the whole store cheaply: when it last changed (the
validators of the search pages) and the records of a collection by pages (the sitemaps).

Dates are the node's own (``updated_at``: when this node last stored an entry of a feed),
never an entry's ``ts``, which its author chose: a validator must move whenever the content
does. A record's date is its feed's: reading the entry's own ``received_at`` would read its
line too (it comes first in the row), 100 MB for 100,000 records; here every query is
answered from the ``records_by_col`` index and the small ``feeds`` table, never a body or
a line. A record whose body is pending (SPEC §11.3, rare and brief) is listed too.
"""

from __future__ import annotations

from node.store.tables import Tables

_PAGE = (
    "SELECT r.author, r.rid, f.updated_at FROM records r INDEXED BY records_by_col "
    "JOIN feeds f ON f.author = r.author WHERE r.col = ?"
)


class SitemapTables(Tables):
    def newest_update(self) -> str | None:
        """When this node last stored an entry of any feed (UTC, ``…Z``), or None."""
        row = self._conn().execute("SELECT MAX(updated_at) FROM feeds").fetchone()
        return row[0] if row else None

    def record_pages(self, col: str, size: int) -> list[str]:
        """For each page of ``size`` records of :meth:`record_dates`, in order, its newest
        date: one pass over the index, nothing held but a date per page."""
        rows = self._conn().execute(
            "SELECT (n - 1) / ? AS page, MAX(stored) FROM ("
            "  SELECT ROW_NUMBER() OVER (ORDER BY r.author, r.rid) AS n, f.updated_at AS stored"
            "  FROM records r INDEXED BY records_by_col JOIN feeds f ON f.author = r.author"
            "  WHERE r.col = ?"
            ") GROUP BY page ORDER BY page",
            (size, col),
        )
        return [stored for _, stored in rows]

    def record_dates(self, col: str, offset: int, limit: int) -> list[tuple[str, str, str]]:
        """``(author, rid, date)`` of the current records of ``col``, ordered by author then
        rid, ``limit`` of them from ``offset``."""
        rows = self._conn().execute(
            _PAGE + " ORDER BY r.author, r.rid LIMIT ? OFFSET ?", (col, limit, offset)
        )
        return [(author, rid, stored) for author, rid, stored in rows]
