"""Crashes of the search index at chosen points, and what the index holds, for comparison.

:func:`crash_after` makes the ``n``-th call of a write point raise :class:`Crash`: "save"
crashes after a commit, before its watermark is saved (the batch is redone); "write"
crashes in the middle of a batch, before its commit (what it wrote is given up). A
crashed index is closed without anything more, as the system does after ``kill -9``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from node.store.database import Store
from search.index import SearchIndex
from search.model import parse_params


class Crash(BaseException):
    """The process died here (not an Exception: nothing may catch it on the way)."""


@contextlib.contextmanager
def crash_after(index: SearchIndex, point: str, n: int) -> Iterator[None]:
    name = {"save": "_save_marks", "write": "_put"}[point]
    original = getattr(index, name)
    calls = [0]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == n:
            raise Crash(f"{point} #{n}")
        return original(*args, **kwargs)

    setattr(index, name, wrapped)
    try:
        yield
    finally:
        with contextlib.suppress(AttributeError):
            delattr(index, name)


def documents(index: SearchIndex) -> dict[str, dict[str, Any]]:
    """Every document's stored fields by key (a duplicate key fails)."""
    out: dict[str, dict[str, Any]] = {}
    with index._search_lock:
        for fields in index._searcher.reader().all_stored_fields():
            assert fields["key"] not in out, f"document {fields['key']} twice"
            out[fields["key"]] = fields
    return out


def answers(index: SearchIndex, *queries: str) -> list[list[tuple[str, str, str]]]:
    out = []
    for q in queries:
        result = index.search(parse_params({"q": q, "per_page": "100"}))
        out.append(sorted((h.author, h.col, h.rid) for h in result.hits))
    return out


def rebuilt(store: Store, where: Path) -> SearchIndex:
    index, _ = SearchIndex.build(where, store)
    return index
