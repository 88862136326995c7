"""Sets of document numbers as Python integers: bit ``d`` is document ``d``.

Intersections, unions, differences and counts of whole sets then run at C speed on a few
kilobytes (100,000 documents are 12.5 kB), whatever the number of documents in them: this
is what lets a search count facets over 50,000 matches in a fraction of a millisecond.
Converting to and from lists of numbers also avoids any Python loop over the documents.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from itertools import compress, repeat

_ONE = ord("1")
_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
_NONZERO = re.compile(rb"[^\x00]")
_BITS_OF_BYTE = [tuple(i for i in range(8) if byte >> i & 1) for byte in range(256)]
#: Below this many documents, a set is read bit by bit from its non-zero bytes.
SPARSE = 2_000


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
    """The documents of ``bits``, in increasing order."""
    if not bits:
        return []
    if bits.bit_count() < SPARSE:
        raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
        out: list[int] = []
        for match in _NONZERO.finditer(raw):
            base = match.start() * 8
            out.extend(base + i for i in _BITS_OF_BYTE[raw[match.start()]])
        return out
    flags = format(bits, "b").encode("ascii").translate(_TO_FLAGS)[::-1]
    return list(compress(range(len(flags)), flags))


def full(size: int) -> int:
    """The set of every document of ``range(size)``."""
    return (1 << size) - 1
