"""Writing the index: documents from records, commits, live entries, a fork, a rebuild.

Every document is made from the store as it is (the current record, its author's current
profile), never from the entry that moved it: writing a key twice, or in any order, gives
the same document, which is what lets a catch-up redo a batch after a crash. Commits never
merge segments (:mod:`search.opening` merges them in the background).
"""

from __future__ import annotations

import collections
import contextlib
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh.writing import IndexWriter

from node.store.database import Store
from protocol.entries import Entry
from protocol.state import Record
from search.bulk import CompactWriter
from search.catchup import BOOTSTRAP_FEEDS
from search.documents import (
    NO_PLACE,
    PlaceInfo,
    make_document,
    place_of,
    ts_of_line,
    ts_of_value,
)
from search.faults import IndexBusy, IndexNotADirectory, IndexWriteError, write_failure
from search.schema import INDEXED_COLS, PLACE_COLS, WORDS_FIELD, doc_key
from search.storage import abandon, create, save_version
from search.watermarks import Mark, Marks, save_marks

#: Seconds a writer waits for whoosh's own lock (held by one writer at a time, in this
#: process: the owner lock of :mod:`search.locking` keeps other processes out).
WRITE_TIMEOUT_S = 10.0
#: Entries handed to the listeners within :data:`BURST_S` seconds from which a node is
#: filling up (a bootstrap): the index thread indexes them (:meth:`IndexWriting._filling_up`).
BURST_ENTRIES = 2_000
BURST_S = 10.0
#: Guards the count of listeners at work (:attr:`IndexWriting._in_flight`).
FLIGHT = threading.Lock()


def new_writer(ix: Any) -> IndexWriter:
    """A writer of ``ix``: whoosh's, with the compact posting pool of :mod:`search.bulk`."""
    return CompactWriter(ix, WORDS_FIELD, timeout=WRITE_TIMEOUT_S, delay=0.05)


