"""What a search needs of one index segment, read once: segments never change once written.

For each segment of the whoosh index, :class:`SegmentData` holds, as sets of its documents
(``search.bitsets``): the documents of each filter value (collection, category, enjeu,
department, region, family of place), of each 0.5° cell of latitude and longitude, and of
each frequent term of the text field (read when an opened index is first searched, or for
the segments made since, at the term's first search), with that term's postings (document
numbers and weights) for scoring. It also keeps the per-document values searches read
(coordinates, date, claim, author, enjeux) and the text length of each document. Only the
deletions of a segment can change; they are applied at search time (:meth:`SegmentData.live`).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from itertools import accumulate
from typing import Any, NamedTuple

from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from search import bitsets
from search.schema import TEXT_FIELD, WORDS_FIELD

#: Filterable fields (kept as sets of documents per value: per last day for ``expires``),
#: and the fields whose values are kept per document (distances, the "recent" and
#: « échéance » orders, claims).
FILTER_FIELDS = ("col", "category", "enjeux", "department", "region", "expires", "families")
VALUE_FIELDS = ("geo", "updated", "due", "claim", "author", "enjeux")
#: Filter fields holding several codes, comma-separated (a set per code).
LIST_FIELDS = frozenset({"enjeux", "families"})
#: A term of the text field in at least this share of a segment's documents (and at least
#: ``MIN_FREQUENT`` of them) is kept by the segment once searched; rarer terms are read
#: at each search (the view keeps the last ones searched: ``search.engine``).
FREQUENT_SHARE = 1 / 400
MIN_FREQUENT = 64
#: A frequent term's set is kept when it holds at least one in this many of the segment's
#: documents (a set costs a bit per document of the segment, a posting 3 bytes); a rarer
#: one's set is made from its postings when searched.
DENSE_RATIO = 24
CELL_DEGREES = 0.5
#: The field of the distinct words a misspelt word is corrected to.
SPELLING_FIELD = WORDS_FIELD

Postings = tuple[array, array]  # document numbers ("I" or "H"), weights ("f" or "B")
#: The sets of each value of each filter field, and of each 0.5° cell (``SegmentData.sets``).
Sets = tuple[dict[str, dict[str, int]], dict[tuple[int, int], int]]


class TextTerm(NamedTuple):
    """A text term over a whole view: its postings per segment holding it, as
    ``(offset, segment size, postings)`` with the segment's own document numbers (never
    joined: joining and renumbering them was half of a search at 350,000 records), its
    number of documents and its set."""

    parts: list[tuple[int, int, Postings]]
    count: int
    bits: int


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


def read_postings(reader: Any, field: str, text: Any) -> Postings:
    """Every posting of ``field:text`` in a segment (deleted documents included)."""
    ids, weights = array("I"), array("f")
    try:
        if (field, text) not in reader:
            return ids, weights
        matcher = reader.postings(field, text)
    except Exception:  # a term the field cannot encode
        return ids, weights
    inner = getattr(matcher, "child", matcher)  # a FilterMatcher hiding deleted documents
    if hasattr(inner, "_read_data") and hasattr(inner, "_next_block"):
        while inner.is_active():
            inner._read_data()
            inner._read_weights()
            ids.extend(accumulate(inner._data[0]))
            weights.extend(inner._weights)
            inner._next_block()
    else:  # inlined postings, or another matcher
        while inner.is_active():
            ids.append(inner.id())
            weights.append(inner.weight())
            inner.next()
    return ids, weights


def read_positions(reader: Any, field: str, text: str, docs: list[int]) -> dict[int, list[int]]:
    """The positions of ``field:text`` in each of ``docs`` (sorted) that holds it; posting
    blocks holding none of ``docs`` are skipped without being decoded."""
    out: dict[int, list[int]] = {}
    try:
        if (field, text) not in reader:
            return out
        matcher = reader.postings(field, text)
    except Exception:  # a term the field cannot encode
        return out
    inner = getattr(matcher, "child", matcher)
    decode = reader.schema[field].format.decode_positions
    wanted = set(docs)
    if not (hasattr(inner, "_read_data") and hasattr(inner, "block_max_id")):
        while inner.is_active():
            if inner.id() in wanted:
                out[inner.id()] = list(inner.value_as("positions"))
            inner.next()
        return out
    at = 0  # the first of docs not yet behind us
    while inner.is_active() and at < len(docs):
        last = inner.block_max_id()
        if docs[at] <= last:
            inner._read_data()
            inner._read_values()
            for d, value in zip(accumulate(inner._data[0]), inner._values, strict=False):
                if d in wanted:
                    out[d] = decode(value)
            at = bisect_right(docs, last, at)
        inner._next_block()
    return out


def column_values(reader: Any, name: str) -> list[str]:
    """The values of a text column, one per document, read in one piece when the column is
    whoosh's variable-length one (its reader would seek and read once per document); equal
    values share one string."""
    column = reader.column_reader(name, translate=False)
    raw = getattr(column, "raw_column", lambda: column)()
    lengths = getattr(raw, "_lengths", None)
    if not isinstance(raw, columns.VarBytesColumn.Reader) or lengths is None:
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in column]
    data = raw._dbfile.get(raw._basepos, sum(lengths)) if len(lengths) else b""
    ends = list(accumulate(lengths))
    shared: dict[bytes, str] = {}
    out = []
    for start, end in zip([0, *ends], ends, strict=False):
        value = data[start:end]
        text = shared.get(value)
        if text is None:
            text = shared[value] = value.decode("utf-8")
        out.append(text)
    return out


def text_lengths(reader: Any, size: int) -> array:
    """The length of each document's text field (as whoosh stores it, one byte each)."""
    column = reader._perdoc._cached_reader(_lenfield(TEXT_FIELD), LENGTHS_COLUMN)
    if isinstance(column, columns.FixedBytesColumn.Reader) and column._fixedlen == 1:
        stored = column._dbfile.get(column._basepos, column._count) if column._count else b""
        return array("I", map(byte_to_length, stored.ljust(size, b"\0")[:size]))
    return array("I", (reader.doc_field_length(d, TEXT_FIELD, 0) for d in range(size)))


