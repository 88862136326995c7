"""A view's sets of filter values and cells, combined from segments whose own sets were
let go (``SegmentData.lend``), are those of a view built from scratch."""

from __future__ import annotations

import random
from pathlib import Path

from search.engine import View
from search.index import new_writer
from search.segments import SegmentData
from search.storage import create


def _add(ix: object, rng: random.Random, first: int, count: int) -> None:
    writer = new_writer(ix)
    for i in range(first, first + count):
        point = f"{rng.uniform(42, 51):.4f},{rng.uniform(-4, 8):.4f}" if i % 4 else ""
        writer.add_document(
            key=str(i),
            all=[("atelier", 1)],
            col="offer",
            department=rng.choice(["01", "69", "75", ""]),
            enjeux=",".join(rng.sample(["climat", "culture", "emploi"], rng.randint(0, 2))),
            geo=point,
        )
    writer.commit(merge=False)


def test_sets_lent_to_a_view_come_back_the_same(tmp_path: Path) -> None:
    rng = random.Random(3)
    ix = create(tmp_path)
    cache: dict[str, SegmentData] = {}
    first = 0
    for step in range(6):
        _add(ix, rng, first, 40 + 30 * step)
        first += 40 + 30 * step
        if step == 3:  # a merge: new offsets for what follows it
            writer = new_writer(ix)
            writer.delete_by_term("key", "5")
            writer.commit(optimize=True)
        with ix.searcher() as searcher:
            view = View(searcher, cache)
            fresh = View(searcher, {})
            assert view.masks == fresh.masks and view.cells == fresh.cells, step
            assert all(data._sets is None for _r, _o, data in view.leaves)
            for _reader, offset, data in view.leaves:
                masks, cells = data.sets()
                assert cells and masks["department"]
                for cell, bits in cells.items():
                    assert (view.cells[cell] >> offset) & ((1 << data.size) - 1) == bits
