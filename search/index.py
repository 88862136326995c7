"""The node's search index: a whoosh index in ``HOME/index``, a projection of the store.

Every current record of an indexed collection (profiles, offers, needs, listings), own or
replicated, is one document. :class:`SearchIndex` is made of parts, each in its module:

- :mod:`search.opening`: opening, repair or rebuild, taking the index over from another
  process (:mod:`search.locking`), the serving node's index thread (background catch-up,
  segment merges);
- :mod:`search.catchup`: the catch-up by seq in bounded batches, from the watermarks of
  :mod:`search.watermarks` (``heads.json``);
- :mod:`search.writing`: documents, live entries (the writer's listener), a fork, a rebuild;
- here: the state, the view searches read, and the reading methods.

When the index cannot be written (a full disk, a folder in read-only mode), an index that
opened still answers, as it was: :attr:`SearchIndex.behind` says why it is not up to date.
One that must be rebuilt raises :class:`IndexWriteError` (French message: nothing is lost,
what to do); a file where its folder should be raises :class:`IndexNotADirectory`, untouched.
"""

from __future__ import annotations

import collections
import datetime
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from node.store.database import Store
from search.apart import ENTRIES as APART_ENTRIES
from search.catchup import BATCH, IndexCatchUp
from search.engine import View
from search.faults import IndexBusy, IndexFault, IndexNotADirectory, IndexWriteError
from search.locking import OwnerLock
from search.match_candidates import find_need, match_need, needs_of_offer
from search.matching import Match, Need, Served
from search.model import SearchParams, SearchResult
from search.opening import IndexOpening, log
from search.schema import PLACE_COLS
from search.searching import run_search
from search.segments import SegmentData
from search.storage import HEADS_FILE
from search.towns import Towns, near_town
from search.trust import Trust
from search.watermarks import Marks
from search.writing import IndexWriting, new_writer

__all__ = [
    "HEADS_FILE",
    "IndexBusy",
    "IndexFault",
    "IndexNotADirectory",
    "IndexNotReady",
    "IndexWriteError",
    "SearchIndex",
    "index_path",
    "new_writer",
    "open_for_node",
]

INDEX_DIR = "index"


def index_path(home: Path) -> Path:
    return Path(home) / INDEX_DIR


def open_for_node(home: Path, store: Store) -> SearchIndex:
    """The index of the node at ``home``: opened, repaired or rebuilt, and caught up."""
    return SearchIndex(index_path(home), store)


class IndexNotReady(Exception):
    """The index is still being opened or rebuilt (or could not be): no search yet."""

    def __init__(self, progress: tuple[int, int] | None, failed: bool = False) -> None:
        super().__init__("index de recherche indisponible" if failed else "index en construction")
        self.progress = progress
        self.failed = failed

    @property
    def percent(self) -> int | None:
        if not self.progress or not self.progress[1]:
            return None
        return 100 * self.progress[0] // self.progress[1]


