"""BM25 ranking of a view's matches (:func:`top`).

The matches are scored from the postings' weights, the best kept, equal scores ordered by
the caller's ``ties`` then by number. For one term matched unfiltered (every posting of
the term a match: the most frequent query, and the costliest when the term is frequent),
the term's best :data:`TOP` postings are kept in order by the view (:class:`TermScores`,
with those of the same score as the last): a page is then a prefix of them, instead of a
pass scoring tens of thousands of matches. ``tests/search/test_ranking.py`` checks both
give exactly what scoring every match gives.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from itertools import compress, repeat
from operator import add, mul, neg, truediv
from typing import Any

#: A ``search.engine.View`` (not imported: the engine imports this module, and the import
#: contract allows no cycle, even for typing).
View = Any

K1, B = 1.2, 0.75
#: The best postings of a term kept in order: pages 1 to 10 of 20 (deeper pages score
#: every match).
TOP = 200
#: Terms whose best postings a view keeps (~20 kB each), the oldest out first.
KEPT_TERMS = 512


class TermScores:
    """Per text term, its best :data:`TOP` postings as ``(score, -document)``, best first,
    and those of the same score as the last (so that any order of equal scores applies)."""

    def __init__(self, view: View) -> None:
        self.view = view
        self._kept: dict[str, list[tuple[float, int]]] = {}

    def best(self, text: str) -> list[tuple[float, int]]:
        found = self._kept.get(text)
        if found is not None:
            return found
        view = self.view
        term = view.text(text)
        scores: list[float] = []
        docs: list[int] = []
        for offset, _size, (ids, weights) in term.parts:
            numbers = list(map(offset.__add__, ids)) if offset else list(ids)
            scores.extend(_scores(view, term.count, weights, numbers))
            docs.extend(numbers)
        pairs: Any = zip(scores, map(neg, docs), strict=True)
        if len(scores) > TOP:
            floor = heapq.nlargest(TOP, scores)[-1]
            pairs = compress(pairs, map(floor.__le__, scores))
        found = sorted(pairs, reverse=True)
        while len(self._kept) >= KEPT_TERMS:
            del self._kept[next(iter(self._kept))]
        self._kept[text] = found
        return found


def _scores(view: View, count: int, tfs: Any, docs: Any) -> Any:
    """The BM25 score of a term held by ``count`` documents in each of ``docs``, its weight
    in each being ``tfs``."""
    idf = math.log(1 + (view.size - count + 0.5) / (count + 0.5))
    scores = map(truediv, tfs, map(add, tfs, map(view.norms.__getitem__, docs)))
    return map(mul, scores, repeat(idf * (K1 + 1)))


def top(
    view: View,
    bits: int,
    terms: list[str],
    count: int,
    ties: Callable[[int], int] | None = None,
) -> list[int]:
    """The ``count`` best documents of ``bits`` by BM25 over ``terms``; equal scores by
    ``ties`` (lower first: ``search.trust.preference``), then by number."""
    if not bits or count <= 0:
        return []
    per_term = [(t, view.text(t)) for t in dict.fromkeys(terms)]
    per_term = [(t, term) for t, term in per_term if term.count]
    if not per_term:
        return view.ids(bits)[:count]
    if len(per_term) == 1 and count <= TOP and _unfiltered(view, bits, per_term[0][1]):
        chosen = view.scores.best(per_term[0][0])
        if len(chosen) > count:  # those of a score at least the count-th one's
            chosen = chosen[: _first_below(chosen, chosen[count - 1][0], count)]
    else:
        docs = view.ids(bits)
        total: Any = None
        for _text, term in per_term:
            scores = _scores(view, term.count, _gather(term.parts, docs), docs)
            total = list(scores) if total is None else list(map(add, total, scores))
        if len(total) > count:
            floor = heapq.nlargest(count, total)[-1]
            chosen = list(
                compress(zip(total, map(neg, docs), strict=True), map(floor.__le__, total))
            )
        else:
            chosen = list(zip(total, map(neg, docs), strict=True))
        if ties is None:
            chosen.sort(reverse=True)
    if ties is not None:
        chosen = sorted(chosen, key=lambda pair: (-pair[0], ties(-pair[1]), -pair[1]))
    return [-d for _, d in chosen[:count]]


def _unfiltered(view: View, bits: int, term: Any) -> bool:
    """Whether ``bits`` are exactly the documents of the text term ``term``."""
    return term.count == bits.bit_count() and not bits & ~term.bits


def _first_below(best: list[tuple[float, int]], floor: float, start: int) -> int:
    """The index of the first pair of ``best`` (descending) scoring less than ``floor``."""
    at = start
    while at < len(best) and best[at][0] >= floor:
        at += 1
    return at


def _gather(parts: list[tuple[int, int, Any]], docs: list[int]) -> list[Any]:
    """The weight of each of ``docs`` (in order) in a term's postings per segment
    (``search.segments.TextTerm``; 0 if absent), segment by segment."""
    out: list[Any] = [0] * len(docs)
    for offset, size, (ids, weights) in parts:
        low = bisect_left(docs, offset)
        high = bisect_left(docs, offset + size, low)
        if low < high:
            local = list(map(offset.__rsub__, docs[low:high])) if offset else docs[low:high]
            out[low:high] = _gather_local(ids, weights, local, size)
    return out


def _gather_local(ids: array, values: array, docs: list[int], size: int) -> list[Any]:
    """The value of each of ``docs`` in the postings ``ids``/``values`` (0 if absent)."""
    if len(docs) * 16 < len(ids):
        out = []
        end = len(ids)
        for d in docs:
            i = bisect_left(ids, d)
            out.append(values[i] if i < end and ids[i] == d else 0)
        return out
    dense = array(values.typecode, bytes(values.itemsize * size))
    deque(map(dense.__setitem__, ids, values), maxlen=0)
    return list(map(dense.__getitem__, docs))
