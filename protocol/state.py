"""Fold a log into current records: per (col, rid) the highest-seq entry wins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from protocol.entries import Entry


@dataclass(frozen=True, slots=True)
class Record:
    """The current record of one (author, col, rid). ``body`` is None when withheld."""

    author: str
    col: str
    rid: str
    seq: int
    entry_id: str
    body: dict[str, Any] | None

    @property
    def withheld(self) -> bool:
        return self.body is None


class FeedState:
    """The records of one author's log; entries may be applied in any order."""

    def __init__(self, author: str) -> None:
        self.author = author
        self.records: dict[tuple[str, str], Record] = {}
        self._latest: dict[tuple[str, str], int] = {}  # highest seq seen, dels included

    def apply(self, entry: Entry) -> bool:
        """Apply ``entry``; return True when it changed the state."""
        if entry.author != self.author:
            raise ValueError(f"entry of {entry.author} applied to the state of {self.author}")
        key = (entry.col, entry.rid)
        if self._latest.get(key, 0) >= entry.seq:
            return False
        self._latest[key] = entry.seq
        if entry.op == "del":
            self.records.pop(key, None)
        else:
            self.records[key] = Record(
                entry.author, entry.col, entry.rid, entry.seq, entry.id, entry.body
            )
        return True

    def get(self, col: str, rid: str) -> Record | None:
        return self.records.get((col, rid))

    def of(self, col: str) -> list[Record]:
        return sorted((r for r in self.records.values() if r.col == col), key=lambda r: r.rid)


def fold(entries: Iterable[Entry]) -> dict[str, FeedState]:
    """The state of every author appearing in ``entries``."""
    states: dict[str, FeedState] = {}
    for entry in entries:
        state = states.get(entry.author)
        if state is None:
            state = states[entry.author] = FeedState(entry.author)
        state.apply(entry)
    return states
