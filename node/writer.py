"""The one writer of a serving node, and the announcement of new entries.

Every write of the server process goes through :class:`Writer`: one thread, one write at a
time, in the order asked. After each write, the entries it stored are announced to the
listeners (the pusher; the search index later), in order. Entries written by another
process (``maillage offer put`` while the node serves) are found by :meth:`Writer.catch_up`,
a plain ``run_once`` job that compares feed heads with what was already announced.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from node.store.database import AppendResult, Store
from node.store.intake import Quota
from protocol.entries import Entry
from protocol.keys import SigningKey
from protocol.verification import verify_lines

log = logging.getLogger("maillage.writer")

Listener = Callable[[list[Entry]], Awaitable[None] | None]
T = TypeVar("T")


class Writer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="maillage-writer")
        self._listeners: list[Listener] = []
        self._fork_listeners: list[Listener] = []
        self._recovery_listeners: list[Listener] = []
        feeds = store.feeds()
        self._announced: dict[str, int] = {f.author: f.seq for f in feeds}
        #: The id of the last entry announced per feed: a head that moved below it is a
        #: recovery another process wrote (``maillage key recover`` while serving).
        self._heads: dict[str, str] = {f.author: f.head for f in feeds}
        self._catching_up = asyncio.Lock()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(entries)`` after every write that stored entries."""
        self._listeners.append(listener)

    def add_fork_listener(self, listener: Callable[[list[str]], Awaitable[None] | None]) -> None:
        """Call ``listener(dids)`` when a write found forks (those feeds are now frozen)."""
        self._fork_listeners.append(listener)  # type: ignore[arg-type]

    def add_recovery_listener(
        self, listener: Callable[[list[str]], Awaitable[None] | None]
    ) -> None:
        """Call ``listener(dids)`` when a write applied recoveries (SPEC §10.4): those feeds
        lost entries, and their records were folded again. Called before the entries stored
        by the same write are announced."""
        self._recovery_listeners.append(listener)  # type: ignore[arg-type]

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run a write function of the store on the writer thread, after those before it."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def append(self, entries: Sequence[Entry], quota: Quota | None = None) -> AppendResult:
        """Store verified entries (``Store.append``) and announce those stored."""
        result = await self.run(self.store.append, list(entries), quota)
        if result.recovered:
            for recovery in result.recovered:  # its entry and those after it are news again
                self._announced[recovery.author] = recovery.after
                self._heads.pop(recovery.author, None)
            await self._notify(self._recovery_listeners, [r.author for r in result.recovered])
        await self.announce(result.stored)
        if result.filled:  # bodies that came after their withheld entry: index and relay them
            await self._notify(self._listeners, result.filled)
        if result.forks:
            await self._notify(self._fork_listeners, sorted({p.author for p in result.forks}))
        return result

    async def append_own(self, key: SigningKey, **record: Any) -> Entry:
        """Sign and store the node's next own entry (``Store.append_own``) and announce it."""
        entry = await self.run(lambda: self.store.append_own(key, **record))
        await self.announce([entry])
        return entry

    async def catch_up(self) -> int:
        """Announce entries that another process stored since the last look; how many."""
        async with self._catching_up:
            found: list[Entry] = []
            recovered: list[str] = []
            for feed in await asyncio.to_thread(self.store.feeds):
                seen = self._announced.get(feed.author, 0)
                known = self._heads.get(feed.author)
                if known is not None and feed.head != known:
                    after = await asyncio.to_thread(self._recovered_below, feed.author, seen, known)
                    if after is not None:
                        self._announced[feed.author] = seen = after
                        self._heads.pop(feed.author, None)
                        recovered.append(feed.author)
                if feed.seq > seen:
                    lines = await asyncio.to_thread(
                        self.store.lines, feed.author, seen, feed.seq - seen
                    )
                    ring = self.store.key_ring()  # a rotated feed's lines: its keys in force
                    found.extend(e for e in verify_lines(lines, ring) if isinstance(e, Entry))
            if recovered:
                await self._notify(self._recovery_listeners, recovered)
            await self.announce(found)
            return len(found)

    def _recovered_below(self, author: str, seen: int, known: str) -> int | None:
        """The ``after`` of a recovery that replaced the entry announced last, if one did."""
        if self.store.entry_id(author, seen) == known:
            return None  # the feed only grew
        return self.store.recovered_after(author)

    async def announce(self, entries: list[Entry]) -> None:
        """Tell the listeners of entries stored on the writer thread, each once."""
        fresh = [e for e in entries if e.seq > self._announced.get(e.author, 0)]
        if not fresh:
            return
        for entry in fresh:
            if entry.seq >= self._announced.get(entry.author, 0):
                self._heads[entry.author] = entry.id
            self._announced[entry.author] = max(self._announced.get(entry.author, 0), entry.seq)
        await self._notify(self._listeners, fresh)

    async def _notify(self, listeners: list[Listener], items: list[Any]) -> None:
        for listener in listeners:
            try:
                outcome = listener(items)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:  # a listener's failure must not undo or block a write
                log.exception("listener %r failed on %d new items", listener, len(items))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