class IndexWriting:
    """The writes of :class:`search.index.SearchIndex` (its state is set up there)."""

    path: Path
    store: Store | None
    marks: Marks
    ready: bool
    _ix: Any
    _catching: bool
    _worker: bool
    _apart: bool
    _arrivals: collections.deque[tuple[float, int]]
    #: Listeners at work in :meth:`add_entries` (guarded by :data:`FLIGHT`).
    _in_flight: int = 0

    def _writer(self) -> IndexWriter:
        return new_writer(self._ix)

    def _commit(self, writer: IndexWriter) -> None:
        """Commit ``writer`` without merging; if that fails (a full disk), give it up cleanly
        and raise."""
        try:
            writer.commit(merge=False)
        except BaseException:
            abandon(self._ix, writer)
            raise

    def _save_marks(self) -> None:
        save_marks(self.path, self.marks)

    # -- documents -------------------------------------------------------------------

    def _place(self, store: Store, author: str, places: dict[str, PlaceInfo]) -> PlaceInfo:
        place = places.get(author)
        if place is None:
            profile = store.record(author, "profile", "profile")
            place = places[author] = NO_PLACE if profile is None else place_of(profile.body)
        return place

    def _put(
        self,
        writer: IndexWriter,
        store: Store,
        record: Record,
        places: dict[str, PlaceInfo],
        new: bool = False,
        times: dict[int, Any] | None = None,
    ) -> None:
        """Write the document of ``record`` as the store has it now (or remove it); ``new``:
        the index has no document of that key (adding is several times faster); ``times``:
        the entries' ``ts`` by seq, read for a whole batch (else its line is read)."""
        if record.body is None:  # withheld
            if not new:
                writer.delete_by_term("key", doc_key(record.author, record.col, record.rid))
            return
        if times is not None and record.seq in times:
            ts = ts_of_value(times[record.seq])
        else:
            ts = ts_of_line(store.line(record.author, record.seq))
        place = self._place(store, record.author, places)
        if new:
            writer.add_document(**make_document(record, ts, place))
        else:
            writer.update_document(**make_document(record, ts, place))

    def _put_key(
        self,
        writer: IndexWriter,
        store: Store,
        key: tuple[str, str, str],
        places: dict[str, PlaceInfo],
    ) -> None:
        record = store.record(*key)
        if record is None:
            writer.delete_by_term("key", doc_key(*key))
        else:
            self._put(writer, store, record, places)

    # -- live entries ----------------------------------------------------------------

    def add_entries(self, entries: Iterable[Entry]) -> None:
        """Index newly stored entries (the writer's listener): one commit for the batch, and
        at most one bounded batch more for each feed that needs one (a new feed, a profile
        that moved every document of its place, entries missed meanwhile); the rest is the
        background catch-up's."""
        store = self.store
        if store is None:
            raise RuntimeError("index opened without its store")
        entries = list(entries)
        with FLIGHT:
            burst = self._arrived(len(entries))
        if not self._may_write():
            self._kick()  # still loading, or another process holds the index
            return
        # A bootstrap: feeds by the dozen stored and not indexed yet, while the index thread
        # or another listener (a round pulls several feeds at once) writes the index.
        # Waiting for their batches, or making one here, would hold the replication and the
        # loop's worker threads: the index thread's next batches take these entries
        # instead. Otherwise (a few feeds moving) they are searchable when this returns.
        with FLIGHT:
            if self._apart:  # a child writes it (search.apart): it takes these entries too
                self._kick()
                return
            busy = self._worker and (self._in_flight > 0 or self._catching)
            if (self._worker and burst) or (busy and self._feeds_behind(store) >= BOOTSTRAP_FEEDS):
                self._kick()
                return
            self._in_flight += 1
        try:
            with self._write_lock:
                self._write_live(store, entries)
            left = False
            for author in sorted({e.author for e in entries}):
                if self._needs_work(store, author):
                    self._step(store, author)
                    left = left or self._needs_work(store, author)
        finally:
            with FLIGHT:
                self._in_flight -= 1
        self._kick(dirty=left)  # the rest of a big feed: in the background

    def _arrived(self, count: int) -> bool:
        """Count ``count`` entries handed to a listener (under :data:`FLIGHT`); whether the
        node is filling up now (:meth:`_filling_up`)."""
        self._arrivals.append((time.monotonic(), count))
        return self._filling_up()

    def _filling_up(self) -> bool:
        """Whether the listeners were handed :data:`BURST_ENTRIES` entries or more within
        the last :data:`BURST_S` seconds (under :data:`FLIGHT`): a node filling up. Indexed
        by the listeners, feed after feed as they come, these entries would keep the index
        just behind the store and the replication waiting for each batch; the index thread
        takes them instead, and soon hands them to a child process (:mod:`search.apart`)."""
        arrivals = self._arrivals
        now = time.monotonic()
        while arrivals and arrivals[0][0] < now - BURST_S:
            arrivals.popleft()
        return sum(n for _, n in arrivals) >= BURST_ENTRIES

    def _feeds_behind(self, store: Store) -> int:
        """Feeds the store holds further than the index (one read of the feeds' heads)."""
        marks = self.marks.feeds
        return sum(1 for f in store.feeds() if (m := marks.get(f.author)) is None or m.seq < f.seq)

    def _write_live(self, store: Store, entries: list[Entry]) -> None:
        keys: dict[tuple[str, str, str], None] = {}
        span: dict[str, tuple[int, int, str]] = {}
        for entry in entries:
            lo, hi, head = span.get(entry.author, (entry.seq, 0, ""))
            if entry.seq > hi:
                hi, head = entry.seq, entry.id
            span[entry.author] = (min(lo, entry.seq), hi, head)
            if entry.col in INDEXED_COLS:
                keys[(entry.author, entry.col, entry.rid)] = None
        live = {a for a in span if self._live_mark(store, a) is not None}
        keys = {k: None for k in keys if k[0] in live and not _ahead_of_scan(self.marks, k)}
        if keys:
            if any(col in PLACE_COLS for _, col, _ in keys):
                self._towns.forget()
            self._guarded(
                lambda writer, places: [self._put_key(writer, store, key, places) for key in keys]
            )
        moved = False
        for author in live:
            mark, (lo, hi, head) = self.marks.feeds[author], span[author]
            if lo <= mark.seq + 1 and hi > mark.seq:  # no gap: the watermark moves on
                mark.seq, mark.head, moved = hi, head, True
        if moved:
            self._save_marks()

    def _live_mark(self, store: Store, author: str) -> Mark | None:
        mark = self.marks.feeds.get(author)
        if mark is None or mark.frozen or store.fork(author) is not None:
            return None
        return mark

    def _guarded(self, fill: Callable[[IndexWriter, dict[str, PlaceInfo]], object]) -> None:
        """One writer filled by ``fill`` and committed; a write failure said in French."""
        try:
            writer = self._writer()
            try:
                fill(writer, {})
            except BaseException:
                abandon(self._ix, writer)  # what it wrote of a segment is removed
                raise
            self._commit(writer)
        except OSError as exc:
            doing = "mis à jour" if self.marks.complete else "reconstruit"
            failure = write_failure(exc, self.path, doing)
            if failure is None:
                raise
            with contextlib.suppress(Exception):  # what was committed before it failed
                self._refresh()
            raise failure from exc
        if self.marks.complete:  # an index being built is not searched: one view at the end
            self._refresh()

    def remove_author(self, did: str) -> None:
        """Remove every document of ``did`` (its feed was frozen by a fork)."""
        self.remove_authors([did])

    def remove_authors(self, dids: Iterable[str]) -> None:
        def frozen(did: str) -> None:
            mark = self.marks.feeds.setdefault(did, Mark())
            mark.frozen, mark.scan = True, None

        self._drop_authors(dids, frozen)

    def reindex_authors(self, dids: Iterable[str]) -> None:
        """Index the feeds of ``dids`` again from the store: a recovery (SPEC §10.4) took
        entries away, so documents of the disowned entries must go. Their documents are
        removed now, and the catch-up adds the records held, as for a new feed."""
        self._drop_authors(dids, lambda did: self.marks.feeds.pop(did, None))
        self._kick(dirty=True)

    def _drop_authors(self, dids: Iterable[str], mark: Callable[[str], object]) -> None:
        """Remove every document of ``dids`` and set their watermarks with ``mark``."""
        dids = list(dids)
        if not self._may_write():
            self._kick()
            return
        with self._write_lock:
            if self._apart:  # a child writes it: its catch-up finds them, or the next one
                self._kick()
                return
            self._towns.forget()
            self._guarded(lambda writer, _: [writer.delete_by_term("author", d) for d in dids])
            for did in dids:
                mark(did)
            self._save_marks()

    # -- rebuild ---------------------------------------------------------------------

    def rebuild(self, store: Store, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild the whole index from ``store``; the number of documents.

        The new index is empty and incomplete at first; the catch-up fills it a batch at a
        time (:mod:`search.catchup`), so that a rebuild stopped midway (SIGTERM, kill -9)
        goes on from where it was at the next start. Raises :class:`IndexNotADirectory` if
        a file is where the index goes (it is left as it is), :class:`IndexBusy` if another
        process holds the index, :class:`IndexWriteError` if it cannot be written: what was
        written of it is then removed (it would only take room).
        """
        with self._write_lock:
            self._close_ix()
            self._towns.forget()
            if (self.path.exists() or self.path.is_symlink()) and not self.path.is_dir():
                raise IndexNotADirectory(self.path)
            if self._owner.acquire() is False:
                raise IndexBusy(self.path)
            self.ready = False
            try:
                self._start_rebuild()
            except OSError as exc:
                self._fail_rebuild(exc)
        try:
            self.catch_up(store, progress=progress)
        except IndexWriteError:
            self._discard()
            raise
        with self._search_lock:
            return self._searcher.doc_count() if self._searcher is not None else 0

    def _start_rebuild(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        self._ix = create(self.path)
        save_version(self.path)
        self.marks = Marks(complete=False)
        self._save_marks()
        self._refresh()

    def _fail_rebuild(self, exc: OSError) -> None:
        failure = write_failure(exc, self.path, "reconstruit")
        if failure is None:
            raise exc
        self._discard()
        raise failure from exc

    def _discard(self) -> None:
        """Remove what a failed rebuild wrote of the index (an unreadable, partial index)."""
        if self._ix is not None:
            with contextlib.suppress(Exception):
                self._close_ix()
        self.marks = Marks(complete=False)
        self.ready = False
        shutil.rmtree(self.path, ignore_errors=True)


def _ahead_of_scan(marks: Marks, key: tuple[str, str, str]) -> bool:
    """Whether the pass under way over a fresh feed has still to reach ``key`` (it adds
    that document itself: writing it now would make it twice)."""
    mark = marks.feeds.get(key[0])
    if mark is None or mark.scan is None or not mark.fresh:
        return False
    return not mark.scan or (key[1], key[2]) > tuple(mark.scan.split(" ", 1))
