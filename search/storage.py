"""The index's files: opening with a check of every segment, and the indexed feed heads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
from whoosh import index as windex

from search.query import Columns
from search.schema import build_schema

HEADS_FILE = "heads.json"


def open_checked(path: Path) -> Any:
    """The whoosh index at ``path``, once something of every segment was read."""
    if not windex.exists_in(path):
        raise FileNotFoundError("index absent")
    ix = windex.open_dir(path)
    if set(ix.schema.names()) != set(build_schema().names()):
        raise ValueError("schéma d'une autre version")
    with ix.searcher() as searcher:
        searcher.doc_count()
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            if reader.segment() is None:
                continue
            for name in Columns.FIELDS:
                list(reader.column_reader(name))
            next(iter(reader.all_stored_fields()), None)
    return ix


def read_heads(path: Path) -> dict[str, int]:
    """Up to which seq each feed was indexed."""
    data = orjson.loads((path / HEADS_FILE).read_bytes())
    if not isinstance(data, dict):
        raise ValueError(HEADS_FILE)
    return {str(k): int(v) for k, v in data.items()}


def save_heads(path: Path, heads: dict[str, int]) -> None:
    tmp = path / f"{HEADS_FILE}.tmp"
    tmp.write_bytes(orjson.dumps(heads))
    os.replace(tmp, path / HEADS_FILE)