def _parse_geo(value: str) -> tuple[float, float] | None:
    if not value:
        return None
    lat, _, lon = value.partition(",")
    return float(lat), float(lon)


def _compact(postings: Postings, size: int) -> Postings:
    """``postings`` in the smallest arrays that hold them exactly: document numbers of a
    segment of at most 65,536 documents in 2 bytes, whole weights below 256 (a title word
    counts 3, a tag 2: almost every weight) in 1; 3 bytes a posting instead of 8, for the
    postings of the frequent terms a process keeps (114 MB of 382 at 350,000 records)."""
    ids, weights = postings
    if size <= 1 << 16:
        ids = array("H", ids)
    if weights and min(weights) >= 0 and max(weights) < 256:
        small = array("B", map(int, weights))
        if array("f", small) == weights:
            weights = small
    return ids, weights


class SegmentData:
    """The search data of one segment (``reader`` is a whoosh segment reader)."""

    def __init__(self, reader: Any, eager: bool = False) -> None:
        self.size = size = reader.doc_count_all()
        values = {name: column_values(reader, name) for name in VALUE_FIELDS}
        points: dict[str, tuple[float, float] | None] = {}  # a place's offers share a point
        values["geo"] = [
            points[v] if v in points else points.setdefault(v, _parse_geo(v)) for v in values["geo"]
        ]
        self.values = values
        masks: dict[str, dict[str, int]] = {}
        for name in FILTER_FIELDS:
            groups: dict[str, list[int]] = {}
            column = values[name] if name in values else column_values(reader, name)
            for d, value in enumerate(column):
                for code in value.split(",") if name in LIST_FIELDS else (value,):
                    if code:
                        groups.setdefault(code, []).append(d)
            masks[name] = {v: bitsets.from_ids(ids, size) for v, ids in groups.items()}
        cells: dict[tuple[int, int], list[int]] = {}
        for d, point in enumerate(values["geo"]):
            if point is not None:
                cells.setdefault(cell_of(*point), []).append(d)
        #: the sets of each filter value and of each cell: the segment's own, or where a
        #: view holds them combined with the other segments' (:meth:`lend`)
        self._sets: Sets | None = (
            masks,
            {c: bitsets.from_ids(ids, size) for c, ids in cells.items()},
        )
        self._lent: tuple[Sets, int] | None = None
        self.lengths = text_lengths(reader, size)
        #: the postings (and, if dense, the set) of each frequent term: all of them read
        #: now if ``eager`` (the segments of an index just opened, so that no search pays
        #: for them), else each at its first search (a node filling up loads a new segment
        #: every few seconds, and most of its terms are never searched)
        self.frequent: dict[str, tuple[Postings, int | None]] = {}
        self._frequent_from = max(MIN_FREQUENT, size * FREQUENT_SHARE)
        if eager:
            for term, info in reader.iter_field(TEXT_FIELD):
                if info.doc_frequency() >= self._frequent_from:
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    self._keep(text, _compact(read_postings(reader, TEXT_FIELD, text), size))
        self._live = (size, bitsets.full(size))
        self._vocabulary: tuple[list[str], list[int]] | None = None

    def sets(self) -> Sets:
        """The sets of each filter value (per field) and of each 0.5° cell: the segment's
        own, or taken out of the combined sets of the view they were lent to."""
        if self._sets is not None:
            return self._sets
        assert self._lent is not None
        (masks, cells), offset = self._lent
        part = bitsets.full(self.size)

        def take(combined: dict[Any, int]) -> dict[Any, int]:
            out = {}
            for key, bits in combined.items():
                mine = (bits >> offset) & part
                if mine:
                    out[key] = mine
            return out

        return {name: take(sets) for name, sets in masks.items()}, take(cells)

    def lend(self, combined: Sets, offset: int) -> None:
        """Let the segment's own sets go: a view holds them at ``offset`` in ``combined``,
        its sets of the whole index, which it never changes (the cells and values' sets
        were otherwise held twice, by each segment and by the view: ~36 MB at 350,000)."""
        self._sets, self._lent = None, (combined, offset)

    def vocabulary(self, reader: Any) -> tuple[list[str], list[int]]:
        """The « did you mean » words of the segment and the frequency of each (read once,
        at the first search that needs a correction)."""
        if self._vocabulary is None:
            words, counts = [], []
            for term, info in reader.iter_field(SPELLING_FIELD):
                words.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                counts.append(int(info.weight()))
            self._vocabulary = (words, counts)
        return self._vocabulary

    def live(self, reader: Any) -> int:
        """The documents of the segment not deleted (as ``reader`` sees the segment now;
        deletions only ever grow, so their number tells whether they changed)."""
        count = reader.doc_count()
        if count != self._live[0]:
            deleted = list(reader._perdoc.deleted_docs()) if reader.has_deletions() else []
            self._live = (count, bitsets.full(self.size) & ~bitsets.from_ids(deleted, self.size))
        return self._live[1]

    def postings(self, reader: Any, text: str) -> tuple[Postings, int]:
        """The postings of a text term and their set (read now, in compact arrays, if the
        term is not frequent)."""
        found = self.frequent.get(text)
        if found is not None:
            postings, bits = found
            return postings, bitsets.from_ids(postings[0], self.size) if bits is None else bits
        postings = _compact(read_postings(reader, TEXT_FIELD, text), self.size)
        if len(postings[0]) >= self._frequent_from:  # kept for the next searches
            return postings, self._keep(text, postings)
        return postings, bitsets.from_ids(postings[0], self.size)

    def _keep(self, text: str, postings: Postings) -> int:
        """Keep a frequent term's postings (and their set, if dense); return the set."""
        bits = bitsets.from_ids(postings[0], self.size)
        dense = len(postings[0]) * DENSE_RATIO >= self.size
        self.frequent[text] = (postings, bits if dense else None)
        return bits
