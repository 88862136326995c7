"""The node's search index: a whoosh index in ``HOME/index``, a projection of the store.

Every current record of an indexed collection (profiles, offers, needs, listings), own or
replicated, is one document. The index follows the store through :meth:`add_entries` (the
writer's listener: one commit per announced batch) and :meth:`remove_author` (a fork freeze).
``heads.json`` beside the index remembers up to which seq each feed was indexed, so entries
stored while the node was down are indexed at the next start (:meth:`catch_up`); a missing or
unreadable index is rebuilt from the store (:meth:`rebuild`), which stays the truth.

When the index cannot be written (a full disk, a folder in read-only mode), an index that
opened still answers, as it was: :attr:`SearchIndex.behind` says why it is not up to date.
One that must be rebuilt raises :class:`IndexWriteError` (French message: nothing is lost,
what to do); a file where its folder should be raises :class:`IndexNotADirectory`, untouched.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import shutil
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from whoosh.writing import IndexWriter

from node.store.database import Store
from protocol.entries import Entry
from protocol.state import Record
from search.bulk import ChunkedWriter, CompactWriter
from search.documents import NO_PLACE, PlaceInfo, make_document, place_of, ts_of_line
from search.engine import View
from search.model import SearchParams, SearchResult
from search.schema import FIRST_ONLY, INDEXED_COLS, PLACE_COLS, doc_key
from search.segments import SegmentData
from search.towns import Towns, near_town

__all__ = [
    "HEADS_FILE",
    "IndexFault",
    "IndexNotReady",
    "IndexWriteError",
    "SearchIndex",
    "index_path",
    "new_writer",
    "open_for_node",
]
from search.faults import IndexFault, IndexNotADirectory, IndexWriteError, write_failure
from search.searching import run_search
from search.storage import (
    HEADS_FILE,
    OutdatedIndex,
    abandon,
    create,
    open_checked,
    read_heads,
    save_heads,
    save_version,
)

log = logging.getLogger("maillage.search")
INDEX_DIR = "index"
WRITE_TIMEOUT_S = 60.0
#: Documents per segment when the index is rebuilt (bounds the memory of a rebuild).
REBUILD_CHUNK = 25_000


def new_writer(ix: Any) -> IndexWriter:
    """A writer of ``ix``: whoosh's, with the compact posting pool of :mod:`search.bulk`."""
    return CompactWriter(ix, FIRST_ONLY, timeout=WRITE_TIMEOUT_S, delay=0.05)


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


class _Stopped(Exception):
    """The node is stopping: a rebuild in progress gives up (the next start rebuilds)."""


