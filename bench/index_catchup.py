"""The search index's catch-up and rebuild, timed on a feed of N offers (issue 12, finding 5).

    python -m bench.index_catchup [N]

Prints, for one feed of N offers: the rebuild (``SearchIndex.build``), the time until an
index missing one entry answers and until it has caught up, and the share of the index
that stored fields take. Run it from a checkout: compare two checkouts side by side.
"""

from __future__ import annotations

import pickle
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from node.store.database import Store
from search.index import SearchIndex
from tests.support.samples import OFFER, key


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        store = Store(where / "store.sqlite3")
        signer = key("bench")
        place = {"name": "Banc", "address": {"city": "Lyon"}, "department": "69"}
        store.append_own(signer, col="profile", rid="profile", body=place)
        offers = [("offer", f"o{i}", "put", {**OFFER, "title": f"Offre {i}"}) for i in range(n)]
        store.append_own_many(signer, offers)
        start = time.perf_counter()
        index, count = SearchIndex.build(where / "index", store)
        built = time.perf_counter() - start
        index.close()
        size = sum(p.stat().st_size for p in (where / "index").iterdir())
        store.append_own(signer, col="offer", rid="late", body={**OFFER, "title": "Tardive"})
        start = time.perf_counter()
        index = SearchIndex(where / "index", store)
        caught = time.perf_counter() - start
        stored: Counter[str] = Counter()
        for fields in index._ix.reader().all_stored_fields():
            for name, value in fields.items():
                stored[name] += len(pickle.dumps(value, 2))
        index.close()
        store.close()
    share = sum(stored.values()) / size
    print(f"{n} offers: rebuild {built:.2f} s ({count} documents, {size / 1e6:.1f} MB)")
    print(f"one entry missing: caught up in {caught:.2f} s")
    top = ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in stored.most_common(4))
    print(f"stored fields ~{share:.0%} of the index: {top}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
