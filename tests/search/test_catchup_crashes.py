"""Any interleaving of store changes, live entries, catch-up batches and crashes ends, once
the index catches up without crashing, with the documents and answers of a rebuild."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from node.store.database import Store
from protocol.signing import sign_entry
from search.index import SearchIndex
from tests.support.index_crashes import Crash, answers, crash_after, documents, rebuilt
from tests.support.samples import OFFER, key

SIGNERS = [key("a"), key("b")]
CITIES = ["Périgueux", "Bordeaux", "Lyon"]
QUERIES = ("", "laser", "bordeaux", "lyon", "couture")

change = st.one_of(
    st.tuples(
        st.just("put"), st.integers(0, 1), st.integers(0, 5), st.sampled_from(["laser", "couture"])
    ),
    st.tuples(st.just("del"), st.integers(0, 1), st.integers(0, 5), st.just("")),
    st.tuples(st.just("profile"), st.integers(0, 1), st.integers(0, 2), st.just("")),
    st.tuples(st.just("fork"), st.integers(0, 1), st.just(0), st.just("")),
)
run = st.tuples(
    st.just("run"), st.sampled_from(["save", "write", "none"]), st.integers(1, 6), st.just("")
)
step = st.one_of(
    change, change, run, st.tuples(st.just("live"), st.booleans(), st.just(0), st.just(""))
)


def apply(store: Store, op: tuple) -> list:
    kind, who, n, word = op
    signer = SIGNERS[who]
    if store.fork(signer.did) is not None:
        return []
    if kind == "put":
        body = {**OFFER, "title": f"{word} {n}", "tags": [word]}
        return [store.append_own(signer, col="offer", rid=f"o{n}", body=body)]
    if kind == "del":
        if store.record(signer.did, "offer", f"o{n}") is None:
            return []
        return [store.append_own(signer, col="offer", rid=f"o{n}", op="del")]
    if kind == "profile":
        body = {"name": f"Lieu {who}", "address": {"city": CITIES[n]}, "department": "24"}
        return [store.append_own(signer, col="profile", rid="profile", body=body)]
    head = store.feed(signer.did)  # fork: another entry at the head's seq
    if head is None or head.seq < 2:
        return []
    other = sign_entry(
        signer,
        seq=head.seq,
        prev=store.entry_id(signer.did, head.seq - 1),
        col="need",
        rid="autre",
        body={"title": "autre", "category": "x"},
    )
    store.append([other])
    return []


OPEN = ("run", "none", 1, "")
PROFILE_MOVED = [("put", 0, 1, "laser"), ("profile", 0, 0, ""), OPEN, ("profile", 0, 1, "")]
GAP = [("live", True, 0, ""), ("put", 0, 1, "laser"), ("live", False, 0, "")]
GAP += [("put", 0, 2, "laser"), ("live", True, 0, ""), ("put", 0, 3, "couture")]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=16))
@example(PROFILE_MOVED)
@example(GAP)
@example([("put", 1, 0, "laser"), ("put", 1, 1, "laser"), ("run", "save", 2, ""), OPEN])
def test_any_interleaving_of_crashes_gives_the_answers_of_a_rebuild(steps: list[tuple]) -> None:
    steps = [OPEN, *steps]  # an index exists from the start: the catch-up is what is tested
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        store = Store(where / "store.sqlite3")
        index: SearchIndex | None = None
        live = False
        try:
            for op in steps:
                if op[0] == "live":
                    live = op[1]
                elif op[0] == "run":
                    if index is not None:
                        index.close()
                    index = SearchIndex(where / "index", store, batch=2, load=False)
                    try:
                        if op[1] == "none":
                            index.load()
                        else:
                            with crash_after(index, op[1], op[2]):
                                index.load()
                    except Crash:
                        index.close()  # killed: the system releases the lock
                        index = None
                else:
                    entries = apply(store, op)
                    if index is not None and live and entries:
                        try:
                            index.add_entries(entries)
                        except Crash:  # pragma: no cover - no crash point is armed here
                            raise
                    if op[0] == "fork" and index is not None and live:
                        index.remove_authors([s.did for s in SIGNERS if store.fork(s.did)])
            if index is not None:
                index.close()
            final = SearchIndex(where / "index", store, batch=2)
            fresh = rebuilt(store, where / "fresh")
            try:
                assert documents(final) == documents(fresh)
                assert answers(final, *QUERIES) == answers(fresh, *QUERIES)
            finally:
                final.close()
                fresh.close()
        finally:
            store.close()