class SearchIndex(IndexOpening, IndexCatchUp, IndexWriting):
    """Open (or create) the index at ``path``; with a ``store``, repair and catch up.

    With ``load=False`` nothing is read yet: :meth:`load` (or :meth:`run`, the serving
    node's index thread) does it; until an index is open, :meth:`search` raises
    :class:`IndexNotReady` and new entries wait in the store for the catch-up. ``batch``
    bounds the entries (or records) of one catch-up commit.
    """

    def __init__(
        self,
        path: Path,
        store: Store | None = None,
        *,
        load: bool = True,
        batch: int = BATCH,
        apart_entries: int = APART_ENTRIES,
    ) -> None:
        self._init_state(path, store, batch)
        self.apart_entries = apart_entries
        if load:
            self.load()

    def _init_state(self, path: Path, store: Store | None, batch: int = BATCH) -> None:
        self.path = Path(path)
        self.store = store
        self.batch = max(1, batch)
        self._search_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._segments: dict[str, SegmentData] = {}
        self._view: View | None = None
        self._searcher: Any = None
        self._ix: Any = None
        self.marks = Marks(complete=False)
        self._owner = OwnerLock(self.path)
        self._owned: bool | None = None
        self._worker = False
        #: Entries behind from which the index thread's catch-up runs in a child process
        #: (search.apart); 0: never.
        self.apart_entries = 0
        self._wake = threading.Event()
        self._dirty = False
        #: Feeds whose fresh pass had a batch in this process: the next ones add documents.
        self._adding: set[str] = set()
        #: (when, how many) of the entries the listeners were handed lately (a burst).
        self._arrivals: collections.deque[tuple[float, int]] = collections.deque()
        #: Set once :meth:`load` has opened an index (or given up): the node then serves.
        self.opened = threading.Event()
        #: Raised each time searches see a new state of the index (node.web.answer_cache).
        self.generation = 0
        self.rebuilt = False
        self.ready = False
        self.failed = False
        self.progress: tuple[int, int] | None = None
        #: Why the index could not catch up with the store (it answers as it was), or None.
        self.behind: IndexWriteError | None = None
        self._stopping = False
        self._towns = Towns(self._place_bodies)
        #: The places whose documents no search sees (:meth:`hide`).
        self.hidden_authors: frozenset[str] = frozenset()

    def _place_bodies(self) -> list[dict | None]:
        """The bodies of every profile and listing held (the towns searches can name)."""
        if self.store is None:
            return []
        return [r.body for col in sorted(PLACE_COLS) for r in self.store.records(col=col)]

    @classmethod
    def build(
        cls, path: Path, store: Store, progress: Callable[[int, int], None] | None = None
    ) -> tuple[SearchIndex, int]:
        """A new index at ``path`` built from ``store`` (whatever was there is replaced)."""
        index = cls.__new__(cls)
        index._init_state(path, store)
        try:
            count = index.rebuild(store, progress)
        except BaseException:
            index.close()
            raise
        index.rebuilt = True
        return index, count

    def _refresh(self) -> None:
        """Search the index as it is now: the new view is built while searches go on with
        the old one (only the index's writers call this, one at a time)."""
        searcher = self._ix.searcher()
        try:
            view = View(searcher, self._segments, self.hidden_authors)
        except BaseException:
            searcher.close()
            raise
        with self._search_lock:
            old = self._searcher
            self._searcher, self._view = searcher, view
            self.generation += 1  # answers rendered from an older view are stale
        if old is not None:
            old.close()

    def hide(self, authors: frozenset[str] | set[str]) -> bool:
        """Hide the documents of ``authors`` (the places this node mutes, ``node.hidden``)
        from every search, count and match, from the next view on; nothing is deleted, so
        hiding fewer brings them back at once. Whether the set changed."""
        authors = frozenset(authors)
        if authors == self.hidden_authors and self._view_hides(authors):
            return False  # the common case, every second: no lock taken
        with self._write_lock:
            self.hidden_authors = authors
            if self._ix is not None and not self._view_hides(authors):
                self._refresh()
            else:  # no view yet: answers kept per generation are stale all the same
                with self._search_lock:
                    self.generation += 1
        return True

    def _view_hides(self, authors: frozenset[str]) -> bool:
        """Whether the view searches read hides ``authors`` (or there is none yet: the
        first one will, since it reads :attr:`hidden_authors`)."""
        view = self._view
        return view is None or view.hidden_authors == authors

    def _close_ix(self) -> None:
        with self._search_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def close(self) -> None:
        """Close the index and let another process have it."""
        self._close_ix()
        self._owner.release()

    # -- reading ---------------------------------------------------------------------

    def doc_count(self) -> int:
        with self._search_lock:
            return self._searcher.doc_count()

    def claimants(self, author: str) -> dict[str, tuple[str, str]]:
        """For each listing of ``author`` claimed by a place's own profile, by rid: that
        place's did and name (``search.claims``); none while the index is loading."""
        out = {}
        if not self.ready:
            return out
        with self._search_lock:
            view, searcher = self._view, self._searcher
            if view is None or not view.claims:
                return {}
            for listing, place in view.claims.items():
                stored = searcher.stored_fields(listing)
                if stored.get("author") == author:
                    name = searcher.stored_fields(place.doc).get("place_name") or ""
                    out[stored["rid"]] = (place.author, name)
        return out

    def read_view(self, work: Callable[[View], Any]) -> Any:
        """``work(view)`` on the view searches read now (``search.stats``);
        :class:`IndexNotReady` while the index loads."""
        if not self.ready:
            raise IndexNotReady(self.progress, self.failed)
        with self._search_lock:
            assert self._view is not None
            return work(self._view)

    def search(self, params: SearchParams, trust: Trust | None = None) -> SearchResult:
        """Answer ``params`` (never raises for any parameters :func:`parse_params` accepts,
        but :class:`IndexNotReady` while the index is loading); ``trust``: the hops of the
        authors, computed by the node (``search.trust``)."""
        if not self.ready:
            raise IndexNotReady(self.progress, self.failed)
        near = near_town(params, self._towns)
        with self._search_lock:
            try:
                assert self._view is not None
                if near is not None and near.around is None:  # near=<a town unknown here>
                    return SearchResult(
                        0, params.page, params.per_page, [], {}, unknown_town=params.town
                    )
                if near is not None:
                    result = run_search(self._view, near.params, trust)
                    # asked with near=<town>: that is the answer; read in the text of the
                    # search and nothing around: the town's name as a word, as before
                    if result.total or params.town is not None:
                        return replace(result, around=near.around)
                return run_search(self._view, params, trust)
            except Exception:
                log.exception("recherche impossible : %r", params)
                return SearchResult(0, params.page, params.per_page, [], {}, None)

    def match(
        self,
        author: str,
        rid: str,
        *,
        today: datetime.date,
        inactive: frozenset[str] | set[str] = frozenset(),
        include_expired: bool = False,
        trust: Trust | None = None,
    ) -> tuple[Need, list[Match]] | None:
        """The need ``rid`` of ``author`` and who may serve it, best first
        (``search.match_candidates``, ``search.matching``); None when this index holds no
        such need; :class:`IndexNotReady` while it loads."""
        if not self.ready:
            raise IndexNotReady(self.progress, self.failed)
        with self._search_lock:
            assert self._view is not None
            need = find_need(self._view, author, rid)
            if need is None:
                return None
            found = match_need(
                self._view,
                need,
                today=today,
                inactive=inactive,
                include_expired=include_expired,
                trust=trust,
            )
            return need, found

    def needs_for_offer(
        self,
        author: str,
        rid: str,
        *,
        today: datetime.date,
        inactive: frozenset[str] | set[str] = frozenset(),
    ) -> list[Served]:
        """The open needs the offer ``rid`` of ``author`` could serve, most urgent first
        (none while the index loads, or for an offer it does not hold)."""
        if not self.ready:
            return []
        with self._search_lock:
            if self._view is None:
                return []
            found = needs_of_offer(self._view, author, rid, today=today, inactive=inactive)
            return found or []
