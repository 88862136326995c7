"""The documents of one open searcher, and the set algebra and scoring of a search on them.

A :class:`View` places each segment's :class:`~search.segments.SegmentData` at its offset:
a query becomes a set of document numbers (``search.bitsets``) by intersections, unions
and differences of term, filter and cell sets; facets are counts of intersections; only
the matched documents are scored (BM25 over the combined text field, whose posting weights
already count a title word three times), with no Python loop over documents in the common
cases. What the set algebra cannot express (phrases…) is answered by whoosh.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import query as wq
from whoosh.searching import Searcher

from search import bitsets, claims, facets, ranking
from search.query import bounding_box
from search.ranking import K1, B
from search.schema import TEXT_FIELD
from search.segments import (
    CELL_DEGREES,
    FILTER_FIELDS,
    VALUE_FIELDS,
    Postings,
    SegmentData,
    TextTerm,
    read_positions,
    read_postings,
)
from search.stored import StoredColumn

#: Expanding queries (prefix, fuzzy…) become an OR of at most this many terms; beyond,
#: whoosh answers them.
MAX_EXPANSION = 4096
#: Cells of a radius search beyond which every located document is a candidate.
MAX_CELLS = 4096
#: Bytes of text terms' sets (and rare terms' postings) a view keeps for the next searches.
TEXT_CACHE_BYTES = 16 << 20


class View:
    """The documents of ``searcher``; ``cache`` keeps each segment's data between views."""

    def __init__(
        self,
        searcher: Searcher,
        cache: dict[str, SegmentData],
        hidden_authors: frozenset[str] = frozenset(),
    ) -> None:
        self.searcher = searcher
        self.size = searcher.reader().doc_count_all()
        self.leaves: list[tuple[Any, int, SegmentData]] = []
        kept: dict[str, SegmentData] = {}
        opened = not cache  # the first view of an index: no search is waiting for it yet
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            segment = reader.segment()
            if segment is None or reader.doc_count_all() == 0:
                continue  # an empty index
            key = segment.segment_id()
            data = kept[key] = cache.get(key) or SegmentData(reader, eager=opened)
            self.leaves.append((reader, offset, data))
        cache.clear()
        cache.update(kept)
        self._starts = [offset for _reader, offset, _data in self.leaves]
        self._stored: list[StoredColumn | None] = [None] * len(self.leaves)
        self.live = 0
        for reader, offset, data in self.leaves:
            self.live |= data.live(reader) << offset
        self.values: dict[str, list[Any]] = {name: [] for name in VALUE_FIELDS}
        self.masks: dict[str, dict[str, int]] = {name: {} for name in FILTER_FIELDS}
        self.cells: dict[tuple[int, int], int] = {}
        lengths = array("I")
        for _reader, offset, data in self.leaves:
            for name, values in self.values.items():
                values.extend([None] * (offset - len(values)))
                values.extend(data.values[name])
            segment_masks, segment_cells = data.sets()
            for name, masks in self.masks.items():
                for value, bits in segment_masks[name].items():
                    masks[value] = masks.get(value, 0) | bits << offset
            for cell, bits in segment_cells.items():
                self.cells[cell] = self.cells.get(cell, 0) | bits << offset
            lengths.extend(bytes(4 * (offset - len(lengths))))
            lengths.extend(data.lengths)
        for _reader, offset, data in self.leaves:  # the view holds their sets from now on
            data.lend((self.masks, self.cells), offset)
        #: field: its values and, per document, the number of its value (0: none)
        self.coded = {f: facets.codes(self.masks[f], self.size) for f in facets.CODED_FIELDS}
        self._listed: tuple[int | None, list[int]] = (None, [])
        self._expired: tuple[str, int] | None = None
        #: text term: its :class:`TextTerm` and what keeping it costs, the least recently
        #: used first (:meth:`text`), within :data:`TEXT_CACHE_BYTES`
        self._texts: dict[str, tuple[TextTerm, int]] = {}
        self._texts_bytes = 0
        self.claims = self._claims()
        self.claimed = bitsets.from_ids(sorted(self.claims), self.size) & self.live
        #: The documents of the places this node hides (``node.hidden``: muted, or listed by
        #: a blocklist it applies), taken out of ``live``: every search, facet, count, match
        #: and statistic reads ``live``, so they are gone from all at once. The claims are
        #: found first, so that a muted place's own listings stay claimed, hence hidden too.
        self.hidden_authors = hidden_authors
        self.hidden = 0
        for author in hidden_authors:
            self.hidden |= self.term_bits("author", author)
        self.hidden &= self.live
        self.live &= ~self.hidden
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        scale = K1 * B / (average or 1.0)
        #: K1 × (1 − B + B × length / average length), per document
        self.norms = array("d", [K1 * (1 - B) + scale * n for n in lengths])
        self.scores = ranking.TermScores(self)

    def _claims(self) -> dict[int, claims.Place]:
        """Each listing claimed by a place's own profile (``search.claims``)."""
        places = {}
        for col in ("profile", "listing"):
            docs = bitsets.to_ids(self.masks["col"].get(col, 0) & self.live)
            values, geo = self.values["claim"], self.values["geo"]
            found = (claims.parse(d, values[d], geo[d]) for d in docs)
            places[col] = [p for p in found if p is not None]
        return claims.find_claims(places["profile"], places["listing"])

    def ids(self, bits: int) -> list[int]:
        """``bitsets.to_ids(bits)``, kept for the same set (the facets of a search and its
        ranking list the same matches). Not to be changed by the caller."""
        if self._listed[0] is not bits:
            self._listed = (bits, bitsets.to_ids(bits))
        return self._listed[1]

    def listed(self, bits: int) -> bool:
        """Whether :meth:`ids` holds ``bits`` listed already."""
        return self._listed[0] is bits

    def stored(self, d: int) -> dict[str, Any]:
        """The stored fields of document ``d`` (``search.stored``)."""
        at = bisect_right(self._starts, d) - 1
        column = self._stored[at]
        if column is None:
            column = self._stored[at] = StoredColumn(self.leaves[at][0])
        return column(d - self._starts[at])

    # -- sets ------------------------------------------------------------------------

    def term_bits(self, field: str, text: Any) -> int:
        if field in self.masks:
            return self.masks[field].get(text, 0)
        if field == TEXT_FIELD:
            return self.text(text).bits
        bits = 0
        for reader, offset, data in self.leaves:
            found = bitsets.from_ids(read_postings(reader, field, text)[0], data.size)
            bits |= found << offset
        return bits

    def text(self, text: str) -> TextTerm:
        """A text term over the whole index: its postings per segment and their set, kept
        for the next searches (a search reads each of its terms twice, matching then
        scoring), the least recently used out first. What is kept is the set and the
        postings a segment does not keep itself (of its rare terms): at 350,000 records,
        the 250 terms of the benchmark's queries are 11 MB of sets; the postings they
        share with their segments were 34 MB more once joined, which churned the cache."""
        kept = self._texts.pop(text, None)
        if kept is None:
            found, cost = self._read_text(text)
        else:
            found, cost = kept
            self._texts_bytes -= cost
        while self._texts and self._texts_bytes + cost > TEXT_CACHE_BYTES:
            self._texts_bytes -= self._texts.pop(next(iter(self._texts)))[1]
        if cost <= TEXT_CACHE_BYTES:
            self._texts[text] = (found, cost)
            self._texts_bytes += cost
        return found

    def _read_text(self, text: str) -> tuple[TextTerm, int]:
        """A text term from each segment, and the bytes keeping it costs."""
        parts = []
        bits = count = 0
        cost = 100
        for reader, offset, data in self.leaves:
            postings, part_bits = data.postings(reader, text)
            if not postings[0]:
                continue
            parts.append((offset, data.size, postings))
            count += len(postings[0])
            bits |= part_bits << offset
            if text not in data.frequent:
                cost += sum(len(a) * a.itemsize for a in postings)
        cost += bits.bit_length() >> 3
        return TextTerm(parts, count, bits), cost

    def evaluate(self, query: wq.Query) -> int:
        """The live documents matching ``query``."""
        return self._evaluate(query) & self.live

    def _evaluate(self, query: wq.Query) -> int:
        if isinstance(query, wq.Term):
            return self.term_bits(query.fieldname, query.text)
        if isinstance(query, wq.Every):
            return self.live
        if isinstance(query, wq.NullQuery.__class__):
            return 0
        if isinstance(query, wq.Not):
            return self.live & ~self._evaluate(query.query)
        if isinstance(query, wq.AndNot):
            return self._evaluate(query.a) & ~self._evaluate(query.b)
        if type(query) is wq.And:
            bits = self.live
            for sub in query.subqueries:
                bits &= self._evaluate(sub)
                if not bits:
                    break
            return bits
        if type(query) is wq.Or and not getattr(query, "minmatch", 0):
            bits = 0
            for sub in query.subqueries:
                bits |= self._evaluate(sub)
            return bits
        if isinstance(query, wq.MultiTerm | wq.NumericRange | wq.TermRange):
            simple = _expand(self.searcher, query)
            if simple is not None:
                return self._evaluate(simple)
        if isinstance(query, wq.Phrase) and query.fieldname == TEXT_FIELD and query.slop == 1:
            return self._phrase(list(query.words))
        return bitsets.from_ids(query.docs(self.searcher), self.size)

    def _phrase(self, words: list[str]) -> int:
        """The documents holding ``words`` one after the other: the documents holding them
        all, then the positions of the words in those documents only."""
        candidates = self.live
        for word in dict.fromkeys(words):
            candidates &= self.term_bits(TEXT_FIELD, word)
            if not candidates:
                return 0
        if len(words) < 2:
            return candidates
        found = 0
        for reader, offset, data in self.leaves:
            docs = bitsets.to_ids((candidates >> offset) & bitsets.full(data.size))
            if not docs:
                continue
            where = {w: read_positions(reader, TEXT_FIELD, w, docs) for w in dict.fromkeys(words)}
            chains = [d for d in docs if _follows([where[w].get(d, ()) for w in words])]
            found |= bitsets.from_ids(chains, data.size) << offset
        return found

    def expired(self, today: str) -> int:
        """The documents whose last day (``expires``, ``AAAA-MM-JJ``) is before ``today``:
        the union of the sets of the days before it (a few hundred days, not a body read),
        kept for the view's next searches of the same day."""
        if self._expired is None or self._expired[0] != today:
            bits = 0
            for day, mask in self.masks["expires"].items():
                if day < today:
                    bits |= mask
            self._expired = (today, bits)
        return self._expired[1]

    def near(self, bits: int, lat: float, lon: float, radius: float) -> int:
        """The documents of ``bits`` that may lie within ``radius`` km (whole 0.5° cells)."""
        low_lat, high_lat, low_lon, high_lon = bounding_box(lat, lon, radius)
        lats = range(math.floor(low_lat / CELL_DEGREES), math.floor(high_lat / CELL_DEGREES) + 1)
        lons = range(math.floor(low_lon / CELL_DEGREES), math.floor(high_lon / CELL_DEGREES) + 1)
        if len(lats) * len(lons) > MAX_CELLS or len(lons) * CELL_DEGREES >= 360:
            mask = 0
            for cell_bits in self.cells.values():
                mask |= cell_bits
            return bits & mask
        turn = round(360 / CELL_DEGREES)
        mask = 0
        for a in lats:
            for o in lons:
                mask |= self.cells.get((a, (o + turn // 2) % turn - turn // 2), 0)
        return bits & mask

    def facet_counts(self, bits: int, field: str) -> dict[str, int]:
        """How many documents of ``bits`` hold each value of ``field`` (``search.facets``)."""
        return facets.counts(self, bits, field)

    def correction(self, word: str, maxdist: int = 2) -> str | None:
        """The word of the index closest to ``word`` (at most ``maxdist`` edits, a swap of
        two neighbours counting as one; not ``word`` itself): the nearest, then the most
        frequent, then the one of the same length (« velso » → « velos » rather than
        « velo »), then the first in order. rapidfuzz over each segment's words, read once:
        whoosh's corrector took ~100 ms a search on the census's 2,354 words."""
        best: dict[str, list[int]] = {}  # word: [distance, -frequency, length difference]
        for reader, _offset, data in self.leaves:
            words, frequencies = data.vocabulary(reader)
            for found, distance, i in process.extract(
                word, words, scorer=OSA.distance, score_cutoff=maxdist, limit=None
            ):
                if found != word:
                    rank = best.setdefault(found, [distance, 0, abs(len(found) - len(word))])
                    rank[1] -= frequencies[i]
        if not best:
            return None
        return min(best, key=lambda w: (*best[w], w))

    # -- scoring ---------------------------------------------------------------------

    def postings(self, text: str) -> Postings:
        """The postings of a text term over the whole index (document numbers in order),
        joined from its segments' (``ranking`` reads them per segment: :meth:`text`)."""
        ids, weights = array("I"), array("f")
        for offset, _size, (part_ids, part_weights) in self.text(text).parts:
            ids.extend(array("I", map(offset.__add__, part_ids)))
            weights.extend(array("f", part_weights))
        return ids, weights

    def ranked(
        self, bits: int, terms: list[str], count: int, ties: Callable[[int], int] | None = None
    ) -> list[int]:
        """The ``count`` best documents of ``bits`` by BM25 over ``terms``; equal scores by
        ``ties`` (lower first: ``search.trust.preference``), then by number
        (``search.ranking``)."""
        return ranking.top(self, bits, terms, count, ties)


def _follows(positions: list[Any]) -> bool:
    """Whether some position of the first word is followed by each next word in turn."""
    rest = [set(p) for p in positions[1:]]
    return any(all(p + i in later for i, later in enumerate(rest, 1)) for p in positions[0])


def _expand(searcher: Searcher, query: wq.Query) -> wq.Query | None:
    try:
        simple = query.simplify(searcher.reader())
    except Exception:
        return None
    if isinstance(simple, wq.NullQuery.__class__):
        return simple
    leaves = list(simple.leaves()) if type(simple) is wq.Or else [simple]
    if len(leaves) <= MAX_EXPANSION and all(type(q) is wq.Term for q in leaves):
        return simple
    return None
