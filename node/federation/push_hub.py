"""Push, the hub side: the subscribers of this node's feeds, and delivery of new entries.

A peer subscribes at ``POST /inbox`` (``node.federation.inbox``) for some feeds this node holds; the
node confirms the peer's intent by GET-ing its callback with a random challenge that must be
echoed (as in WebSub), then keeps the subscription for its lease. The :class:`Pusher` hears
every write of the node (a :class:`~node.writer.Writer` listener: its own entries, copies
pulled, pushes received) and POSTs the new lines as NDJSON to each subscriber of their feed:
at most one push per subscriber per second (what accumulates meanwhile goes in the next),
bounded retries with backoff, a timeout per request. Entries are signed, so a push proves
itself and a subscriber relays it onward to its own subscribers.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from yarl import URL

from node import scheduler
from node.api_errors import ApiError
from node.appkeys import SETTINGS, STORE, WRITER
from node.federation import push_client as pushclient
from node.federation import subscriptions
from node.federation.push_client import PUSH_SESSION
from node.federation.subscriptions import SUBSCRIBER
from node.tasks import BackgroundTasks
from protocol.entries import Entry

log = logging.getLogger("maillage.push")

#: The clock of leases (seconds since the epoch); tests move it.
NDJSON = "application/x-ndjson"
#: Seconds between two pushes to one subscriber: what arrives meanwhile is batched.
COALESCE_SECONDS = 1.0
#: At most this many bytes of lines in one POST (a receiver takes 1 MiB by default).
PUSH_MAX_BYTES = 256 * 1024
#: Lines waiting for one subscriber; beyond, the oldest are dropped (polling fills the gap).
MAX_QUEUED_LINES = 10_000
#: A subscriber's delivery task ends after this long without anything to send.
IDLE_SECONDS = 60.0
#: Intent checks waiting or running at once; beyond, subscription requests get a 503.
MAX_PENDING_CHECKS = 64
CHALLENGE_MAX_BYTES = 1024


class _Outbox:
    __slots__ = ("lines", "next_at", "wake")

    def __init__(self) -> None:
        self.lines: deque[bytes] = deque()
        self.wake = asyncio.Event()
        self.next_at = 0.0  # loop time before which no new push starts


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A subscriber's ask (``POST /inbox``), checked by ``node.federation.inbox``."""

    mode: str  # "subscribe" or "unsubscribe"
    callback: str
    feeds: tuple[str, ...]
    lease_seconds: int


