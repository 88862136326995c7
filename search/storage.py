"""The index's files: opening with a check of every segment, its version, the watermarks'
file name (``search.watermarks``)."""

from __future__ import annotations

import os
import shutil
from contextlib import suppress
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage

from search.schema import TEXT_FIELD, build_schema

HEADS_FILE = "heads.json"
#: How documents are made from records (``search.documents``, the analysis, the schema).
#: Raise it when that changes: an index built by an earlier version is then rebuilt at the
#: next start, instead of missing what the new version indexes.
# 3: expires and due (hiding the expired, the order by due date); 4: families, and author
# as a column (search.stats); 5: the codes are columns only (search.schema.Code)
DOCUMENTS_VERSION = 6
VERSION_FILE = "documents-version"


class OutdatedIndex(ValueError):
    """The index was built by an earlier version of the documents: rebuild it."""


def storage_at(path: Path) -> FileStorage:
    """The files of the index at ``path``, read with plain reads rather than mapped into
    memory: the segment files (170 MB at 100,000 offers) then stay in the system's page
    cache instead of counting in the node's own memory, and searches are as fast."""
    return FileStorage(str(path), supports_mmap=False)


def create(path: Path) -> Any:
    """A new, empty index at ``path`` (an existing directory)."""
    return storage_at(path).create_index(build_schema())


def open_checked(path: Path) -> Any:
    """The whoosh index at ``path``, once its schema and every segment's stored fields were
    read (:class:`search.index.SearchIndex` then builds its first view, which reads the
    rest: damage anywhere means a rebuild)."""
    if not windex.exists_in(path):
        raise FileNotFoundError("index absent")
    try:
        version = int((path / VERSION_FILE).read_text("ascii"))
    except (OSError, ValueError):
        version = 1  # before the version was written
    if version != DOCUMENTS_VERSION:
        raise OutdatedIndex(f"documents version {version}, {DOCUMENTS_VERSION} attendue")
    ix = storage_at(path).open_index()
    schema = build_schema()
    if set(ix.schema.names()) != set(schema.names()) or type(ix.schema[TEXT_FIELD]) is not type(
        schema[TEXT_FIELD]
    ):
        raise ValueError("schéma d'une autre version")
    with ix.searcher() as searcher:
        searcher.doc_count()
        for sub, _ in searcher.leaf_searchers():
            if sub.reader().segment() is not None:
                next(iter(sub.reader().all_stored_fields()), None)
    return ix  # the columns and postings are read by the first view (search.engine)


def save_version(path: Path) -> None:
    """Record that the index at ``path`` holds documents of :data:`DOCUMENTS_VERSION`."""
    replace_file(path / VERSION_FILE, str(DOCUMENTS_VERSION).encode("ascii"))


def replace_file(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` at once (through a temporary file, removed if the write
    fails: a full disk keeps the previous file and no partial one)."""
    tmp = target.with_name(f"{target.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def abandon(ix: Any, writer: Any) -> None:
    """Give up ``writer`` after its commit failed (a full disk): the files it wrote, which the
    index's table of contents does not name, are removed while it still holds the index's
    lock, then the lock is released. Never raises: the commit's error is the one to tell."""
    with suppress(Exception):
        toc = ix._read_toc()
        windex.clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
        folder = Path(ix.storage.folder)
        for name in os.listdir(folder):  # a table of contents half written
            if name.startswith(f"_{ix.indexname}_") and ".toc." in name:
                (folder / name).unlink()
        shutil.rmtree(folder / f"{ix.indexname}.tmp", ignore_errors=True)
    with suppress(Exception):
        writer.cancel()
    fields = getattr(writer, "fieldwriter", None)  # a cancel that failed midway leaves them
    for name in ("_postfile", "_tindex"):
        with suppress(Exception):
            getattr(fields, name).close()
    lock = getattr(writer, "writelock", None)
    if lock is not None and getattr(lock, "fd", None) is not None:
        with suppress(Exception):
            lock.release()
