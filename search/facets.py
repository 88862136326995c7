"""Facet counts of a match set on a :class:`~search.engine.View` (:func:`counts`).

Two ways to count, giving the same counts: one intersection and popcount per value of the
field over the whole index (:func:`per_value`: ~0.09 ns a value and a document of the
index, whatever the number of matches: at 350,000 documents the 94 departments are ~3 ms),
or one look-up per matched document of its value's number, or of its list of codes for a
field of several (:func:`per_document`: ~100 ns a match, once the matches are listed, which
costs ~300 ns more a match unless the ranking listed them already). :func:`counts` takes
the cheaper for the set and the field; a fixed bound of 2,000 matches counted the 94
departments of 20,000 matches of 350,000 documents by intersections, at seven times the
cost. ``tests/search/test_facet_counts.py`` checks both ways count alike.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from itertools import repeat
from typing import Any

from search import bitsets

#: A ``search.engine.View`` (not imported: the engine imports this module).
View = Any

#: One-value filter fields counted per document from each document's value's number.
CODED_FIELDS = ("category", "department")
#: Fields of several codes, counted per document from each one's list as stored.
LISTED_FIELDS = ("enjeux",)
#: What a match costs counted per document, and listed first, against a value and a
#: document of the index in an intersection (measured at 100,000 and 350,000 documents:
#: ~100 and ~300 ns against ~0.09 ns; rounded up, per document degrades on large sets).
PER_DOCUMENT_COST = 1_500
LISTING_COST = 3_000


def codes(masks: dict[str, int], size: int) -> tuple[list[str], array]:
    """The values of a one-value field and the number of each document's (1 + index)."""
    values = list(masks)
    numbers = array("H" if len(values) < 1 << 16 else "I")
    numbers.frombytes(bytes(numbers.itemsize * size))
    for number, mask in enumerate(masks.values(), 1):
        deque(map(numbers.__setitem__, bitsets.to_ids(mask), repeat(number)), maxlen=0)
    return values, numbers


def counts(view: View, bits: int, field: str) -> dict[str, int]:
    """How many documents of ``bits`` hold each value of ``field`` (none: not counted),
    by the cheaper of :func:`per_document` and :func:`per_value`."""
    if field in view.coded or field in LISTED_FIELDS:
        cost = PER_DOCUMENT_COST + (0 if view.listed(bits) else LISTING_COST)
        if bits.bit_count() * cost < len(view.masks[field]) * view.size:
            return per_document(view, bits, field)
    return per_value(view, bits, field)


def per_document(view: View, bits: int, field: str) -> dict[str, int]:
    """The counts from each matched document's value number (``view.coded``), or its list
    of codes, counted per distinct list."""
    coded = view.coded.get(field)
    if coded is not None:
        values, numbers = coded
        found = Counter(map(numbers.__getitem__, view.ids(bits)))
        return {values[n - 1]: count for n, count in found.items() if n}
    out: dict[str, int] = {}
    for listed, count in Counter(map(view.values[field].__getitem__, view.ids(bits))).items():
        for code in dict.fromkeys(listed.split(",")) if listed else ():
            if code:
                out[code] = out.get(code, 0) + count
    return out


def per_value(view: View, bits: int, field: str) -> dict[str, int]:
    """The counts from one intersection per value of ``field``."""
    out = {}
    for value, mask in view.masks[field].items():
        count = (bits & mask).bit_count()
        if count:
            out[value] = count
    return out
