"""Facets counted per document equal the counts of the per-value sets, whichever way
``search.facets.counts`` takes for a set."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from search import bitsets, facets


def test_small_and_large_sets_count_alike(tmp_path: Path) -> None:
    from search.bulk import ChunkedWriter
    from search.engine import View
    from search.index import new_writer
    from search.storage import create

    rng = random.Random(16)
    codes = ["climat", "culture", "emploi", "sante", "alimentation"]
    ix = create(tmp_path)
    writer = ChunkedWriter(lambda: new_writer(ix), 300)
    for i in range(1000):
        enjeux = ",".join(rng.choices(codes, k=rng.randint(0, 3)))  # repeats included
        department = rng.choice(["01", "69", "75", ""])
        category = rng.choice(["production.prototypage", "formation.atelier", ""])
        writer.add_document(
            key=str(i),
            all=[("atelier", 1)],
            col="offer",
            enjeux=enjeux,
            department=department,
            category=category,
        )
    writer.commit()
    with ix.searcher() as searcher:
        view = View(searcher, {})
        assert len(view.masks["enjeux"]) == len(codes) and len(view.leaves) > 1
        for size in (0, 1, 10, 200, 999):
            ids = sorted(rng.sample(range(view.size), size))
            bits = bitsets.from_ids(ids, view.size)
            for field in ("enjeux", "department", "category"):
                expected = {}
                for value, mask in view.masks[field].items():
                    if (bits & mask).bit_count():
                        expected[value] = (bits & mask).bit_count()
                assert facets.per_document(view, bits, field) == expected, (field, size)
                assert facets.per_value(view, bits, field) == expected, (field, size)
                assert view.facet_counts(bits, field) == expected, (field, size)
                view.ids(bits)  # listed: per document is cheaper, for more sets
                assert view.facet_counts(bits, field) == expected, (field, size)


def test_the_cheaper_way_is_taken(tmp_path: Path, monkeypatch: Any) -> None:
    """Per document for few matches (more once listed), per value for many."""
    from search.engine import View
    from search.index import new_writer
    from search.storage import create

    ix = create(tmp_path)
    writer = new_writer(ix)
    for i in range(2000):
        writer.add_document(key=str(i), all=[("atelier", 1)], department=f"{i % 40:02d}")
    writer.commit()
    taken: list[str] = []
    for way in ("per_document", "per_value"):
        original = getattr(facets, way)
        monkeypatch.setattr(
            facets, way, lambda *a, way=way, original=original: taken.append(way) or original(*a)
        )
    with ix.searcher() as searcher:
        view = View(searcher, {})
        # 40 values × 2,000 documents: per document below 80,000 / (1,500 + 3,000) matches
        for count, listed, way in (
            (10, False, "per_document"),
            (20, False, "per_value"),
            (20, True, "per_document"),
            (60, True, "per_value"),
        ):
            bits = bitsets.from_ids(range(0, 2 * count, 2), view.size)
            if listed:
                view.ids(bits)
            taken.clear()
            view.facet_counts(bits, "department")
            assert taken == [way], (count, listed)
