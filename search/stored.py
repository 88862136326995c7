"""The stored fields of a segment's documents (what a hit shows), read from the file.

whoosh reads a document's stored fields through four layers (the pickled column, the
compressed column, the byte column, then a seek and a read on the segment's part of the
compound file): ~31 µs a hit at 100,000 records, of which decompressing and unpickling are
~15. :class:`StoredColumn` keeps the column's offsets and lengths (whoosh reads them when
it opens the column) and reads a document's bytes with one ``os.pread`` on the compound
file, which moves no file position, then decompresses and unpickles them as whoosh does.
An index whose storage is not a plain file (tests in memory) is read by whoosh.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

from whoosh.codec.whoosh3 import STORED_COLUMN


def stored_fields(reader: Any, docnum: int) -> dict[str, Any]:
    """The stored fields of document ``docnum`` of a segment, from its stored column:
    whoosh's ``stored_fields`` (through the whole index's reader, then filtering the names
    by the schema) was a third of the ~30 µs a hit cost. A hit reads only schema fields."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None:
        return reader.stored_fields(docnum)
    return perdoc.stored_fields(docnum)


class StoredColumn:
    """The stored fields of the documents of one segment reader (call it with a document
    number of the segment)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._file: Any = None
        try:
            column = reader._perdoc._cached_reader("_stored", STORED_COLUMN)
            raw = column._child  # the compressed byte column under the pickled one
            part = raw._dbfile.file  # the segment's part of the compound file
            whole = part._file
            if not hasattr(os, "pread") or not hasattr(whole, "fileno"):
                return
            self._fd = whole.fileno()
            self._base = part._offset + raw._basepos
            self._offsets, self._lengths = raw._offsets, raw._lengths
            self._decompress = raw._decompress
            self._file = whole
        except (AttributeError, OSError, ValueError):
            self._file = None

    def __call__(self, docnum: int) -> dict[str, Any]:
        whole = self._file
        if whole is None or whole.closed:  # a closed file raises, as whoosh would
            return stored_fields(self._reader, docnum)
        length = self._lengths[docnum]
        if not length:
            return {}
        data = os.pread(self._fd, length, self._base + self._offsets[docnum])
        value = self._decompress(data)
        return (pickle.loads(value) if value else None) or {}
