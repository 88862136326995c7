"""The reads of the search index's catch-up (``search.catchup``): bounded, in seq or key order.

The index catches up with the store a batch at a time: the keys of the entries after its
watermark, the records of a feed after a key, the id of the entry at a seq, the frozen feeds.
Each read is one indexed query of at most ``limit`` rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from node.store.faults import Damaged
from protocol.state import Record


class IndexReads:
    path: Path

    def _conn(self) -> sqlite3.Connection:  # pragma: no cover - provided by Store
        raise NotImplementedError

    def entry_keys(self, author: str, after: int, limit: int) -> list[tuple[int, str, str, str]]:
        """``(seq, col, rid, id)`` of the entries of ``author`` with seq > ``after``, in seq
        order, at most ``limit`` of them (no line is read)."""
        rows = self._conn().execute(
            "SELECT seq, col, rid, id FROM entries WHERE author = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (author, after, limit),
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    def entry_id(self, author: str, seq: int) -> str | None:
        row = (
            self._conn()
            .execute("SELECT id FROM entries WHERE author = ? AND seq = ?", (author, seq))
            .fetchone()
        )
        return row[0] if row else None

    def records_after(
        self, author: str, cols: Iterable[str], after: tuple[str, str] | None, limit: int
    ) -> list[Record]:
        """The records of ``author`` in ``cols`` whose (col, rid) comes after ``after`` (all
        of them for None), in (col, rid) order, at most ``limit`` of them."""
        names = sorted(cols)
        marks = ", ".join("?" for _ in names)
        sql = (
            "SELECT author, col, rid, seq, entry_id, body FROM records "
            f"WHERE author = ? AND col IN ({marks})"
        )
        params: list[object] = [author, *names]
        if after is not None:
            sql += " AND (col, rid) > (?, ?)"
            params += [after[0], after[1]]
        rows = self._conn().execute(sql + " ORDER BY col, rid LIMIT ?", [*params, limit])
        return [record_of_row(row, self.path) for row in rows]

    def entry_times(self, author: str, seqs: Sequence[int]) -> dict[int, Any]:
        """The header ``ts`` of the entries of ``author`` at ``seqs`` (None where absent or
        not JSON), read by SQLite: the catch-up would otherwise read and parse each whole
        line again, body included, for one short field."""
        if not seqs:
            return {}
        marks = ", ".join("?" for _ in seqs)
        rows = self._conn().execute(
            "SELECT seq, CASE WHEN json_valid(CAST(line AS TEXT)) "
            "THEN json_extract(CAST(line AS TEXT), '$.header.ts') END "
            f"FROM entries WHERE author = ? AND seq IN ({marks})",
            (author, *seqs),
        )
        return {row[0]: row[1] for row in rows}

    def forked_authors(self) -> set[str]:
        """The feeds frozen by a fork."""
        return {row[0] for row in self._conn().execute("SELECT DISTINCT author FROM forks")}


def record_of_row(row: Sequence[Any], path: Path) -> Record:
    try:  # written by this node from a dict: unreadable means the file was damaged
        body = None if row[5] is None else orjson.loads(row[5])
    except orjson.JSONDecodeError:
        raise Damaged(path, f"fiche {row[1]}/{row[2]} de {row[0]} illisible") from None
    return Record(row[0], row[1], row[2], row[3], row[4], body)
