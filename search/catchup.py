"""The index catches up with the store by seq, a bounded batch per commit.

For each feed, :class:`search.watermarks.Mark` says how far the index follows it. A feed is
caught up when its watermark is at the feed's head, with the same entry there, its
documents carry the place of its current profile, and no pass over its records is under
way. Otherwise one :meth:`IndexCatchUp._step` moves it on by one batch of at most
``batch`` entries or records, in one commit, and saves the watermark:

- a feed gone from the store: its documents go;
- a feed frozen by a fork: its documents go, and it is marked frozen;
- a new feed, or one whose entries changed behind the watermark (a restored backup, a
  feed replaced): its documents go and a pass over its records starts, the watermark set
  to the feed's head as read before the pass;
- a profile that changed (the place every document carries): a pass over its records;
- during a pass: the next ``batch`` records after the last key done;
- then the entries after the watermark: each key's document made again from the store.

Feeds take turns, a batch each, so that one big feed does not hold the others back; the
loop checks the stop flag between batches. Search goes on meanwhile with what is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import astuple, replace
from typing import Any

from whoosh.writing import IndexWriter

from node.store.database import FeedHead, Store
from search.documents import PlaceInfo
from search.schema import INDEXED_COLS, PLACE_COLS
from search.watermarks import Mark, Marks

log = logging.getLogger("maillage.search")
#: Entries (or records) per commit of a catch-up: what a crash may make it redo, and about
#: how long SIGTERM waits for the index (a few hundred ms on a small machine).
BATCH = 1000
#: Batches of several feeds one commit of a catch-up may hold (each feed's batch stays
#: within ``batch``, so its watermark moves as it would alone).
GROUP = 4
#: Feeds behind past which a catch-up is a bootstrap: the writer's listener then leaves new
#: entries to the index thread rather than wait for it (:meth:`IndexWriting.add_entries`).
BOOTSTRAP_FEEDS = 4


class IndexCatchUp:
    """The catch-up of :class:`search.index.SearchIndex` (its state is set up there)."""

    marks: Marks
    ready: bool
    batch: int
    _stopping: bool
    progress: tuple[int, int] | None

    def catch_up(self, store: Store, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Bring the index up to ``store``, a batch per commit, feeds taking turns; the
        number of batches. Returns early when the node is stopping (:meth:`stop`)."""
        steps = 0
        while not self._stopping:
            feeds = store.feeds()
            pending = self._pending(store, feeds)
            if not self.marks.complete:
                self.progress = (len(feeds) - len(pending), len(feeds))
                if progress is not None:
                    progress(*self.progress)
            if not pending:
                if not self.marks.complete:
                    with self._write_lock:
                        self.marks.complete = True
                        self._save_marks()
                        self._refresh()
                    self.ready = True
                return steps
            moved = False
            done = 0
            while done < len(pending) and not self._stopping:
                if self._catch_up_apart_if_big(store):  # a bootstrap: done by a child
                    moved = True
                    break
                before = {a: _state(self.marks.feeds.get(a)) for a in pending[done:]}
                group = self._step_many(store, pending[done:])
                if self.marks.complete and self._worker:  # the node's index thread only
                    self._merge_if_needed()  # a commit of its own, between two commits
                moved = moved or any(before[a] != _state(self.marks.feeds.get(a)) for a in group)
                done += len(group)
                steps += len(group)
            if not moved and not self._stopping:  # never expected: say it, do not spin
                log.warning("index de recherche : rattrapage sans progrès pour %s", pending[:3])
                return steps
        return steps

    def _catch_up_apart_if_big(self, store: Store) -> bool:
        """Whether a child process did the catch-up (:mod:`search.apart`, the node's index
        thread only: :class:`search.opening.IndexOpening`)."""
        return False

    def _pending(self, store: Store, feeds: list[FeedHead]) -> list[str]:
        """The feeds that are not caught up (and those gone from the store)."""
        forked = store.forked_authors()
        marks = self.marks.feeds
        out = [a for a in marks if a not in {f.author for f in feeds}]
        for feed in feeds:
            mark = marks.get(feed.author)
            if feed.author in forked:
                if mark is None or not mark.frozen:
                    out.append(feed.author)
            elif not self._caught_up(store, feed, mark):
                out.append(feed.author)
        return out

    def _needs_work(self, store: Store, author: str) -> bool:
        feed = store.feed(author)
        mark = self.marks.feeds.get(author)
        if feed is None:
            return mark is not None
        if store.fork(author) is not None:
            return mark is None or not mark.frozen
        return not self._caught_up(store, feed, mark)

    def _caught_up(self, store: Store, feed: FeedHead, mark: Mark | None) -> bool:
        return (
            mark is not None
            and not mark.frozen
            and mark.scan is None
            and (mark.seq, mark.head) == (feed.seq, feed.head)
            and mark.place == _profile_seq(store, feed.author)
        )

    def _step(self, store: Store, author: str) -> None:
        """Move ``author``'s feed on by one batch: one commit, then its watermark saved."""
        with self._write_lock:
            feed = store.feed(author)
            mark = self.marks.feeds.get(author)
            result: list[Mark | None] = []

            def fill(writer: IndexWriter, places: dict[str, PlaceInfo]) -> None:
                result.append(self._advance(writer, store, author, feed, mark, places))

            self._guarded(fill)
            if result[0] is None:
                self.marks.feeds.pop(author, None)
            else:
                self.marks.feeds[author] = result[0]
            self._save_marks()

    def _step_many(self, store: Store, authors: list[str]) -> list[str]:
        """Move the first of ``authors`` on by one batch each, in one commit, until it holds
        :data:`GROUP` batches' worth of documents: a bootstrap brings hundreds of small new
        feeds, and a commit (a segment, a view, sooner or later a merge) per feed cost more
        than their documents. The authors moved, in order (at least the first)."""
        limit = self.batch * GROUP
        with self._write_lock:
            results: dict[str, Mark | None] = {}

            def fill(writer: IndexWriter, places: dict[str, PlaceInfo]) -> None:
                for author in authors:
                    if results and (self._stopping or _documents(writer) >= limit):
                        break
                    feed, mark = store.feed(author), self.marks.feeds.get(author)
                    results[author] = self._advance(writer, store, author, feed, mark, places)

            self._guarded(fill)
            for author, mark in results.items():
                if mark is None:
                    self.marks.feeds.pop(author, None)
                else:
                    self.marks.feeds[author] = mark
            self._save_marks()
            return list(results)

    def _advance(
        self,
        writer: IndexWriter,
        store: Store,
        author: str,
        feed: FeedHead | None,
        mark: Mark | None,
        places: dict[str, PlaceInfo],
    ) -> Mark | None:
        if feed is None:  # no longer held
            self._towns.forget()
            writer.delete_by_term("author", author)
            return None
        if store.fork(author) is not None:
            self._towns.forget()
            writer.delete_by_term("author", author)
            return Mark(seq=feed.seq, head=feed.head, frozen=True)
        profile = _profile_seq(store, author)
        if mark is not None and mark.head == "?":  # a watermark of the first format
            mark = _upgraded(store, feed, mark, profile)
        if mark is None or mark.frozen or not _consistent(store, feed, mark):
            if mark is not None:
                log.info("flux %s changé en deçà de l'index : réindexation du flux", author)
            self._towns.forget()
            writer.delete_by_term("author", author)
            mark = Mark(seq=feed.seq, head=feed.head, place=profile, scan="", fresh=True)
            self._adding.add(author)  # its documents are all gone, in this very commit
        elif mark.place != profile:  # the place of every document moved
            mark = replace(mark, place=profile, scan="", fresh=False)
        if mark.scan is not None:
            return self._scan(writer, store, author, mark, places)
        if mark.seq < feed.seq:
            return self._tail(writer, store, author, mark, places)
        return mark

    def _scan(
        self, writer: IndexWriter, store: Store, author: str, mark: Mark, places: Any
    ) -> Mark:
        after = tuple(mark.scan.split(" ", 1)) if mark.scan else None
        records = store.records_after(author, INDEXED_COLS, after, self.batch)  # type: ignore[arg-type]
        # A fresh pass adds, but its first batch in a process updates: a crash may have
        # committed that batch without saving the watermark that says so.
        new = mark.fresh and author in self._adding
        times = store.entry_times(author, [r.seq for r in records if r.body is not None])
        for record in records:
            if record.col in PLACE_COLS:
                self._towns.forget()
            self._put(writer, store, record, places, new, times)
        if mark.fresh:
            self._adding.add(author)
        if len(records) < self.batch:
            return replace(mark, scan=None, fresh=False)
        return replace(mark, scan=f"{records[-1].col} {records[-1].rid}")

    def _tail(
        self, writer: IndexWriter, store: Store, author: str, mark: Mark, places: Any
    ) -> Mark:
        keys = store.entry_keys(author, mark.seq, self.batch)
        done: set[tuple[str, str]] = set()
        for _, col, rid, _ in keys:
            if col in INDEXED_COLS and (col, rid) not in done:
                done.add((col, rid))
                if col in PLACE_COLS:
                    self._towns.forget()
                self._put_key(writer, store, (author, col, rid), places)
        if not keys:
            return mark
        return replace(mark, seq=keys[-1][0], head=keys[-1][3])


def _state(mark: Mark | None) -> tuple | None:
    return None if mark is None else astuple(mark)


def _documents(writer: IndexWriter) -> int:
    """Documents ``writer`` added so far (whoosh's segment writer counts them)."""
    return getattr(writer, "docnum", 0) - getattr(writer, "docbase", 0)


def _profile_seq(store: Store, author: str) -> int:
    profile = store.record(author, "profile", "profile")
    return 0 if profile is None else profile.seq


def _consistent(store: Store, feed: FeedHead, mark: Mark) -> bool:
    """Whether the entries up to the watermark are still those the index saw."""
    if feed.seq < mark.seq:
        return False
    if feed.seq == mark.seq:
        return feed.head == mark.head
    return store.entry_id(feed.author, mark.seq) == mark.head


def _upgraded(store: Store, feed: FeedHead, mark: Mark, profile: int) -> Mark:
    """A watermark of the first format ({did: seq}): the head is taken from the store, and
    the place is the profile's if that profile was within what was indexed."""
    head = store.entry_id(feed.author, mark.seq) or ""
    return replace(mark, head=head, place=profile if profile <= mark.seq else -1)
