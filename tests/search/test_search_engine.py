"""The fast paths of the search engine agree with the slow ones they replace.

* ``FastAnalyzer`` gives the terms, positions and character spans of whoosh's analyzer
  chain (which queries use), for any text;
* the combined text field posts what the concatenation of its parts would;
* sets of documents as integers round-trip, dense or sparse;
* the compact posting pool hands whoosh its postings in order, even out of order;
* BM25 ranking of the engine orders like a direct computation.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from search import bitsets
from search.analysis import FastAnalyzer, french_analyzer
from search.bulk import CompactPool
from search.schema import build_schema

_WORDS = [
    "l'atelier", "d'Été", "qu’il", "Vélos", "chevaux", "le", "la", "découpe", "LASER", "à",
    "aujourd'hui", "jusqu'à", "œuvre", "İstanbul", "ß", "n°3", "x", "impression-3d", "ÉCOLE",
    "s'", "'", "’", "l''a", "café", "cafés", "\u0301e", "Ǆ", "ﬁl", "12", "_", "été",
]  # fmt: skip
texts = st.lists(st.sampled_from(_WORDS) | st.text(max_size=8), max_size=25).map(" ".join)
FAST = FastAnalyzer()
WHOOSH = french_analyzer()


@settings(max_examples=400, deadline=None)
@given(texts)
def test_fast_analyzer_gives_the_terms_and_positions_of_the_whoosh_chain(text: str) -> None:
    expected = [(t.text, t.pos) for t in WHOOSH(text, positions=True)]
    assert FAST.terms(text)[0] == expected


@settings(max_examples=400, deadline=None)
@given(texts)
def test_fast_analyzer_spans_are_the_whoosh_character_ranges(text: str) -> None:
    expected = [(t.text, t.startchar, t.endchar) for t in WHOOSH(text, chars=True)]
    assert FAST.spans(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(texts, st.integers(1, 3)), max_size=4))
def test_combined_field_posts_what_its_parts_joined_would(parts: list[tuple[str, int]]) -> None:
    field = build_schema()["all"]
    joined = "\n".join(text for text, _ in parts)
    positions: dict[str, list[int]] = {}
    weights: dict[str, float] = {}
    state = (0, None)
    for text, weight in parts:
        terms, state = FAST.terms(text, state)
        for term, pos in terms:
            positions.setdefault(term, []).append(pos)
            weights[term] = weights.get(term, 0) + weight
    assert [p for _, p in FAST.terms(joined)[0]] == sorted(
        p for ps in positions.values() for p in ps
    )
    posted = {b.decode(): (freq, weight, value) for b, freq, weight, value in field.index(parts)}
    assert set(posted) == set(positions)
    for term, (freq, weight, value) in posted.items():
        assert freq == len(positions[term])
        assert weight == weights[term]
        assert field.format.decode_positions(value) == positions[term]


@given(st.sets(st.integers(0, 5_000)), st.integers(0, 3))
def test_bitsets_round_trip(ids: set[int], extra: int) -> None:
    size = 5_001 + extra
    bits = bitsets.from_ids(sorted(ids), size)
    assert bits.bit_count() == len(ids)
    assert bitsets.to_ids(bits) == sorted(ids)


def test_bitsets_round_trip_dense_sets() -> None:
    rng = random.Random(3)
    for size, share in ((100_000, 0.5), (70_001, 0.03), (10, 1.0)):
        ids = sorted(d for d in range(size) if rng.random() < share)
        assert bitsets.to_ids(bitsets.from_ids(ids, size)) == ids
    assert bitsets.full(5) == 0b11111


def test_compact_pool_orders_terms_and_documents() -> None:
    pool = CompactPool()
    for item in [
        ("b", b"y", 2, 1.0, b"\x01"),
        ("a", b"z", 0, 2.0, None),
        ("b", b"y", 1, 3.0, b"\x02\x03"),  # out of order: sorted on the way out
        ("a", b"x", 5, 1.0, b""),
    ]:
        pool.add(item)
    assert list(pool.iter_postings()) == [
        ("a", b"x", 5, 1.0, b""),
        ("a", b"z", 0, 2.0, b""),
        ("b", b"y", 1, 3.0, b"\x02\x03"),
        ("b", b"y", 2, 1.0, b"\x01"),
    ]


def test_ranking_matches_a_direct_bm25(tmp_path: Path) -> None:
    from search.engine import K1, B, View
    from search.index import new_writer
    from search.storage import create

    rng = random.Random(5)
    words = ["laser", "bois", "couture", "vélo", "arduino", "soudure"]
    ix = create(tmp_path)
    writer = new_writer(ix)
    bodies = []
    for i in range(300):
        title = " ".join(rng.choices(words, k=rng.randint(1, 3)))
        text = " ".join(rng.choices(words, k=rng.randint(0, 12)))
        bodies.append([(title, 3), (text, 1)])
        writer.add_document(key=str(i), all=bodies[-1], col="offer")
    writer.commit()
    with ix.searcher() as searcher:
        view = View(searcher, {})
        terms = ["laser", "bois"]
        bits = view.term_bits("all", "laser") & view.term_bits("all", "bois") & view.live
        got = view.ranked(bits, terms, 10)
        lengths = [searcher.reader().doc_field_length(d, "all", 0) for d in range(300)]
        average = sum(lengths) / len(lengths)

        def score(d: int) -> float:
            total = 0.0
            for term in terms:
                ids, weights = view.postings(term)
                tf = dict(zip(ids, weights, strict=True)).get(d, 0.0)
                idf = math.log(1 + (300 - len(ids) + 0.5) / (len(ids) + 0.5))
                norm = K1 * (1 - B + B * lengths[d] / average)
                total += idf * tf * (K1 + 1) / (tf + norm)
            return total

        expected = sorted(bitsets.to_ids(bits), key=lambda d: (-score(d), d))[:10]
        assert [round(score(d), 9) for d in got] == [round(score(d), 9) for d in expected]
        assert len(got) == min(10, bits.bit_count())


def test_an_index_in_several_segments_answers_like_one(tmp_path: Path) -> None:
    from search.bulk import ChunkedWriter
    from search.engine import View
    from search.index import new_writer
    from search.model import SearchParams
    from search.searching import run_search
    from search.storage import create

    rng = random.Random(11)
    words = ["laser", "bois", "couture", "vélo", "arduino", "soudure", "cuir", "textile"]
    docs = [
        {
            "key": str(i),
            "author": f"did:key:z{i % 5}",
            "col": "offer",
            "rid": f"o{i}",
            "all": [(" ".join(rng.choices(words, k=rng.randint(1, 8))), 1)],
            "category": rng.choice(["production.prototypage", "formation.initiation"]),
            "department": rng.choice(["24", "33"]),
            "geo": f"{45 + rng.random()},{rng.random()}",
            "updated": f"2026-01-{1 + i % 28:02d}T00:00:00Z",
        }
        for i in range(60)
    ]
    answers = []
    for chunk in (1_000, 7):
        path = tmp_path / str(chunk)
        path.mkdir()
        ix = create(path)
        writer = ChunkedWriter(lambda ix=ix: new_writer(ix), chunk)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
        with ix.searcher() as searcher:
            assert len(searcher.leaf_searchers()) == (1 if chunk == 1_000 else 9)
            view = View(searcher, {})
            got = []
            for params in (
                SearchParams(q="laser bois"),
                SearchParams(q="vélo", department="33"),
                SearchParams(q="", near=(45.5, 0.5), radius_km=40.0),
                SearchParams(q="cuir OR textile", per_page=5, page=2),
            ):
                result = run_search(view, params)
                facets = {k: [(f.code, f.count) for f in v] for k, v in result.facets.items()}
                got.append((result.total, [h.rid for h in result.hits], facets))
            answers.append(got)
    assert answers[0] == answers[1]


def test_phrases_match_what_whoosh_matches(tmp_path: Path) -> None:
    from whoosh import query as wq

    from search.bulk import ChunkedWriter
    from search.engine import View
    from search.index import new_writer
    from search.storage import create

    rng = random.Random(17)
    words = ["laser", "bois", "découpe", "le", "de", "métal", "bois"]
    ix = create(tmp_path)
    writer = ChunkedWriter(lambda: new_writer(ix), 150)  # three segments
    for i in range(400):
        parts = [(" ".join(rng.choices(words, k=rng.randint(0, 9))), rng.randint(1, 3))]
        parts.append((" ".join(rng.choices(words, k=rng.randint(0, 20))), 1))
        writer.add_document(key=str(i), all=parts, col="offer")
    writer.commit()
    deleting = new_writer(ix)
    for i in range(0, 400, 7):
        deleting.delete_by_term("key", str(i))
    deleting.commit(merge=False)
    with ix.searcher() as searcher:
        view = View(searcher, {})
        for phrase in (["decoup", "las"], ["bois", "bois"], ["las", "bois", "metal"], ["bois"]):
            query = wq.Phrase("all", phrase)
            expected = set(query.docs(searcher)) - {
                d for d in range(searcher.doc_count_all()) if searcher.reader().is_deleted(d)
            }
            assert bitsets.to_ids(view.evaluate(query)) == sorted(expected), phrase
