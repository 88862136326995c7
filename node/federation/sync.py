"""Pull replication: copy, verify and store the feeds this node wants, from any peer holding them.

A round (:meth:`Replicator.run_once`, called by the scheduler every few seconds, by
``maillage sync``, or directly by tests):

1. the wanted feeds are computed from the follow graph held (``node.federation.peers``): the
   feeds this node follows and, up to ``max_hops``, the feeds those follow;
2. every source URL given for a wanted feed that is due (per-peer ``next_poll``: the poll
   interval with jitter, or the backoff after failures) answers ``GET /feeds``
   (conditional, with the validator of its last answer);
3. a source listing a wanted feed at this node's seq but with another head holds another
   entry there: that entry is fetched at once, and proves the fork (the feed is frozen);
4. each wanted feed that some source holds further than this node is fetched from the
   source holding the most (then the others, if it fails), page by page from one entry
   before the local head (so that a different entry at the head is seen: a fork), every
   line verified (in a thread) and stored through the writer, whose listeners (push, search
   index) hear the new entries;
5. when new follow records widened the wanted set, the new sources are polled in the same
   round (at most ``max_hops`` more passes), so a new node bootstraps in one round.

Signatures make the source irrelevant: a peer can only withhold, never forge. Each peer's
outcome is recorded (``ok``, ``unreachable``, ``error: …``) with exponential backoff; the log
says what a round stored and when a peer starts or stops failing, never more
(``node.federation.round_log``).

A push that does not extend the head held (:meth:`Replicator.check_source`) makes the node
ask the pusher for its entries from the head held: the same head fills the gap of missed
pushes, another one proves a fork at once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from node import scheduler
from node.appkeys import KEY, SETTINGS, STORE, WRITER
from node.federation import fetch, peers
from node.federation.divergence import Divergence, other_heads
from node.federation.fetch import FetchError, Listed
from node.federation.pending_bodies import PendingBodies
from node.federation.round_log import PeerStates, log_forks, log_stored, refusal_status
from node.federation.round_report import MAX_ETAGS, Report, status_of
from node.settings import Settings
from node.store.database import AppendResult, Store
from node.store.intake import today
from node.tasks import BackgroundTasks
from protocol.entries import Entry
from protocol.errors import ProtocolError
from protocol.rotation import KeyRing
from protocol.verification import verify_lines

log = logging.getLogger("maillage.sync")


class Replicator(Divergence, PendingBodies):
    def __init__(self, store: Store, me: str, settings: Settings, sink: peers.Sink) -> None:
        self.store = store
        self.me = me
        self.settings = settings
        self.sink = sink
        self._round = asyncio.Lock()
        self._etags: dict[str, str] = {}
        #: The day (UTC) each feed over its quota was last logged: one line a day, not a round.
        self._quota_logged: dict[str, str] = {}
        self._kicked = False
        self._kick_force = False
        self._states = PeerStates()
        self._checks = BackgroundTasks()
        self._checking: set[tuple[str, str]] = set()
        #: (source, feed, head) whose diverging feed was read from its start already.
        self._examined: set[tuple[str, str, str]] = set()

    def kick(self, *, force: bool = False) -> None:
        """A round soon, once however often it is asked meanwhile: an own follow or unfollow
        acts at once; bodies pending after a push are asked of every source (``force``)."""
        self._kick_force |= force
        if not self._kicked and not self._checks.closed:
            self._kicked = True
            self._checks.spawn(self._kicked_round())

    async def _kicked_round(self) -> None:
        force, self._kicked, self._kick_force = self._kick_force, False, False
        try:
            await self.run_once(force=force)
        except Exception:  # logged like a failed job, never raised into the writer
            log.exception("copie immédiate impossible")

    async def close(self) -> None:
        await self._checks.close()

    async def run_once(self, *, force: bool = False) -> Report:
        """One replication round; ``force`` polls every source, due or not."""
        async with self._round:
            settings = self.settings
            report = Report()
            listings: dict[str, dict[str, Listed]] = {}
            before: dict[str, peers.Peer | None] = {}
            semaphore = asyncio.Semaphore(settings.sync_concurrency)
            client = fetch.session(settings.sync_connect_seconds, settings.sync_total_seconds)
            async with client:
                known: set[str] | None = None
                for _ in range(settings.max_hops + 1):
                    report.capped = {}  # counted anew with each reading of the graph
                    wanted = await self._read(
                        peers.wanted_feeds,
                        self.store,
                        self.me,
                        settings.max_hops,
                        settings.max_feeds_via_peer,
                        report.capped,
                    )
                    table = await self._read(peers.peers, self.store)
                    now = time.time()
                    sources = [
                        url
                        for item in wanted.values()
                        for url in item.urls
                        if url not in report.polled and (force or peers.due(table.get(url), now))
                    ]
                    sources = list(dict.fromkeys(sources))
                    if not sources and known in (None, set(wanted)):
                        break
                    known = set(wanted)
                    report.polled.extend(sources)
                    before.update((url, table.get(url)) for url in sources)

                    await asyncio.gather(
                        *(
                            self._poll(client, url, table.get(url), listings, report, semaphore)
                            for url in sources
                        )
                    )
                    await asyncio.gather(
                        *(
                            self._pull(client, i, listings, report, semaphore)
                            for i in wanted.values()
                        )
                    )
            for url in report.polled:
                if url in report.failed:
                    self._states.failed(url, report.failed[url], before.get(url))
                    await self._failed(url, report.failed[url])
                else:
                    self._states.succeeded(url, before.get(url))
                    etag, body = report.validators.get(url, (None, None))
                    update = functools.partial(
                        peers.record_success,
                        self.store,
                        url,
                        settings.poll_seconds,
                        etag=etag,
                        body=body,
                    )
                    await self.sink.run(update)
            stored = report.stored, len(report.stored_feeds), len(report.stored_from)
            log_stored(*stored, report.filled)
            return report

    def _keys(self) -> KeyRing:
        """The keys in force of the feeds held, read as met (a rotated feed's lines verify
        with its current key, SPEC §10.4)."""
        return self.store.key_ring()

    async def _read(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(function, *args)

    async def _poll(
        self,
        client: aiohttp.ClientSession,
        url: str,
        peer: peers.Peer | None,
        listings: dict[str, dict[str, Listed]],
        report: Report,
        semaphore: asyncio.Semaphore,
    ) -> None:
        """``GET /feeds`` of one source; its listing (did → seq) goes into ``listings``."""
        cached = peer.feeds_body if peer is not None else None
        etag = peer.feeds_etag if peer is not None and cached is not None else None
        try:
            async with semaphore:
                answer = await fetch.get(
                    client, f"{url}/feeds", etag=etag, max_bytes=self.settings.max_response_bytes
                )
            body = cached if answer.status == 304 else answer.body
            if body is None:
                raise FetchError("réponse 304 sans demande conditionnelle")
            listings[url] = fetch.parse_feeds(body)
        except FetchError as exc:
            report.failed[url] = status_of(exc)
            return
        if answer.status == 200 and answer.etag:
            report.validators[url] = (answer.etag, body)

    async def _pull(
        self,
        client: aiohttp.ClientSession,
        item: peers.Wanted,
        listings: dict[str, dict[str, Listed]],
        report: Report,
        semaphore: asyncio.Semaphore,
    ) -> None:
        await self._pull_new(client, item, listings, report, semaphore)
        await self._fill_pending(client, item, report, semaphore)

    async def _pull_new(
        self,
        client: aiohttp.ClientSession,
        item: peers.Wanted,
        listings: dict[str, dict[str, Listed]],
        report: Report,
        semaphore: asyncio.Semaphore,
    ) -> None:
        """Bring one wanted feed up to the highest seq any source listed; first, prove a
        fork at the head if a source lists the same seq with another head."""
        did = item.did
        await self._examine_diverging(client, did, listings, report, semaphore)
        if await self._read(self.store.fork, did) is not None:
            return  # frozen: nothing more is accepted from this feed, but a recovery
        head = await self._read(self.store.feed, did)
        if head is not None and (others := other_heads(did, head, listings, report)):
            if await self._prove_fork(client, did, head, others, report, semaphore):
                return  # forked: frozen now
            head = await self._read(self.store.feed, did)
        local = head.seq if head is not None else 0
        preferred = {url: rank for rank, url in enumerate([*item.urls, *item.via])}
        candidates = sorted(
            (
                (-listing[did].seq, preferred.get(url, len(preferred)), url)
                for url, listing in listings.items()
                if did in listing and listing[did].seq > local and url not in report.failed
            ),
        )
        for negative_seq, _, url in candidates:
            try:
                async with semaphore:
                    done = await self._fetch_feed(client, url, did, local, -negative_seq, report)
            except FetchError as exc:
                # Lines this node cannot chain may follow a recovery it has not seen yet.
                listed = listings[url][did]
                if exc.unreachable or not await self._read_from_start(
                    client, url, did, listed, report, semaphore, exc
                ):
                    report.failed[url] = status_of(exc)
                continue
            if done:
                return
            head = await self._read(self.store.feed, did)
            local = head.seq if head is not None else 0

    async def _fetch_feed(
        self,
        client: aiohttp.ClientSession,
        url: str,
        did: str,
        local: int,
        remote: int,
        report: Report,
    ) -> bool:
        """Fetch ``did`` from ``url`` up to ``remote``; True when there is nothing more to do
        (up to date, or frozen by a fork). Raises :class:`FetchError` on a bad answer."""
        after = max(0, local - 1)  # one entry of overlap: a different head is a fork
        while after < remote:
            page = f"{url}/feeds/{did}/entries?after={after}"
            answer = await fetch.get(
                client,
                page,
                etag=self._etags.get(page),
                max_bytes=self.settings.max_response_bytes,
                lines=True,
            )
            if answer.status == 304 or not answer.lines:
                if answer.broken:
                    raise FetchError(answer.broken)
                return False
            results = await asyncio.to_thread(verify_lines, answer.lines, self._keys())
            good: list[Entry] = []
            problem = None
            for result in results:
                if isinstance(result, ProtocolError):
                    problem = f"entrée invalide ({result.code})"
                    break
                if result.author != did or result.seq <= after:
                    problem = "entrée hors de la page demandée"
                    break
                good.append(result)
            quota = peers.quota(self.settings)
            stored = await self.sink.append(good, quota) if good else AppendResult()
            if stored.stored:
                report.stored += len(stored.stored)
                report.stored_feeds.add(did)
                report.stored_from.add(url)
            if stored.forks:
                log_forks(stored.forks, url)
                report.forks.append(did)
                return True
            if any("frozen" in reason for _, reason in stored.refused):
                return True
            if stored.over_quota:  # not the peer's failure: the feed waits for tomorrow
                if did not in report.over_quota:
                    report.over_quota.append(did)
                if self._quota_logged.get(did) != today():  # once a day per feed
                    if len(self._quota_logged) >= MAX_ETAGS:
                        self._quota_logged.clear()
                    self._quota_logged[did] = today()
                    log.warning(
                        "quota du jour atteint pour le flux %s (reçu de %s) : copie suspendue "
                        "jusqu'à demain",
                        did,
                        url,
                    )
                return True
            if problem is None and stored.refused:
                problem = refusal_status(stored.refused[0][1])
            problem = problem or answer.broken  # the valid lines before a bad one are kept
            if problem is not None:
                raise FetchError(problem)
            if good[-1].seq <= after:
                raise FetchError("page sans progrès")
            after = good[-1].seq
            if answer.etag and not answer.truncated:
                if len(self._etags) >= MAX_ETAGS:
                    self._etags.clear()
                self._etags[page] = answer.etag
        return True

    async def _failed(self, url: str, status: str) -> None:
        settings = self.settings
        await self.sink.run(
            peers.record_failure,
            self.store,
            url,
            status,
            settings.poll_seconds,
            settings.backoff_max_seconds,
        )


# -- the application ---------------------------------------------------------------------


#: The pull replicator, built when the application starts.
REPLICATOR = web.AppKey("replicator", Replicator)


def round_seconds(poll_seconds: float) -> float:
    """How often the sync job looks for the peers due: every ``poll_seconds``, at most every
    30 s (a peer backing off, or due between two rounds, waits for the next one)."""
    return max(1.0, min(float(poll_seconds), 30.0))


def setup(app: web.Application) -> None:
    """Build the replicator when the app starts; poll every few seconds unless turned off."""
    app.cleanup_ctx.append(_replicator)
    settings = app[SETTINGS]
    if settings.polling:
        tick = round_seconds(settings.poll_seconds)
        run: Callable[[], Awaitable[Report]] = lambda: app[REPLICATOR].run_once()  # noqa: E731
        scheduler.add_job(app, scheduler.Job("sync", run, tick, jitter=tick / 10))


async def _replicator(app: web.Application) -> AsyncIterator[None]:
    me = app[KEY].did
    replicator = app[REPLICATOR] = Replicator(app[STORE], me, app[SETTINGS], app[WRITER])

    def on_entries(entries: list[Entry]) -> None:
        """An own follow or unfollow, endorsement or its withdrawal (from the admin area,
        or from « maillage follow|endorse » seen by the writer's catch-up) acts at once,
        not at the next poll."""
        if any(e.author == me and e.col in peers.EDGE_COLS for e in entries):
            replicator.kick()

    app[WRITER].add_listener(on_entries)
    if app[SETTINGS].polling:
        # A node just started (a fresh one after « maillage follow ») copies at once rather
        # than at the first tick of the sync job, up to 30 s later.
        replicator.kick()
    try:
        yield
    finally:
        await replicator.close()
