"""Bodies pending: current puts held withheld (SPEC §11.3), asked of the sources again.

A stranger's bodiless copy, pushed first, must not blank the record for good: each round,
the replicator (:class:`node.federation.sync.Replicator`, which inherits this) asks the
sources of a feed for a few of its withheld entries, and stores those that come whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp

from node.federation import fetch, peers
from node.federation.fetch import FetchError
from node.federation.round_report import Report
from node.settings import Settings
from node.store.database import Store
from protocol.entries import Entry
from protocol.rotation import KeyRing
from protocol.verification import verify_lines

#: Withheld entries of one feed whose body is asked of the sources in one round.
MAX_PENDING_PER_ROUND = 20


class PendingBodies:
    """The replicator's asking for bodies pending (its state is set up there)."""

    store: Store
    settings: Settings
    sink: peers.Sink

    async def _read(self, function: Callable[..., Any], *args: Any) -> Any:
        raise NotImplementedError

    def _keys(self) -> KeyRing:
        raise NotImplementedError

    async def _fill_pending(
        self,
        client: aiohttp.ClientSession,
        item: peers.Wanted,
        report: Report,
        semaphore: asyncio.Semaphore,
    ) -> None:
        """Ask the sources for the bodies of current puts held withheld (SPEC §11.3): a
        stranger's bodiless copy, pushed first, must not blank the record for good."""
        did = item.did
        pending = await self._read(self.store.pending_bodies, did)
        sources = [u for u in dict.fromkeys([*item.urls, *item.via]) if u not in report.failed]
        for seq in pending[:MAX_PENDING_PER_ROUND]:
            for url in sources:
                page = f"{url}/feeds/{did}/entries?after={seq - 1}&limit=1"
                try:
                    async with semaphore:
                        answer = await fetch.get(
                            client, page, max_bytes=self.settings.max_response_bytes, lines=True
                        )
                except FetchError:
                    continue
                results = await asyncio.to_thread(verify_lines, answer.lines[:1], self._keys())
                entry = results[0] if results else None
                if not isinstance(entry, Entry) or entry.author != did or entry.seq != seq:
                    continue
                if entry.body is None:
                    continue  # this source has it withheld too
                stored = await self.sink.append([entry])
                if stored.filled:
                    report.filled += 1
                    break
