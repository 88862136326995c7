"""Sets of document numbers list back exactly the documents put in them."""

from __future__ import annotations

import random

from search import bitsets


def test_sets_list_their_documents_sparse_or_dense() -> None:
    rng = random.Random(16)
    for size in (1, 63, 64, 65, 129, 1000, 70_000):
        for share in (0.0, 0.001, 0.05, 0.2, 0.9, 1.0):
            ids = sorted(rng.sample(range(size), int(size * share)))
            assert bitsets.to_ids(bitsets.from_ids(ids, size)) == ids
    assert bitsets.to_ids(bitsets.full(200)) == list(range(200))
    assert bitsets.to_ids(1 << 64 | 1 << 63 | 1) == [0, 63, 64]
