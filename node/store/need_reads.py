"""The read of the urgent needs held (the banner and feed « Besoins urgents »).

One query over the ``records_by_col`` index: the needs whose ``urgency`` is one of the levels
asked, with the date this node stored each one (its entry's ``received_at``: the node's own
clock, never the author's ``ts``) and its author's profile (the place's name and town).
Whether a need is still current is the caller's rule (``search.urgency``), not SQL's: bodies
come from peers, and one rule reads them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from node.store.faults import Damaged
from node.store.index_reads import record_of_row
from protocol.state import Record


@dataclass(frozen=True, slots=True)
class HeldNeed:
    record: Record
    stored_at: str  # when this node stored it (UTC, ``…Z``)
    profile: dict[str, Any] | None  # its author's profile body, if held


class NeedReads:
    path: Path

    def _conn(self) -> sqlite3.Connection:  # pragma: no cover - provided by Store
        raise NotImplementedError

    def needs_of_urgency(self, levels: Sequence[str]) -> list[HeldNeed]:
        """The needs held whose body's ``urgency`` is in ``levels``, newest stored first."""
        marks = ", ".join("?" for _ in levels)
        rows = self._conn().execute(
            "SELECT n.author, n.col, n.rid, n.seq, n.entry_id, n.body, e.received_at, p.body "
            "FROM records n INDEXED BY records_by_col "
            "JOIN entries e ON e.author = n.author AND e.seq = n.seq "
            "LEFT JOIN records p ON p.author = n.author AND p.col = 'profile' "
            "AND p.rid = 'profile' "
            f"WHERE n.col = 'need' AND json_extract(n.body, '$.urgency') IN ({marks}) "
            "ORDER BY e.received_at DESC, n.author, n.rid",
            list(levels),
        )
        return [HeldNeed(record_of_row(row, self.path), row[6], self._body(row)) for row in rows]

    def _body(self, row: Sequence[Any]) -> dict[str, Any] | None:
        try:  # written by this node from a dict: unreadable means the file was damaged
            profile = None if row[7] is None else orjson.loads(row[7])
        except orjson.JSONDecodeError:
            raise Damaged(self.path, f"profil de {row[0]} illisible") from None
        return profile if isinstance(profile, dict) else None