class Pusher:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.settings = app[SETTINGS]
        #: feed did → callback → lease end (epoch seconds)
        self.subscribers: dict[str, dict[str, int]] = {}
        #: POST requests sent (each attempt counts), for tests and benchmarks.
        self.posts = 0
        self._outboxes: dict[str, _Outbox] = {}
        self._background = BackgroundTasks()
        self._checks = asyncio.Semaphore(4)
        self._pending = 0

    async def start(self) -> None:
        rows = await asyncio.to_thread(self.app[STORE].push_subscribers, int(pushclient.now()))
        for feed, callback, expires_at in rows:
            self.subscribers.setdefault(feed, {})[callback] = expires_at

    @property
    def closed(self) -> bool:
        return self._background.closed

    async def close(self) -> None:
        await self._background.close()

    # -- subscriptions ----------------------------------------------------------------

    def request(self, wanted: SubscriptionRequest) -> None:
        """Check the intent of a (valid) subscription request later, then apply it."""
        if self._pending >= MAX_PENDING_CHECKS:
            raise ApiError(503, "busy", "Trop d'abonnements en cours de vérification ; réessayez.")
        self._pending += 1
        self._background.spawn(self._confirm(wanted))

    async def _confirm(self, wanted: SubscriptionRequest) -> None:
        try:
            async with self._checks:
                confirmed = await self._check_intent(wanted)
            if confirmed and not self.closed:
                await self._apply(wanted)
        finally:
            self._pending -= 1

    async def _check_intent(self, wanted: SubscriptionRequest) -> bool:
        challenge = secrets.token_urlsafe(24)
        url = URL(wanted.callback).extend_query(
            mode=wanted.mode, challenge=challenge, lease_seconds=wanted.lease_seconds
        )
        timeout = aiohttp.ClientTimeout(total=self.settings.push_timeout_seconds)
        try:
            async with self.app[PUSH_SESSION].get(
                url, allow_redirects=False, timeout=timeout
            ) as response:
                echoed = await pushclient.read_bounded(response, CHALLENGE_MAX_BYTES)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.info("abonnement non confirmé par %s : %s", wanted.callback, exc)
            return False
        if not 200 <= status < 300 or echoed != challenge.encode():
            log.info(
                "abonnement refusé par %s (HTTP %s, défi non renvoyé)", wanted.callback, status
            )
            return False
        return True

    async def _apply(self, wanted: SubscriptionRequest) -> None:
        expires_at = int(pushclient.now()) + wanted.lease_seconds
        subscribe = wanted.mode == "subscribe"
        await self.app[WRITER].run(self._save, wanted, expires_at)
        for feed in wanted.feeds or list(self.subscribers):  # no feeds: every one
            callbacks = self.subscribers.setdefault(feed, {})
            if subscribe:
                callbacks[wanted.callback] = expires_at
            else:
                callbacks.pop(wanted.callback, None)
        log.info("%s : %s (%d flux)", wanted.mode, wanted.callback, len(wanted.feeds))

    def _save(self, wanted: SubscriptionRequest, expires_at: int) -> None:
        self.app[STORE].save_push_subscriber(wanted.mode, wanted.callback, wanted.feeds, expires_at)

    def callbacks(self, feed: str) -> list[str]:
        """The callbacks subscribed to ``feed`` whose lease still runs."""
        moment = pushclient.now()
        return [c for c, end in self.subscribers.get(feed, {}).items() if end > moment]

    async def expire(self) -> int:
        """Drop the subscriptions whose lease ended (a ``run_once`` job); how many."""
        moment = int(pushclient.now())
        dropped = 0
        for callbacks in self.subscribers.values():
            for callback in [c for c, end in callbacks.items() if end <= moment]:
                del callbacks[callback]
                dropped += 1
        await self.app[WRITER].run(self.app[STORE].drop_expired_push_subscribers, moment)
        return dropped

    async def drop_callback(self, callback: str) -> None:
        for callbacks in self.subscribers.values():
            callbacks.pop(callback, None)
        await self.app[WRITER].run(self.app[STORE].drop_push_callback, callback)

    # -- delivery ---------------------------------------------------------------------

    def on_entries(self, entries: list[Entry]) -> None:
        """Writer listener: queue each new entry for every subscriber of its feed."""
        if self.closed:
            return
        for entry in entries:
            for callback in self.callbacks(entry.author):
                outbox = self._outboxes.get(callback)
                if outbox is None:
                    outbox = self._outboxes[callback] = _Outbox()
                    self._background.spawn(self._deliver(callback, outbox))
                outbox.lines.append(entry.line)
                if len(outbox.lines) > MAX_QUEUED_LINES:
                    outbox.lines.popleft()
                outbox.wake.set()

    async def _deliver(self, callback: str, outbox: _Outbox) -> None:
        loop = asyncio.get_running_loop()
        try:
            while not self.closed:
                if not outbox.lines:
                    outbox.wake.clear()
                    try:
                        await asyncio.wait_for(outbox.wake.wait(), IDLE_SECONDS)
                    except TimeoutError:
                        if not outbox.lines:
                            return
                    continue
                delay = outbox.next_at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)  # coalescing: let a batch accumulate
                body = pushclient.take_batch(outbox.lines, PUSH_MAX_BYTES)
                outbox.next_at = loop.time() + COALESCE_SECONDS
                await self._post(callback, body)
        finally:
            if self._outboxes.get(callback) is outbox:
                del self._outboxes[callback]

    async def _post(self, callback: str, body: bytes) -> None:
        timeout = aiohttp.ClientTimeout(total=self.settings.push_timeout_seconds)
        attempts = self.settings.push_retries + 1
        status: int | str = "?"
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(min(30.0, 0.5 * 2 ** (attempt - 1)))
            self.posts += 1
            try:
                async with self.app[PUSH_SESSION].post(
                    callback,
                    data=body,
                    headers={"Content-Type": NDJSON},
                    allow_redirects=False,
                    timeout=timeout,
                ) as response:
                    status = response.status
                    await response.content.read(64 * 1024)
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = type(exc).__name__
                continue
            if status < 300:
                return
            if status in (404, 410):  # the subscriber forgot this subscription
                await self.drop_callback(callback)
                return
            if 400 <= status < 500 and status not in (408, 429):
                log.warning("push refusé par %s (HTTP %s)", callback, status)
                return
        log.warning(
            "push vers %s abandonné après %d essais (%s) : les entrées viendront par "
            "l'interrogation périodique",
            callback,
            attempts,
            status,
        )


#: The hub side of push: subscribers of this node's feeds, and delivery to them.
PUSHER = web.AppKey("pusher", Pusher)


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_running)
    scheduler.add_job(app, scheduler.Job("push-expire", lambda: app[PUSHER].expire(), 600, 30))


async def _running(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=settings.push_timeout_seconds),
        headers={"User-Agent": "maillage-push"},
    )
    app[PUSH_SESSION] = session
    pusher = app[PUSHER] = Pusher(app)
    subscriber = app[SUBSCRIBER] = subscriptions.Subscriber(app)
    try:
        await pusher.start()
        await subscriber.start()
        app[WRITER].add_listener(pusher.on_entries)
        app[WRITER].add_listener(subscriber.on_entries)
        yield
    finally:
        await subscriber.close()
        await pusher.close()
        await session.close()
