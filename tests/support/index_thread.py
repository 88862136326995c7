"""The serving node's index thread in a test, and a store filled with places' offers."""

from __future__ import annotations

import threading

from node.store.database import Store
from protocol.entries import Entry
from search.index import SearchIndex
from tests.support.samples import OFFER, key

PLACE = {"name": "La Fabrique", "address": {"city": "Périgueux"}, "department": "24"}


def fill(store: Store, places: int, offers: int, first: int = 0) -> list[Entry]:
    """``places`` places (their profile with the first offers), ``offers`` offers each from
    number ``first``: the entries appended, as the replication hands them to the listener."""
    entries = []
    for p in range(places):
        signer = key(f"lieu-{p}")
        if first == 0:
            entries.append(store.append_own(signer, col="profile", rid="profile", body=PLACE))
        for i in range(first, first + offers):
            body = {**OFFER, "title": f"Découpe laser {p} {i}"}
            entries.append(store.append_own(signer, col="offer", rid=f"o{i}", body=body))
    return entries


class Running:
    """The node's index thread on ``index``, stopped and joined at the end."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.thread = threading.Thread(target=index.run)
        self.thread.start()

    def stop(self) -> None:
        self.index.stop()
        self.thread.join(60)
        assert not self.thread.is_alive()
        self.index.close()
