"""One fix to whoosh(-reloaded), applied on import.

``W3PerDocReader._cached_reader`` caches the length column of a field only when it exists:
for an unscored field (ids, keywords) every call stats the column file again, and the
segment writer calls it once per posting: a third of the time of a bulk build. A segment's
files never change once written, so the absence is cached too.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec import whoosh3

_original = whoosh3.W3PerDocReader._cached_reader


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self._readers[fieldname] = _original(self, fieldname, column)
        return reader


if not getattr(whoosh3.W3PerDocReader, "_maillage_patched", False):
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3PerDocReader._maillage_patched = True
