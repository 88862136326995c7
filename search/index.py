"""The node's search index: a whoosh index in ``HOME/index``, a projection of the store.

Every current record of an indexed collection (profiles, offers, needs, listings), own or
replicated, is one document. The index follows the store through :meth:`add_entries` (the
writer's listener: one commit per announced batch) and :meth:`remove_author` (a fork freeze).
``heads.json`` beside the index remembers up to which seq each feed was indexed, so entries
stored while the node was down are indexed at the next start (:meth:`catch_up`); a missing or
unreadable index is rebuilt from the store (:meth:`rebuild`), which stays the truth.
"""

from __future__ import annotations

import gc
import logging
import shutil
import threading
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.writing import IndexWriter

from node.store import Store
from protocol.entries import Entry
from protocol.state import Record
from search.documents import NO_PLACE, PlaceInfo, make_document, place_of, ts_of_line
from search.model import SearchParams, SearchResult
from search.query import Columns
from search.schema import INDEXED_COLS, build_schema, doc_key

__all__ = ["HEADS_FILE", "SearchIndex", "index_path", "open_for_node"]
from search.searching import run_search
from search.storage import HEADS_FILE, open_checked, read_heads, save_heads

log = logging.getLogger("maillage.search")
INDEX_DIR = "index"
WRITE_TIMEOUT_S = 60.0


def index_path(home: Path) -> Path:
    return Path(home) / INDEX_DIR


def open_for_node(home: Path, store: Store) -> SearchIndex:
    """The index of the node at ``home``: opened, repaired or rebuilt, and caught up."""
    return SearchIndex(index_path(home), store)


