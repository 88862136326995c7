"""A hit's stored fields read by ``search.stored.StoredColumn`` are whoosh's own."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from search.bulk import ChunkedWriter
from search.engine import View
from search.index import new_writer
from search.storage import create
from search.stored import StoredColumn, stored_fields


def test_stored_fields_read_from_the_file_are_whooshs(tmp_path: Path) -> None:
    rng = random.Random(5)
    ix = create(tmp_path)
    writer = ChunkedWriter(lambda: new_writer(ix), 70)  # several segments
    for i in range(300):
        fields = {"key": str(i), "col": "offer", "all": "atelier"}
        if i % 3:
            fields["place_name"] = "é" * rng.randint(0, 40)
            fields["lat"] = rng.uniform(42, 51)
        if i % 5 == 0:
            fields["body"] = '{"x": ' + str(i) + "}" * rng.randint(1, 3000)
        writer.add_document(**fields)
    writer.commit()
    writer = new_writer(ix)
    writer.delete_by_term("key", "7")
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        view = View(searcher, {})
        assert len(view.leaves) > 2
        for reader, offset, data in view.leaves:
            column = StoredColumn(reader)
            assert column._file is not None  # the fast path, not whoosh's
            for d in range(data.size):
                assert column(d) == stored_fields(reader, d), offset + d
        assert [view.stored(d) for d in range(view.size)] == [
            searcher.stored_fields(d) for d in range(view.size)
        ]
        column = StoredColumn(view.leaves[0][0])
    with pytest.raises(ValueError):  # a closed searcher's file is not read
        column(0)
