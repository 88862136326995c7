"""Facets counted per document (small sets) equal the counts of the per-value sets."""

from __future__ import annotations

import random
from pathlib import Path

from search import bitsets


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
        writer.add_document(
            key=str(i), all=[("atelier", 1)], col="offer", enjeux=enjeux, department=department
        )
    writer.commit()
    with ix.searcher() as searcher:
        view = View(searcher, {})
        assert len(view.masks["enjeux"]) == len(codes) and len(view.leaves) > 1
        for size in (0, 1, 10, 200, 999):
            ids = sorted(rng.sample(range(view.size), size))
            bits = bitsets.from_ids(ids, view.size)
            for field in ("enjeux", "department"):
                expected = {}
                for value, mask in view.masks[field].items():
                    if (bits & mask).bit_count():
                        expected[value] = (bits & mask).bit_count()
                assert view.facet_counts(bits, field) == expected, (field, size)