class SearchIndex:
    """Open (or create) the index at ``path``; with a ``store``, repair and catch up."""

    def __init__(self, path: Path, store: Store | None = None) -> None:
        self._init_state(path, store)
        with warnings.catch_warnings():
            # whoosh leaves the file of an unreadable table of contents open: close it quietly
            warnings.simplefilter("ignore", ResourceWarning)
            problem = self._try_open(store)
            gc.collect()
        if problem is not None:
            if problem == "absent":
                log.info("index de recherche %s absent : construction", self.path)
            else:
                log.warning(
                    "index de recherche %s illisible (%s) : reconstruction", self.path, problem
                )
            assert store is not None
            self.rebuild(store)
            self.rebuilt = True
            return
        self._refresh()
        if store is not None:
            self.catch_up(store)

    def _try_open(self, store: Store | None) -> str | None:
        """Open the index; None, or why it must be rebuilt (raises without a store)."""
        try:
            self._ix = open_checked(self.path)
            self._heads = read_heads(self.path)
        except Exception as exc:  # any damage: the store has everything
            if store is None:
                raise
            self._ix = None
            return "absent" if not self.path.exists() else str(exc) or type(exc).__name__
        return None

    def _init_state(self, path: Path, store: Store | None) -> None:
        self.path = Path(path)
        self.store = store
        self._search_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._columns = Columns()
        self._searcher: Any = None
        self._ix: Any = None
        self._heads: dict[str, int] = {}
        self.rebuilt = False

    @classmethod
    def build(
        cls, path: Path, store: Store, progress: Callable[[int, int], None] | None = None
    ) -> tuple[SearchIndex, int]:
        """A new index at ``path`` built from ``store`` (whatever was there is replaced)."""
        index = cls.__new__(cls)
        index._init_state(path, store)
        count = index.rebuild(store, progress)
        index.rebuilt = True
        return index, count

    # -- opening ---------------------------------------------------------------------

    def _refresh(self) -> None:
        with self._search_lock:
            old = self._searcher
            self._searcher = self._ix.searcher()
            self._columns.load(self._searcher)
            if old is not None:
                old.close()

    def close(self) -> None:
        with self._search_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        if self._ix is not None:
            self._ix.close()

    # -- writing ---------------------------------------------------------------------

    def _writer(self, limitmb: int = 128) -> IndexWriter:
        return self._ix.writer(timeout=WRITE_TIMEOUT_S, delay=0.05, limitmb=limitmb)

    def rebuild(self, store: Store, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild the whole index from ``store``; the number of documents."""
        with self._write_lock:
            if self._ix is not None:
                self.close()
            if self.path.exists():
                shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
            self._ix = windex.create_in(self.path, build_schema())
            heads = {f.author: f.seq for f in store.feeds()}
            authors = [a for a in heads if store.fork(a) is None]
            count = 0
            writer = self._writer(limitmb=256)  # an empty index: add_document only
            try:
                for done, author in enumerate(authors, 1):
                    count += self._add_author(writer, store, author, {})
                    if progress is not None:
                        progress(done, len(authors))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            self._heads = heads
            save_heads(self.path, self._heads)
            self._refresh()
            return count

    def catch_up(self, store: Store) -> int:
        """Reindex the feeds that moved since they were indexed; how many feeds."""
        feeds = {f.author: f.seq for f in store.feeds()}
        stale = [a for a, seq in feeds.items() if self._heads.get(a) != seq]
        gone = [a for a in self._heads if a not in feeds]
        if not stale and not gone:
            return 0
        self._write(store, full=set(stale) | set(gone), keys={}, heads=feeds)
        return len(stale)

    def add_entries(self, entries: Iterable[Entry]) -> None:
        """Index newly stored entries (the writer's listener): one commit for the batch."""
        store = self.store
        if store is None:
            raise RuntimeError("index opened without its store")
        keys: dict[tuple[str, str, str], Entry] = {}
        full: set[str] = set()
        heads: dict[str, int] = {}
        for entry in entries:
            heads[entry.author] = max(heads.get(entry.author, 0), entry.seq)
            if entry.col == "profile":
                full.add(entry.author)  # the place changed: every document of the author
            elif entry.col in INDEXED_COLS:
                keys[(entry.author, entry.col, entry.rid)] = entry
        if keys or full or heads:
            self._write(store, full=full, keys=keys, heads=heads)

    def remove_author(self, did: str) -> None:
        """Remove every document of ``did`` (its feed was frozen by a fork)."""
        self.remove_authors([did])

    def remove_authors(self, dids: Iterable[str]) -> None:
        with self._write_lock:
            writer = self._writer()
            for did in dids:
                writer.delete_by_term("author", did)
            writer.commit()
            self._refresh()

    def _write(
        self,
        store: Store,
        *,
        full: set[str],
        keys: dict[tuple[str, str, str], Entry],
        heads: dict[str, int],
    ) -> None:
        with self._write_lock:
            writer = self._writer()
            places: dict[str, PlaceInfo] = {}
            try:
                for author in full:
                    writer.delete_by_term("author", author)
                    if store.fork(author) is None:
                        self._add_author(writer, store, author, places)
                frozen: dict[str, bool] = {}
                for (author, col, rid), entry in keys.items():
                    if author in full:
                        continue
                    if author not in frozen:
                        frozen[author] = store.fork(author) is not None
                    record = None if frozen[author] else store.record(author, col, rid)
                    if record is None or record.body is None:
                        writer.delete_by_term("key", doc_key(author, col, rid))
                        continue
                    ts = entry.header.get("ts", "") if entry.seq == record.seq else None
                    self._update(writer, store, record, places, ts)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            for author, seq in heads.items():
                self._heads[author] = max(self._heads.get(author, 0), seq)
            for author in full:
                if author not in heads and store.feed(author) is None:
                    self._heads.pop(author, None)
            save_heads(self.path, self._heads)
            self._refresh()

    def _place(self, store: Store, author: str, places: dict[str, PlaceInfo]) -> PlaceInfo:
        place = places.get(author)
        if place is None:
            profile = store.record(author, "profile", "profile")
            place = places[author] = NO_PLACE if profile is None else place_of(profile.body)
        return place

    def _update(
        self,
        writer: IndexWriter,
        store: Store,
        record: Record,
        places: dict[str, PlaceInfo],
        ts: str | None = None,
    ) -> None:
        if ts is None:
            ts = ts_of_line(store.line(record.author, record.seq))
        place = self._place(store, record.author, places)
        writer.update_document(**make_document(record, ts, place))

    def _add_author(
        self, writer: IndexWriter, store: Store, author: str, places: dict[str, PlaceInfo]
    ) -> int:
        count = 0
        for record in store.records(author=author):
            if record.col in INDEXED_COLS and record.body is not None:
                ts = ts_of_line(store.line(author, record.seq))
                place = self._place(store, author, places)
                writer.add_document(**make_document(record, ts, place))
                count += 1
        return count

    # -- reading ---------------------------------------------------------------------

    def doc_count(self) -> int:
        with self._search_lock:
            return self._searcher.doc_count()

    def search(self, params: SearchParams) -> SearchResult:
        """Answer ``params`` (never raises for any parameters :func:`parse_params` accepts)."""
        with self._search_lock:
            try:
                return run_search(self._searcher, self._columns, params)
            except Exception:
                log.exception("recherche impossible : %r", params)
                return SearchResult(0, params.page, params.per_page, [], {}, None)
