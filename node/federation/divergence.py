"""Divergence: a source whose feed is not the one held (a fork at the head, a recovery).

The replicator (:class:`node.federation.sync.Replicator`) inherits these checks: a push that
does not extend the head held makes the node read the pusher from that head (the same head
fills the gap of missed pushes, another proves a fork at once); a source
listing a head this node does not hold is read from its start (a recovery, SPEC §10.4, takes
a feed back to an earlier seq); one listing the head's seq with another entry is asked for
that entry, which proves a fork (the feed is frozen).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from node.federation import fetch
from node.federation.fetch import FetchError, Listed
from node.federation.round_log import log_stored
from node.federation.round_report import MAX_ETAGS, Report, status_of
from node.settings import Settings
from node.store.database import FeedHead, Store
from node.tasks import BackgroundTasks

log = logging.getLogger("maillage.sync")


class Divergence:
    """The divergence checks of the replicator (its state is set up there)."""

    store: Store
    settings: Settings
    _examined: set[tuple[str, str, str]]
    _checking: set[tuple[str, str]]
    _checks: BackgroundTasks

    async def _read(self, function: Callable[..., Any], *args: Any) -> Any:
        raise NotImplementedError

    async def _fetch_feed(
        self,
        client: aiohttp.ClientSession,
        url: str,
        did: str,
        local: int,
        remote: int,
        report: Report,
    ) -> bool:
        raise NotImplementedError

    def check_source(self, url: str, did: str, upto: int) -> None:
        """``url`` pushed entries of ``did`` (up to seq ``upto``) that do not extend the head
        held: fetch its entries from one before that head, in the background (once at a
        time per source and feed). The same head: missed pushes, the gap is filled. Another
        one: a fork, proven and the feed frozen at once, not at the next poll."""
        if (url, did) in self._checking or self._checks.closed:
            return
        self._checking.add((url, did))
        self._checks.spawn(self._check_source(url, did, upto))

    async def _check_source(self, url: str, did: str, upto: int) -> None:
        settings = self.settings
        try:
            head = await self._read(self.store.feed, did)
            local = head.seq if head is not None else 0  # not held: a wanted feed, from seq 1
            if local >= upto or await self._read(self.store.fork, did):
                return
            report = Report()
            client = fetch.session(settings.sync_connect_seconds, settings.sync_total_seconds)
            async with client:
                await self._fetch_feed(client, url, did, local, upto, report)
            log_stored(report.stored, len(report.stored_feeds), len(report.stored_from), 0)
        except FetchError as exc:
            log.debug("pair %s : flux %s non vérifié après un envoi (%s)", url, did, exc)
        except Exception:  # logged, never raised into a background task nobody awaits
            log.exception("vérification du flux %s chez %s impossible", did, url)
        finally:
            self._checking.discard((url, did))

    async def _examine_diverging(
        self,
        client: aiohttp.ClientSession,
        did: str,
        listings: dict[str, dict[str, Listed]],
        report: Report,
        semaphore: asyncio.Semaphore,
    ) -> None:
        """Read from its start, once per head listed, the feed of a source whose head this
        node does not hold: lower than the head held, or any while the feed is frozen by a
        fork. So a recovery (SPEC §10.4), which takes the feed back to an earlier seq, is
        found even by a follower that holds a thief's entries after it, or froze the feed."""
        head = await self._read(self.store.feed, did)
        if head is None:
            return
        frozen = await self._read(self.store.fork, did) is not None
        for url, listing in listings.items():
            listed = listing.get(did)
            if listed is None or listed.head is None or url in report.failed:
                continue
            if not frozen and listed.seq >= head.seq:
                continue  # the same seq is the fork check's, a higher one the normal pull's
            if await self._read(self.store.entry_id, did, listed.seq) == listed.head:
                continue
            await self._read_from_start(client, url, did, listed, report, semaphore)

    async def _read_from_start(
        self,
        client: aiohttp.ClientSession,
        url: str,
        did: str,
        listed: Listed,
        report: Report,
        semaphore: asyncio.Semaphore,
        refusal: FetchError | None = None,
    ) -> bool:
        """Read ``did`` from ``url`` from its first entry, once per head listed (or per
        ``refusal`` of a page); True when the source answered with nothing refused."""
        mark = (url, did, listed.head or str(refusal))
        if mark in self._examined:
            return False
        if len(self._examined) >= MAX_ETAGS:
            self._examined.clear()
        self._examined.add(mark)
        try:
            async with semaphore:
                await self._fetch_feed(client, url, did, 1, listed.seq, report)
        except FetchError as exc:
            log.debug("pair %s : flux %s divergent illisible (%s)", url, did, exc)
            return False
        return True

    async def _prove_fork(
        self,
        client: aiohttp.ClientSession,
        did: str,
        head: FeedHead,
        others: list[str],
        report: Report,
        semaphore: asyncio.Semaphore,
    ) -> bool:
        """Fetch the entry at the head's seq from each source of ``others`` (they list that
        seq with another head id); True once one proved a fork. Without this, two versions of
        a log at one seq would go unseen until the author wrote again (the overlap of
        :meth:`_fetch_feed` only runs when a source holds more)."""
        for url in others:
            try:
                async with semaphore:
                    await self._fetch_feed(client, url, did, head.seq, head.seq, report)
            except FetchError as exc:
                # Not this node's chain: perhaps a recovery before the head (SPEC §10.4).
                listed = Listed(head.seq, None)
                if exc.unreachable or not await self._read_from_start(
                    client, url, did, listed, report, semaphore, exc
                ):
                    report.failed[url] = status_of(exc)
                continue
            if did in report.forks:
                return True
        return False


def other_heads(
    did: str, head: FeedHead, listings: dict[str, dict[str, Listed]], report: Report
) -> list[str]:
    """The sources listing ``did`` at the head's seq, but with another head id."""
    return [
        url
        for url, listing in listings.items()
        if (listed := listing.get(did)) is not None
        and listed.seq == head.seq
        and listed.head not in (None, head.head)
        and url not in report.failed
    ]
