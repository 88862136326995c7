"""Sets of document numbers as Python integers: bit ``d`` is document ``d``.

Intersections, unions, differences and counts of whole sets then run at C speed on a few
kilobytes (100,000 documents are 12.5 kB), whatever the number of documents in them: this
is what lets a search count facets over 50,000 matches in a fraction of a millisecond.
Converting to and from lists of numbers loops in Python over the listed documents only.
"""

from __future__ import annotations

import sys
from array import array
from collections import deque
from collections.abc import Iterable
from itertools import compress, repeat

_ONE = ord("1")
_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
#: A set of fewer documents than this is "small" (``search.engine``: facets counted per
#: document).
SPARSE = 2_000
#: A set holding fewer than one in this many of its range is listed word by word.
WORDS_SHARE = 10


def from_ids(ids: Iterable[int], size: int) -> int:
    """The set of ``ids`` (each in ``range(size)``)."""
    ids = ids if isinstance(ids, list | tuple) else list(ids)
    if len(ids) < 64:
        bits = 0
        for d in ids:
            bits |= 1 << d
        return bits
    buf = bytearray(b"0") * size
    deque(map(buf.__setitem__, ids, repeat(_ONE)), maxlen=0)
    buf.reverse()
    return int(buf, 2)


def to_ids(bits: int) -> list[int]:
    """The documents of ``bits``, in increasing order: for a set of fewer than one document
    in :data:`WORDS_SHARE`, from its non-zero 64-bit words, each taken apart bit by bit on
    small integers (0.05 ms for 112 documents of 100,000, against 0.13 from non-zero bytes
    by a regular expression; a pass over every bit costs 1.8 ms at 100,000, 6 at 350,000);
    else from the string of its bits."""
    if not bits:
        return []
    if bits.bit_count() * WORDS_SHARE < bits.bit_length():
        n = (bits.bit_length() + 63) >> 6
        words = array("Q", bits.to_bytes(n * 8, "little"))
        if sys.byteorder == "big":
            words.byteswap()
        out: list[int] = []
        append = out.append
        for i in compress(range(n), words):
            word = words[i]
            base = i << 6
            while word:
                low = word & -word
                append(base + low.bit_length() - 1)
                word ^= low
        return out
    flags = format(bits, "b").encode("ascii").translate(_TO_FLAGS)[::-1]
    return list(compress(range(len(flags)), flags))


def full(size: int) -> int:
    """The set of every document of ``range(size)``."""
    return (1 << size) - 1