class SearchIndex:
    """Open (or create) the index at ``path``; with a ``store``, repair and catch up.

    With ``load=False`` nothing is read yet: :meth:`load` does it (a node calls it in a
    thread and serves its feeds meanwhile); until it is done, :meth:`search` raises
    :class:`IndexNotReady` and new entries wait in the store for the catch-up that ends
    :meth:`load`.
    """

    def __init__(self, path: Path, store: Store | None = None, *, load: bool = True) -> None:
        self._init_state(path, store)
        if load:
            self.load()

    def load(self) -> None:
        """Open, repair or rebuild the index and catch up with the store; then search."""
        store = self.store
        try:
            self._open(store)
            with self._write_lock:
                self.ready = True
                if store is not None:  # what was stored while this ran
                    self._catch_up_if_possible(store)
                    self._drop_frozen(store)
        except _Stopped:
            log.info("construction de l'index interrompue : elle reprendra au prochain démarrage")
        except Exception:
            self.failed = True
            raise

    def stop(self) -> None:
        """Ask a :meth:`load` in progress to give up soon (the node is stopping)."""
        self._stopping = True

    def _open(self, store: Store | None) -> None:
        if (self.path.exists() or self.path.is_symlink()) and not self.path.is_dir():
            raise IndexNotADirectory(self.path)
        with warnings.catch_warnings():
            # whoosh leaves the file of an unreadable table of contents open: close it quietly
            warnings.simplefilter("ignore", ResourceWarning)
            problem = self._try_open(store)
            gc.collect()
        if problem is not None:
            if problem == "absent":
                log.info("index de recherche %s absent : construction", self.path)
            elif problem == "outdated":
                log.warning(
                    "index de recherche %s fait par une version antérieure : reconstruction",
                    self.path,
                )
            else:
                log.warning(
                    "index de recherche %s illisible (%s) : reconstruction", self.path, problem
                )
            assert store is not None
            self.rebuild(store, self._progress)
            self.rebuilt = True
            return
        if store is not None:
            self._catch_up_if_possible(store)

    def _catch_up_if_possible(self, store: Store) -> None:
        """Catch up with ``store``; if the index cannot be written, it answers as it is and
        :attr:`behind` says why (the next catch-up that can write brings it up to date)."""
        try:
            self.catch_up(store)
        except IndexWriteError as exc:
            if self.behind is None:  # once (the command line says it its own way)
                log.info("index de recherche pas à jour : %s", exc)
            self.behind = exc
        else:
            self.behind = None

    def _progress(self, done: int, total: int) -> None:
        self.progress = (done, total)
        if self._stopping:
            raise _Stopped

    def _drop_frozen(self, store: Store) -> None:
        """Remove the documents of feeds frozen by a fork while the index was loading."""
        frozen = [did for did in self._heads if store.fork(did) is not None]
        if frozen:
            self.remove_authors(frozen)

    def _try_open(self, store: Store | None) -> str | None:
        """Open the index; None, or why it must be rebuilt (raises without a store)."""
        try:
            self._ix = open_checked(self.path)
            self._heads = read_heads(self.path)
            self._refresh()  # the first view reads every column and frequent posting
        except Exception as exc:  # any damage: the store has everything
            if store is None:
                raise
            if self._ix is not None:
                self._ix.close()
            self._ix = None
            if isinstance(exc, OutdatedIndex):
                return "outdated"
            return "absent" if not self.path.exists() else str(exc) or type(exc).__name__
        return None

    def _init_state(self, path: Path, store: Store | None) -> None:
        self.path = Path(path)
        self.store = store
        self._search_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._segments: dict[str, SegmentData] = {}
        self._view: View | None = None
        self._searcher: Any = None
        self._ix: Any = None
        self._heads: dict[str, int] = {}
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
        count = index.rebuild(store, progress)
        index.rebuilt = index.ready = True
        return index, count

    # -- opening ---------------------------------------------------------------------

    def _refresh(self) -> None:
        """Search the index as it is now: the new view is built while searches go on with
        the old one (only the index's writers call this, one at a time)."""
        searcher = self._ix.searcher()
        try:
            view = View(searcher, self._segments)
        except BaseException:
            searcher.close()
            raise
        with self._search_lock:
            old = self._searcher
            self._searcher, self._view = searcher, view
            self.generation += 1  # answers rendered from an older view are stale
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

    def _writer(self) -> IndexWriter:
        return new_writer(self._ix)

    def rebuild(self, store: Store, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild the whole index from ``store``; the number of documents.

        Raises :class:`IndexNotADirectory` if a file is where the index goes (it is left as
        it is), :class:`IndexWriteError` if the index cannot be written: what was written of
        it is then removed (it would only take room), the next opening rebuilds it.
        """
        with self._write_lock:
            if self._ix is not None:
                self.close()
                self._ix = None
            self._towns.forget()
            if (self.path.exists() or self.path.is_symlink()) and not self.path.is_dir():
                raise IndexNotADirectory(self.path)
            try:
                return self._rebuild(store, progress)
            except OSError as exc:
                failure = write_failure(exc, self.path, "reconstruit")
                if failure is None:
                    raise
                self._discard()
                raise failure from exc

    def _rebuild(self, store: Store, progress: Callable[[int, int], None] | None) -> int:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._ix = create(self.path)
        heads = {f.author: f.seq for f in store.feeds()}
        authors = [a for a in heads if store.fork(a) is None]
        count = 0
        writer = ChunkedWriter(self._writer, REBUILD_CHUNK)  # a new index: adds only
        try:
            for done, author in enumerate(authors, 1):
                count += self._add_author(writer, store, author, {})
                if progress is not None:
                    progress(done, len(authors))
            writer.commit()
        except BaseException:
            with contextlib.suppress(Exception):  # a writer whose commit failed may not cancel
                writer.cancel()
            raise
        save_version(self.path)
        self._heads = heads
        save_heads(self.path, self._heads)
        self._refresh()
        return count

    def _discard(self) -> None:
        """Remove what a failed rebuild wrote of the index (an unreadable, partial index)."""
        if self._ix is not None:
            with contextlib.suppress(Exception):
                self._ix.close()
            self._ix = None
        self._heads = {}
        shutil.rmtree(self.path, ignore_errors=True)

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
        if not self.ready:
            return  # still loading: load() ends with a catch-up from the store
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
            if not self.ready:
                return  # still loading: load() drops the frozen feeds at its end
            self._towns.forget()
            try:
                writer = self._writer()
                for did in dids:
                    writer.delete_by_term("author", did)
                self._commit(writer)
            except OSError as exc:
                failure = write_failure(exc, self.path, "mis à jour")
                if failure is None:
                    raise
                raise failure from exc
            self._refresh()

    def _commit(self, writer: IndexWriter) -> None:
        """Commit ``writer``; if that fails (a full disk), give it up cleanly and raise."""
        try:
            writer.commit()
        except BaseException:
            abandon(self._ix, writer)
            raise

    def _write(
        self,
        store: Store,
        *,
        full: set[str],
        keys: dict[tuple[str, str, str], Entry],
        heads: dict[str, int],
    ) -> None:
        with self._write_lock:
            try:
                self._write_locked(store, full=full, keys=keys, heads=heads)
            except OSError as exc:
                failure = write_failure(exc, self.path, "mis à jour")
                if failure is None:
                    raise
                with contextlib.suppress(Exception):  # what was committed before it failed
                    self._refresh()
                raise failure from exc
            self._refresh()

    def _write_locked(
        self,
        store: Store,
        *,
        full: set[str],
        keys: dict[tuple[str, str, str], Entry],
        heads: dict[str, int],
    ) -> None:
        if full or any(col in PLACE_COLS for _, col, _ in keys):
            self._towns.forget()
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
            abandon(self._ix, writer)  # what it wrote of a segment is removed
            raise
        self._commit(writer)
        for author, seq in heads.items():
            self._heads[author] = max(self._heads.get(author, 0), seq)
        for author in full:
            if author not in heads and store.feed(author) is None:
                self._heads.pop(author, None)
        save_heads(self.path, self._heads)

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
        self,
        writer: IndexWriter | ChunkedWriter,
        store: Store,
        author: str,
        places: dict[str, PlaceInfo],
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

    def search(self, params: SearchParams) -> SearchResult:
        """Answer ``params`` (never raises for any parameters :func:`parse_params` accepts,
        but :class:`IndexNotReady` while the index is loading)."""
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
                    result = run_search(self._view, near.params)
                    # asked with near=<town>: that is the answer; read in the text of the
                    # search and nothing around: the town's name as a word, as before
                    if result.total or params.town is not None:
                        return replace(result, around=near.around)
                return run_search(self._view, params)
            except Exception:
                log.exception("recherche impossible : %r", params)
                return SearchResult(0, params.page, params.per_page, [], {}, None)
