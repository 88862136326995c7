"""The ranking from kept per-term scores and best postings equals scoring every match."""

from __future__ import annotations

import heapq
import math
import random
from itertools import compress, repeat
from operator import add, mul, neg, truediv
from pathlib import Path
from typing import Any

from search import bitsets, ranking
from search.analysis import stems


def reference(view: Any, bits: int, terms: list[str], count: int, ties: Any = None) -> list[int]:
    """Every match scored from the postings' weights (the former ``View.ranked``)."""
    if not bits or count <= 0:
        return []
    per_term = [view.postings(t) for t in dict.fromkeys(terms)]
    per_term = [p for p in per_term if p[0]]
    if not per_term:
        return bitsets.to_ids(bits)[:count]
    docs = bitsets.to_ids(bits)
    total: Any = None
    for ids, weights in per_term:
        idf = math.log(1 + (view.size - len(ids) + 0.5) / (len(ids) + 0.5))
        tf_of = dict(zip(ids, weights, strict=True))
        tfs = [tf_of.get(d, 0.0) for d in docs]
        scores = map(truediv, tfs, map(add, tfs, map(view.norms.__getitem__, docs)))
        scores = map(mul, scores, repeat(idf * (ranking.K1 + 1)))
        total = list(scores) if total is None else list(map(add, total, scores))
    if len(total) > count:
        floor = heapq.nlargest(count, total)[-1]
        chosen = list(compress(zip(total, map(neg, docs), strict=True), map(floor.__le__, total)))
    else:
        chosen = list(zip(total, map(neg, docs), strict=True))
    if ties is None:
        chosen.sort(reverse=True)
    else:
        chosen.sort(key=lambda pair: (-pair[0], ties(-pair[1]), -pair[1]))
    return [-d for _, d in chosen[:count]]


def test_ranking_equals_scoring_every_match(tmp_path: Path, monkeypatch: Any) -> None:
    from search.bulk import ChunkedWriter
    from search.engine import View
    from search.index import new_writer
    from search.storage import create

    monkeypatch.setattr(ranking, "TOP", 40)  # so that pages go past the kept best postings
    rng = random.Random(16)
    words = ["laser", "bois", "couture", "vélo", "arduino", "soudure", "rare"]
    ix = create(tmp_path)
    writer = ChunkedWriter(lambda: new_writer(ix), 250)  # several segments
    for i in range(900):
        title = " ".join(rng.choices(words[:6], k=rng.randint(1, 2)))
        text = " ".join(rng.choices(words, weights=[9, 8, 5, 5, 3, 3, 1], k=rng.randint(0, 6)))
        writer.add_document(key=str(i), all=[(title, 3), (text, 1)], col="offer")
    writer.commit()
    with ix.searcher() as searcher:
        view = View(searcher, {})
        assert len(view.leaves) > 1
        odd = bitsets.from_ids(range(1, view.size, 2), view.size)
        ties = [None, lambda d: d % 3]
        checked = 0
        for words_searched in (["laser"], ["rare"], ["laser", "bois"], ["vélo", "laser", "vélo"]):
            terms = [stems(w)[0] for w in words_searched]
            matches = view.term_bits("all", terms[0]) & view.live
            assert matches
            any_word = 0
            for term in terms:
                any_word |= view.term_bits("all", term)
            for bits in (matches, matches & odd, any_word & view.live):
                for count in (1, 5, 20, 39, 40, 41, 500):
                    for tie in ties:
                        got = view.ranked(bits, terms, count, tie)
                        assert got == reference(view, bits, terms, count, tie), (terms, count)
                        checked += 1
        assert checked
