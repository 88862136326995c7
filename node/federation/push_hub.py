"""Push, the hub side: the subscribers of this node's feeds, and delivery of new entries.

A peer subscribes at ``POST /inbox`` (``node.federation.inbox``) for some feeds this node holds; the
node confirms the peer's intent by GET-ing its callback with a random challenge that must be
echoed (as in WebSub), then keeps the subscription for its lease. The :class:`Pusher` hears
every write of the node (a :class:`~node.writer.Writer` listener: its own entries, copies
pulled, pushes received) and POSTs the new lines as NDJSON to each subscriber of their feed:
at most one push per subscriber per second (what accumulates meanwhile goes in the next),
bounded retries with backoff, a timeout per request. An urgent need (``search.urgency``)
jumps that queue: it goes in a priority lane, drained first and sent after
``URGENT_COALESCE_SECONDS``, with the lines of its feed queued before it
(:meth:`Pusher.on_entries`). Entries are signed, so a push proves
itself and a subscriber relays it onward to its own subscribers.

A callback is a URL a stranger chose: the push session connects only where
``node.federation.callback_guard`` allows (never the node's own machine or networks, unless
the node itself lives there), a callback it refuses is answered 403 at once when that shows
in the URL, and dropped when it shows at connect time. Subscribers are capped in all and per
requesting address (an IPv6 /64 counts as one): ``push_max_subscribers`` and
``push_max_subscribers_per_address``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import aiohttp
from aiohttp import web
from yarl import URL

from node import scheduler
from node.api_errors import ApiError
from node.appkeys import SETTINGS, STORE, WRITER
from node.federation import callback_guard, subscriptions
from node.federation import push_client as pushclient
from node.federation.push_client import PUSH_SESSION
from node.federation.subscriptions import SUBSCRIBER
from node.tasks import BackgroundTasks
from protocol.entries import Entry
from search.urgency import is_urgent

log = logging.getLogger("maillage.push")

NDJSON = "application/x-ndjson"
#: Seconds between two pushes to one subscriber: what arrives meanwhile is batched.
COALESCE_SECONDS = 1.0
#: At most this many bytes of lines in one POST (a receiver takes 1 MiB by default).
PUSH_MAX_BYTES = 256 * 1024
#: Seconds between two pushes to one subscriber when the next one holds an urgent need.
URGENT_COALESCE_SECONDS = 0.2
#: Lines waiting for one subscriber; beyond, the oldest are dropped (polling fills the gap).
MAX_QUEUED_LINES = 10_000
#: A subscriber's delivery task ends after this long without anything to send.
IDLE_SECONDS = 60.0
#: Intent checks waiting or running at once; beyond, subscription requests get a 503.
MAX_PENDING_CHECKS = 64
CHALLENGE_MAX_BYTES = 1024


class _Outbox:
    """What waits for one subscriber: two lanes of ``(author, line)``, the urgent one
    drained first (see :meth:`Pusher.on_entries` for why a feed's lines stay in order)."""

    __slots__ = ("hurry", "last_post", "lines", "urgent", "wake")

    def __init__(self) -> None:
        self.lines: deque[pushclient.Pending] = deque()
        self.urgent: deque[pushclient.Pending] = deque()
        self.wake = asyncio.Event()  # something was queued
        self.hurry = asyncio.Event()  # something urgent was queued
        self.last_post = -COALESCE_SECONDS  # loop time when the last push started

    def __len__(self) -> int:
        return len(self.lines) + len(self.urgent)

    def queue(self, author: str, line: bytes, urgent: bool) -> None:
        if urgent:  # the lines of this feed queued before it go first, with it, in order
            moved = [item for item in self.lines if item[0] == author]
            if moved:
                self.urgent.extend(moved)
                self.lines = deque(item for item in self.lines if item[0] != author)
            self.urgent.append((author, line))
            self.hurry.set()
        else:
            self.lines.append((author, line))
        if len(self) > MAX_QUEUED_LINES:
            (self.lines or self.urgent).popleft()
        self.wake.set()


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A subscriber's ask (``POST /inbox``), checked by ``node.federation.inbox``."""

    mode: str  # "subscribe" or "unsubscribe"
    callback: str
    feeds: tuple[str, ...]
    lease_seconds: int
    #: The address that asked (``node.client_address``); the hub keeps its cap group.
    requested_by: str = ""


class Pusher:
    def __init__(self, app: web.Application, reach: callback_guard.Reach) -> None:
        self.app = app
        self.settings = app[SETTINGS]
        #: Where push may connect (the session's guard, and the early check of a callback).
        self.reach = reach
        #: feed did → callback → lease end (epoch seconds)
        self.subscribers: dict[str, dict[str, int]] = {}
        #: callback → the address (or IPv6 /64) that asked for it, for the caps.
        self.owners: dict[str, str] = {}
        #: The same for the new callbacks whose intent is being checked.
        self._checking: dict[str, str] = {}
        #: POST requests sent (each attempt counts), for tests and benchmarks.
        self.posts = 0
        self._outboxes: dict[str, _Outbox] = {}
        self._background = BackgroundTasks()
        self._checks = asyncio.Semaphore(4)
        self._pending = 0

    async def start(self) -> None:
        rows = await asyncio.to_thread(self.app[STORE].push_subscribers, int(pushclient.now()))
        for feed, callback, expires_at, requested_by in rows:
            self.subscribers.setdefault(feed, {})[callback] = expires_at
            self.owners[callback] = requested_by

    @property
    def closed(self) -> bool:
        return self._background.closed

    async def close(self) -> None:
        await self._background.close()

    # -- subscriptions ----------------------------------------------------------------

    async def request(self, wanted: SubscriptionRequest) -> None:
        """Check the intent of a (valid) subscription request later, then apply it.

        Refused at once (ApiError): a callback the node may not reach (403
        ``callback-refused``), a new subscriber beyond the caps (429
        ``too-many-subscriptions``), too many checks under way (503).
        """
        refusal = await self.reach.refusal(wanted.callback)
        if refusal is not None:
            raise ApiError(403, "callback-refused", refusal)
        # From here on, no await: the caps see every request counted before this one.
        wanted = replace(wanted, requested_by=cap_group(wanted.requested_by))
        new = wanted.callback not in self.owners and wanted.callback not in self._checking
        if wanted.mode == "subscribe" and new:
            self._check_room(wanted.requested_by)
        if self._pending >= MAX_PENDING_CHECKS:
            raise ApiError(503, "busy", "Trop d'abonnements en cours de vérification ; réessayez.")
        self._pending += 1
        held = wanted.mode == "subscribe" and new
        if held:
            self._checking[wanted.callback] = wanted.requested_by
        self._background.spawn(self._confirm(wanted, held))

    def _check_room(self, group: str) -> None:
        """429 when one more subscriber, asked from ``group``, would pass a cap."""
        # by callback: one being applied is in both (owners first, checking until saved)
        everyone = list({**self._checking, **self.owners}.values())
        most = self.settings.push_max_subscribers
        if len(everyone) >= most:
            raise ApiError(
                429,
                "too-many-subscriptions",
                f"Ce nœud a atteint son nombre maximal d'abonnés ({most}) ; réessayez plus tard.",
            )
        most = self.settings.push_max_subscribers_per_address
        if everyone.count(group) >= most:
            raise ApiError(
                429,
                "too-many-subscriptions",
                f"Trop d'abonnements demandés depuis votre adresse ({most} au plus).",
            )

    async def _confirm(self, wanted: SubscriptionRequest, held: bool) -> None:
        try:
            async with self._checks:
                confirmed = await self._check_intent(wanted)
            if confirmed and not self.closed:
                await self._apply(wanted)
        finally:
            self._pending -= 1
            if held:
                self._checking.pop(wanted.callback, None)

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
            why = "adresse refusée" if callback_guard.refused(exc) else exc
            log.info("abonnement non confirmé par %s : %s", wanted.callback, why)
            return False
        if not 200 <= status < 300 or echoed != challenge.encode():
            log.info(
                "abonnement refusé par %s (HTTP %s, défi non renvoyé)", wanted.callback, status
            )
            return False
        return True

    async def _apply(self, wanted: SubscriptionRequest) -> None:
        """In memory first: what is stored once the subscriber echoed must be pushed."""
        expires_at = int(pushclient.now()) + wanted.lease_seconds
        subscribe = wanted.mode == "subscribe"
        for feed in wanted.feeds or list(self.subscribers):  # no feeds: every one
            callbacks = self.subscribers.setdefault(feed, {})
            if subscribe:
                callbacks[wanted.callback] = expires_at
            else:
                callbacks.pop(wanted.callback, None)
        if subscribe:
            self.owners[wanted.callback] = wanted.requested_by
        elif not any(wanted.callback in callbacks for callbacks in self.subscribers.values()):
            self.owners.pop(wanted.callback, None)
        await self.app[WRITER].run(self._save, wanted, expires_at)
        log.info("%s : %s (%d flux)", wanted.mode, wanted.callback, len(wanted.feeds))

    def _save(self, wanted: SubscriptionRequest, expires_at: int) -> None:
        self.app[STORE].save_push_subscriber(
            wanted.mode, wanted.callback, wanted.feeds, expires_at, wanted.requested_by
        )

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
        alive = {callback for callbacks in self.subscribers.values() for callback in callbacks}
        self.owners = {c: owner for c, owner in self.owners.items() if c in alive}
        await self.app[WRITER].run(self.app[STORE].drop_expired_push_subscribers, moment)
        return dropped

    async def drop_callback(self, callback: str) -> None:
        for callbacks in self.subscribers.values():
            callbacks.pop(callback, None)
        self.owners.pop(callback, None)
        await self.app[WRITER].run(self.app[STORE].drop_push_callback, callback)

    # -- delivery ---------------------------------------------------------------------

    def on_entries(self, entries: list[Entry]) -> None:
        """Writer listener: queue each new entry for every subscriber of its feed.

        An urgent need (:func:`search.urgency.is_urgent`: ``haute`` or ``critique``, still
        current), the node's own or one it relays, goes in the urgent lane of each outbox,
        drained before the ordinary one and sent after a shorter wait
        (``URGENT_COALESCE_SECONDS``). A receiver's store grows a feed only by its next
        entry (``Store.append``): a line whose predecessor it lacks is refused, and only a
        node that subscribed through a callback token then asks its source for the gap. So
        the urgent lane never reorders a feed: the lines of the same feed queued before the
        urgent one move with it, in order, and those queued after it follow it. Only whole
        feeds overtake one another, and the lines of different feeds do not depend on each
        other. Priority is local: nothing changes on the wire.
        """
        if self.closed:
            return
        today = datetime.date.today()
        for entry in entries:
            urgent = entry.op == "put" and is_urgent(entry.col, entry.body, today)
            for callback in self.callbacks(entry.author):
                outbox = self._outboxes.get(callback)
                if outbox is None:
                    outbox = self._outboxes[callback] = _Outbox()
                    self._background.spawn(self._deliver(callback, outbox))
                outbox.queue(entry.author, entry.line, urgent)

    async def _deliver(self, callback: str, outbox: _Outbox) -> None:
        loop = asyncio.get_running_loop()
        try:
            while not self.closed:
                if not outbox:
                    outbox.wake.clear()
                    try:
                        await asyncio.wait_for(outbox.wake.wait(), IDLE_SECONDS)
                    except TimeoutError:
                        if not outbox:
                            return
                    continue
                lane = outbox.urgent or outbox.lines
                gap = URGENT_COALESCE_SECONDS if outbox.urgent else COALESCE_SECONDS
                delay = outbox.last_post + gap - loop.time()
                if delay > 0:  # coalescing: let a batch accumulate, unless urgent comes
                    if outbox.urgent:
                        await asyncio.sleep(delay)
                    else:
                        outbox.hurry.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(outbox.hurry.wait(), delay)
                    continue
                body = pushclient.take_batch(lane, PUSH_MAX_BYTES)
                outbox.last_post = loop.time()
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
                if callback_guard.refused(exc):  # e.g. its name now resolves to 127.0.0.1
                    log.warning("push vers %s : adresse refusée, abonné oublié", callback)
                    await self.drop_callback(callback)
                    return
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


def cap_group(address: str) -> str:
    """What the cap per address counts: the address, or its /64 network for IPv6."""
    parsed = callback_guard.literal(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return address


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_running)
    scheduler.add_job(app, scheduler.Job("push-expire", lambda: app[PUSHER].expire(), 600, 30))


async def _running(app: web.Application) -> AsyncIterator[None]:
    reach = callback_guard.Reach(app[SETTINGS])
    session = app[PUSH_SESSION] = callback_guard.session(reach)
    pusher = app[PUSHER] = Pusher(app, reach)
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
