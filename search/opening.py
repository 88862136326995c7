"""Opening the index, taking it over from another process, and its background work.

:meth:`IndexOpening.load` opens the index (or rebuilds it: absent, unreadable, made by an
earlier version) and catches up with the store. It searches as soon as an index is open
and complete: a catch-up goes on while the index answers with what it holds.

The process that writes the index holds its owner lock (:mod:`search.locking`). One that
finds the lock taken (a node started while the previous one still stops) opens the index
read only and searches it as it is; :meth:`IndexOpening.run`, the serving node's index
thread, then tries the lock again every :data:`RETRY_SECONDS` and, once it has it, reopens
and catches up: no restart is needed. The same thread catches up when it is woken (entries
it could not write at once) and merges segments when there are more than
:data:`MERGE_AFTER` of them, so that no commit of a request or of the catch-up merges.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import warnings
from pathlib import Path
from typing import Any

from node.store.database import Store
from search.apart import POLL_S, ApartCatchUp, entries_behind
from search.faults import IndexBusy, IndexNotADirectory, IndexWriteError
from search.locking import OwnerLock
from search.storage import OutdatedIndex, open_checked
from search.watermarks import Marks, read_marks
from search.writing import FLIGHT

log = logging.getLogger("maillage.search")
#: Seconds between two tries of the owner lock, while another process holds it.
RETRY_SECONDS = 0.5
#: Seconds between two checks of an idle index (a safety net: entries are announced).
IDLE_SECONDS = 30.0
#: Segments past which the index thread merges the small ones (:func:`merge_bounded`).
MERGE_AFTER = 8
#: Documents one merge may hold at most. whoosh's MERGE_SMALL lets some twenty segments of
#: a catch-up pile up, then merges them all at once: during a 100,000-entry ingest, one
#: merge of ~70,000 documents took the index thread ~35 s and RSS from 155 to 410 MB (its
#: postings pool holds what it merges). Merging the smallest segments up to this many
#: documents keeps each merge a few seconds and tens of MB.
MERGE_DOCS = 16_000


class IndexOpening:
    """The opening and background work of :class:`search.index.SearchIndex`."""

    path: Path
    store: Store | None
    marks: Marks
    ready: bool
    failed: bool
    rebuilt: bool
    behind: IndexWriteError | None
    _ix: Any
    _owner: OwnerLock
    _stopping: bool
    #: Whether the index thread is catching up (a bootstrap, a big feed): the writer's
    #: listener then leaves new entries to it rather than wait for its batch to commit.
    _catching: bool = False
    #: Entries behind from which a catch-up runs in a child process (0: never).
    apart_entries: int
    #: A child writes the index (this process only reads it meanwhile).
    _apart: bool = False
    #: A child failed once: this process catches up itself from then on.
    _apart_failed: bool = False
    #: The child said why it failed (else the node says how it ended).
    _apart_said: bool = False
    _in_flight: int
    batch: int

    def load(self) -> None:
        """Open, repair or rebuild the index and catch up with the store."""
        try:
            self._load()
        except Exception:
            self.failed = True
            raise
        finally:
            self.opened.set()
        if self._stopping and not self.ready:
            log.info("construction de l'index interrompue : elle reprendra au prochain démarrage")

    def _load(self) -> None:
        store = self.store
        if (self.path.exists() or self.path.is_symlink()) and not self.path.is_dir():
            raise IndexNotADirectory(self.path)
        owned = self._owned = self._owner.acquire() if store is not None else None
        if owned is False:  # another process writes it: read it as it is
            problem = self._try_open(None, quiet=True)
            if problem is None:
                self.ready = self.marks.complete
            elif not self._worker:
                raise IndexBusy(self.path)
            log.info(
                "index de recherche %s tenu par un autre processus : lu tel quel, repris dès "
                "qu'il sera libéré",
                self.path,
            )
            return
        problem = self._try_open(store)
        if problem is not None:
            self._say_rebuild(problem)
            assert store is not None
            self.rebuilt = True
            self.rebuild(store)
            return
        self.rebuilt = not self.marks.complete  # a rebuild stopped midway goes on
        self.ready = self.marks.complete
        if self.ready:
            self.opened.set()  # a node serves now; the catch-up goes on meanwhile
        if store is not None:
            self._catch_up_if_possible(store)

    def _say_rebuild(self, problem: str) -> None:
        if problem == "absent":
            log.info("index de recherche %s absent : construction", self.path)
        elif problem == "outdated":
            log.warning(
                "index de recherche %s fait par une version antérieure : reconstruction",
                self.path,
            )
        else:
            log.warning("index de recherche %s illisible (%s) : reconstruction", self.path, problem)

    def _try_open(self, store: Store | None, quiet: bool = False) -> str | None:
        """Open the index; None, or why it must be rebuilt (raises without a store, unless
        ``quiet``)."""
        with warnings.catch_warnings():
            # whoosh leaves the file of an unreadable table of contents open: close it quietly
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                self._ix = open_checked(self.path)
                self.marks = read_marks(self.path)
                self._refresh()  # the first view reads every column and frequent posting
            except Exception as exc:  # any damage: the store has everything
                if store is None and not quiet:
                    raise
                if self._ix is not None:
                    self._ix.close()
                self._ix = None
                if isinstance(exc, OutdatedIndex):
                    return "outdated"
                return "absent" if not self.path.exists() else str(exc) or type(exc).__name__
            finally:
                gc.collect()
        return None

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

    def _may_write(self) -> bool:
        """Whether this process may write the index now (opened, complete, owned, and no
        child writing it: :mod:`search.apart`)."""
        return self.ready and self._ix is not None and self._owned is not False and not self._apart

    # -- a big catch-up in a process of its own (search.apart) -----------------------

    def _catch_up_apart_if_big(self, store: Store) -> bool:
        """Hand the catch-up to a child process when the store is far ahead of the index
        (the node's index thread only, between two batches of its catch-up); back when it
        is done (or has failed: this thread then goes on itself). Whether it was handed."""
        if not self._worker or not self.apart_entries or self._apart_failed:
            return False
        if self._ix is None or self._owned is False or self._apart:
            return False
        with FLIGHT:
            filling = self._filling_up()
        # A node filling up hands its catch-up over at once (more is coming), even during
        # the rebuild of a new node's empty index; a rebuild from a full store stays here.
        if not (filling or self.ready):
            return False
        if entries_behind(store, self.marks) < (self.batch if filling else self.apart_entries):
            return False
        with self._write_lock, FLIGHT:
            if self._in_flight:  # a listener writes: after the next batch
                return False
            self._apart = True  # from here this process writes nothing (_may_write)
        try:
            self._watch_apart(ApartCatchUp(self.path, store.path, self.batch))
        except OSError as exc:  # no process can be started (limits): catch up here
            log.warning("index de recherche : rattrapage à part impossible (%s)", exc)
            self._apart_failed = True
        finally:
            with self._write_lock:
                self._apart = False
                self._adding.clear()  # a batch may have been committed without its watermark
                self._see_child_state()
        return True

    def _see_child_state(self) -> None:
        """Search the index as the child left it, with its watermarks (if they cannot be
        read, the old ones: work redone, nothing lost)."""
        with self._write_lock:
            with contextlib.suppress(Exception):
                self.marks = read_marks(self.path)
            self.ready = self.ready or self.marks.complete  # the child's rebuild is done
            self._towns.forget()
            self._refresh()

    def _watch_apart(self, child: ApartCatchUp) -> None:
        """Search each state the child commits, relay its log, until it ends (or the node
        stops: the child is then stopped after its batch)."""
        pid = child.process.pid
        log.info("index de recherche : rattrapage dans un processus à part (pid %s)", pid)
        self._apart_said = False
        try:
            while True:
                if self._stopping:
                    child.stop()
                    return
                events = child.events(POLL_S)
                if events is None:
                    break
                for event in events:
                    self._apart_event(event)
        finally:
            child.close()
        code = child.process.returncode
        if code != 0:
            self._apart_failed = True
            if not self._apart_said:  # ended without a word (killed, out of memory…)
                how = f"signal {-code}" if code < 0 else f"code {code}"
                log.warning(
                    "index de recherche : rattrapage à part arrêté (%s) ; repris dans le nœud",
                    how,
                )

    def _apart_event(self, event: dict) -> None:
        if "commit" in event:
            progress = event.get("progress")
            if isinstance(progress, list) and [type(n) for n in progress] == [int, int]:
                self.progress = (progress[0], progress[1])  # a rebuild's: feeds done, all
            self._see_child_state()
        elif "log" in event:
            level = event["log"] if isinstance(event["log"], int) else logging.INFO
            log.log(level, "%s", event.get("message"))
        elif "failed" in event:
            self._apart_said = True
            if event.get("fault"):  # a full disk…: the node's own catch-up says it
                return
            log.warning(
                "index de recherche : rattrapage à part interrompu (%s) ; repris dans le nœud",
                event["failed"],
            )

    # -- the serving node's index thread ---------------------------------------------

    def run(self) -> None:
        """Load the index, then keep it: take it over from another process, catch up when
        woken, merge segments; until :meth:`stop`."""
        self._worker = True
        self.load()
        if self._owned is not False:
            self._merge_until_settled()  # what a build or a long catch-up left in segments
        while not self._stopping:
            owned = self._owned is not False
            woken = self._wake.wait(IDLE_SECONDS if owned else RETRY_SECONDS)
            self._wake.clear()
            if self._stopping:
                break
            if not owned:
                if self._owner.acquire() is not True:
                    continue
                log.info("index de recherche %s libéré : ouverture et mise à jour", self.path)
                old = self._ix  # searches go on with it until the new view replaces it
                self.load()
                if old is not None and old is not self._ix:
                    old.close()
                continue
            if self._dirty or not woken:
                self._dirty = False
                assert self.store is not None
                self._catching = True
                try:
                    self._catch_up_if_possible(self.store)
                finally:
                    self._catching = False
            self._merge_until_settled()

    def _kick(self, dirty: bool = True) -> None:
        """Wake the index thread: entries to catch up (``dirty``), or segments to merge."""
        self._dirty = self._dirty or dirty
        self._wake.set()

    def stop(self) -> None:
        """Ask the loading or the index thread to stop after the batch in progress (the node
        is stopping; the next start goes on from the watermarks)."""
        self._stopping = True
        self._wake.set()
        self.opened.set()

    def _merge_until_settled(self) -> None:
        """Merge pass after pass, each bounded, down to :data:`MERGE_AFTER` segments: a node
        that has just filled up is done with its merges in a few tens of seconds, not a pass
        every :data:`IDLE_SECONDS` for minutes. Entries announced meanwhile come first."""
        while not self._wake.is_set() and self._merge_if_needed():
            pass

    def _merge_if_needed(self, optimize: bool = False) -> bool:
        """Merge the small segments once there are more than :data:`MERGE_AFTER` (all of
        them into one with ``optimize``: the end of a build); whether there are fewer now."""
        if self._stopping or self._ix is None:
            return False
        with self._write_lock:
            if self._apart:  # a child writes it: merged once it is done
                return False
            before = len(self._ix._segments())
            if before <= (1 if optimize else MERGE_AFTER):
                return False
            writer = self._writer()
            try:
                if optimize:
                    writer.commit(optimize=True)
                else:
                    writer.commit(mergetype=merge_bounded)
            except BaseException:
                writer.cancel()
                raise
            self._refresh()
            return len(self._ix._segments()) < before


def merge_bounded(writer: Any, segments: list) -> list:
    """A whoosh merge policy: the smallest segments merged into one while they hold at most
    :data:`MERGE_DOCS` documents together (whoosh's MERGE_SMALL when fewer than two fit:
    a long-lived index still ends in few segments). The segments left unchanged."""
    from whoosh.reading import SegmentReader
    from whoosh.writing import MERGE_SMALL

    ordered = sorted(segments, key=lambda segment: segment.doc_count_all())
    chosen, total = [], 0
    for segment in ordered:
        if total + segment.doc_count_all() > MERGE_DOCS:
            break
        chosen.append(segment)
        total += segment.doc_count_all()
    if len(chosen) < 2:
        return MERGE_SMALL(writer, segments)
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return ordered[len(chosen) :]
