"""Up to where the index follows each feed: its watermark, kept in ``heads.json``.

For each feed, :class:`Mark` says that every entry up to ``seq`` (whose id is ``head``) is
in the index, that its documents carry the place of the profile stored at ``place``, and,
while ``scan`` is not None, that a pass over the feed's records is under way (``scan`` is
the last key done, "" before the first). ``complete`` is False while an index is being
built from nothing: it searches only once every feed was gone through once.

The file is replaced whole after each batch is committed to the index; a crash between the
two only makes the next start redo that batch, which gives the same documents (every
document is made from the store as it is, never from the entry that moved it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson

from search.storage import HEADS_FILE, replace_file

FORMAT = 2


@dataclass
class Mark:
    seq: int = 0
    head: str = ""
    place: int = 0
    scan: str | None = None
    frozen: bool = False
    #: The pass was started on no document of the feed (a new feed, a rebuild): its records
    #: are added, not updated, once its first batch in a process is done.
    fresh: bool = False


@dataclass
class Marks:
    complete: bool = True
    feeds: dict[str, Mark] = field(default_factory=dict)


def read_marks(path: Path) -> Marks:
    """The watermarks of the index at ``path``; raises if they are missing or unreadable
    (the index is then rebuilt). A file of the first format (``{did: seq}``) is read as
    feeds indexed up to seq, whose head and place are checked at the next catch-up."""
    data = orjson.loads((path / HEADS_FILE).read_bytes())
    if not isinstance(data, dict):
        raise ValueError(HEADS_FILE)
    if data.get("format") != FORMAT:  # {did: seq}: head unknown, place unknown (rechecked)
        return Marks(True, {str(k): Mark(seq=int(v), head="?", place=-1) for k, v in data.items()})
    feeds = {str(k): Mark(**v) for k, v in data["feeds"].items()}
    return Marks(bool(data["complete"]), feeds)


def save_marks(path: Path, marks: Marks) -> None:
    data = {
        "format": FORMAT,
        "complete": marks.complete,
        "feeds": {did: asdict(mark) for did, mark in marks.feeds.items()},
    }
    replace_file(path / HEADS_FILE, orjson.dumps(data))
