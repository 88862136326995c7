"""Push, the follower side: subscribe at the ``/inbox`` of every node this node follows.

For each ``follow`` record of the node's own log (rid: the followed did, body: its URL), the
:class:`Subscriber` asks ``URL/inbox`` to push, to the callback
``PUBLIC_URL/inbox/callback/TOKEN`` (one random token per followed node), the feeds this
node wants from that node, held or not yet (:func:`plan`): the followed feed, the feeds
further away known through it (``peers.wanted_feeds``), the endorsed feeds that no follow
gives a URL for, then every other feed held; at most ``MAX_FEEDS``. The followed node then
GETs the callback with a challenge; it is echoed only for a token this node issued and in
the mode it asked (``GET /inbox/callback/{token}``). Pushes then arrive at
``POST /inbox/callback/{token}`` (``node.federation.inbox``), which also takes a feed wanted
but not yet held (:attr:`Subscriber.wanted`) from a node this node subscribed to.

Subscriptions are renewed at half their lease, retried after a failure, and withdrawn when
the follow is deleted. They are also renewed as soon as the wanted set grows (a follow
record of a followed node arrives, a new feed is held), coalesced into one round: in a
network that starts cold, a followed node holds a two-hop feed only some time after this
node learnt it wants it, and the push of its first entries is then the fastest way to get
it (waiting for the next poll took ``poll_seconds``). Once a subscription naming feeds not
held yet is confirmed, one forced pull round follows: the followed node may have got them
between this node's last poll and the subscription, and would push only what comes next.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, replace

from aiohttp import web

from node import scheduler
from node.api_errors import ApiError
from node.appkeys import HIDDEN, KEY, SETTINGS, STORE, WRITER
from node.federation import api_params, peers
from node.federation import push_client as pushclient
from node.federation.sync import REPLICATOR
from node.hidden import NOTHING_HIDDEN
from node.tasks import BackgroundTasks
from protocol.entries import Entry
from search.params import Param, ParamError, single

log = logging.getLogger("maillage.push")

#: Seconds before a subscription that was not confirmed (or failed) is asked again.
RETRY_SECONDS = 300
#: Seconds before a failed request is tried again, doubled at each failure in a row up to
#: ``RETRY_SECONDS``: in a network that starts at once, a followed node may answer only a
#: few seconds after this one first asked.
FIRST_RETRY_SECONDS = 5
#: Seconds after which an unconfirmed unsubscription is forgotten.
FORGET_SECONDS = 86400
MAX_FEEDS = 1000


@dataclass(frozen=True, slots=True)
class Outgoing:
    url: str
    token: str
    mode: str
    requested_at: int
    expires_at: int | None = None
    lease: int | None = None
    error: str | None = None


def callback_base(app: web.Application) -> str | None:
    public = app[SETTINGS].public_url
    return None if public is None else str(public).rstrip("/")


class Subscriber:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.rows: dict[str, Outgoing] = {}
        self.tokens: dict[str, str] = {}
        self.covered: set[str] = set()  # feeds named in the subscriptions asked
        #: The feeds this node wants (``peers.wanted_feeds``), as of the last round: a push
        #: through a callback may start one of those not held yet (``node.federation.inbox``).
        self.wanted: frozenset[str] = frozenset()
        #: url → the feeds named in the last subscription it accepted.
        self.asked: dict[str, frozenset[str]] = {}
        #: url → feeds not held yet named in a subscription not confirmed yet.
        self._fresh: dict[str, frozenset[str]] = {}
        #: url → failed requests in a row (the backoff of :func:`retry_delay`).
        self._failures: dict[str, int] = {}
        self._round = asyncio.Lock()
        self._background = BackgroundTasks()
        self._kicked = False
        self._warned = False

    async def start(self) -> None:
        rows = await asyncio.to_thread(self.app[STORE].push_subscriptions)
        for row in rows:
            self._remember(Outgoing(*row))
        # Before the first round: the hubs keep their subscriptions across a restart, and
        # may push a wanted feed not held yet at once.
        _, self.wanted = await asyncio.to_thread(self._plans, {})
        self.kick()

    @property
    def closed(self) -> bool:
        return self._background.closed

    async def close(self) -> None:
        await self._background.close()

    def kick(self) -> None:
        """Run a round soon (once, however many times it is asked meanwhile)."""
        if not self._kicked and not self.closed:
            self._kicked = True
            self._background.spawn(self._kicked_round())

    async def _kicked_round(self) -> None:
        await asyncio.sleep(0.2)  # gather a burst of writes into one round
        self._kicked = False
        await self.run_once()

    def on_entries(self, entries: list[Entry]) -> None:
        """Writer listener: a follow or endorsement (this node's or a followed node's) may
        widen the wanted set, and a feed newly held must be asked for: a round soon."""
        for entry in entries:
            if entry.col in peers.EDGE_COLS or (entry.author not in self.covered and self.rows):
                self.kick()
                return

    def knows(self, token: str) -> bool:
        return token in self.tokens

    # -- rounds -----------------------------------------------------------------------

    async def run_once(self) -> None:
        """Subscribe to each followed node if due, unsubscribe from those no longer followed."""
        if self.closed:
            return
        async with self._round:
            follows = await asyncio.to_thread(self._follows)
            plans, self.wanted = await asyncio.to_thread(self._plans, follows)
            moment = int(pushclient.now())
            for url, did in follows.items():
                row = self.rows.get(url)
                if row is not None and row.mode == "subscribe" and row.error is not None:
                    delay = retry_delay(self._failures.get(url, 1))
                    ask = row.requested_at + delay <= moment  # failed: after its backoff
                else:
                    grown = not set(plans[url]) <= self.asked.get(url, frozenset())
                    ask = grown or _due(row, moment)
                if ask:
                    await self.request(url, "subscribe", did, plans[url])
            for url, row in list(self.rows.items()):
                if url in follows:
                    continue
                if row.mode == "subscribe":
                    await self.request(url, "unsubscribe")
                elif row.requested_at + FORGET_SECONDS < moment:
                    await self._forget(url)

    def _follows(self) -> dict[str, str]:
        """followed URL → did, from the node's own follow records."""
        records = self.app[STORE].records(col="follow", author=self.app[KEY].did)
        follows: dict[str, str] = {}
        for record in records:
            url = (record.body or {}).get("url")
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                follows[url.rstrip("/")] = record.rid
        return follows

    def _plans(self, follows: dict[str, str]) -> tuple[dict[str, list[str]], frozenset[str]]:
        """The feeds to ask of each followed URL, and the whole wanted set."""
        settings = self.app[SETTINGS]
        store, own = self.app[STORE], self.app[KEY].did
        wanted = peers.wanted_feeds(store, own, settings.max_hops, settings.max_feeds_via_peer)
        hidden = self.app.get(HIDDEN, NOTHING_HIDDEN)  # its pushes would be refused (inbox)
        held = [f.author for f in store.feeds() if f.author != own and not hidden.hides(f.author)]
        plans = {url: plan(url, did, wanted, held) for url, did in follows.items()}
        return plans, frozenset(wanted)

    async def request(
        self, url: str, mode: str, did: str | None = None, feeds: list[str] | None = None
    ) -> bool:
        """Ask ``url``'s inbox to (un)subscribe this node (to ``feeds``, by default those
        :func:`plan` gives); True when it answered 202."""

        base = callback_base(self.app)
        if base is None:
            if not self._warned:  # once: the node may simply not be reachable from outside
                self._warned = True
                log.warning("public_url absent : pas d'abonnement aux envois des nœuds suivis")
            return False
        url = url.rstrip("/")
        row = self.rows.get(url)
        token = row.token if row else secrets.token_urlsafe(18)
        row = Outgoing(url, token, mode, int(pushclient.now()), row.expires_at if row else None,
                       row.lease if row else None)  # fmt: skip
        if mode != "subscribe":
            feeds = []
        elif feeds is None:
            plans, self.wanted = await asyncio.to_thread(self._plans, {url: did or ""})
            feeds = plans[url]
        request = {
            "mode": mode,
            "callback": f"{base}/inbox/callback/{token}",
            "feeds": feeds,
            "lease_seconds": self.app[SETTINGS].push_lease_seconds,
        }
        await self._save(row)
        error = await pushclient.post_json(self.app, f"{url}/inbox", request)
        if error is not None:
            log.info("abonnement push à %s : %s", url, error)
            await self._save(replace(row, error=error))
            self.asked.pop(url, None)
            failures = self._failures[url] = self._failures.get(url, 0) + 1
            if mode == "subscribe" and not self.closed:
                self._background.spawn(self._retry(retry_delay(failures)))
            return False
        self._failures.pop(url, None)
        if mode == "subscribe":
            self.covered.update(feeds)
            fresh = set(feeds) - self.asked.get(url, frozenset())
            self.asked[url] = frozenset(feeds)
            fresh -= await asyncio.to_thread(self._held, fresh)
            if fresh:
                self._fresh[url] = frozenset(fresh)
        return True

    def _held(self, feeds: set[str]) -> set[str]:
        store = self.app[STORE]
        return {did for did in feeds if store.feed(did) is not None}

    async def confirm(self, token: str, mode: str | None, lease: int | None) -> bool:
        """Whether this node asked for ``mode`` under ``token`` (and note the lease)."""

        url = self.tokens.get(token)
        row = self.rows.get(url) if url else None
        if row is None or mode != row.mode:
            return False
        if mode == "unsubscribe":
            await self._forget(row.url)
            return True
        if lease is None:  # a subscription is confirmed with the lease it was granted
            return False
        seconds = lease
        await self._save(
            replace(row, expires_at=int(pushclient.now()) + seconds, lease=seconds, error=None)
        )
        if self._fresh.pop(row.url, None) and not self.closed:
            # What the followed node got before it heard of this subscription is not pushed:
            # one pull round, once the hub applied it (it does right after this echo).
            self._background.spawn(self._catch_up())
        return True

    async def _retry(self, delay: float) -> None:
        await asyncio.sleep(delay + 0.5)  # a round then finds the failed request due
        self.kick()

    async def _catch_up(self) -> None:
        await asyncio.sleep(0.5)  # the hub applies the subscription once its check returns
        if (replicator := self.app.get(REPLICATOR)) is not None:
            replicator.kick(force=True)

    # -- the table --------------------------------------------------------------------

    def _remember(self, row: Outgoing) -> None:
        self.rows[row.url] = row
        self.tokens[row.token] = row.url

    async def _save(self, row: Outgoing) -> None:
        self._remember(row)

        values = (row.url, row.token, row.mode, row.requested_at, row.expires_at, row.lease)
        await self.app[WRITER].run(self.app[STORE].save_push_subscription, (*values, row.error))

    async def _forget(self, url: str) -> None:
        row = self.rows.pop(url, None)
        if row is not None:
            self.tokens.pop(row.token, None)

        await self.app[WRITER].run(self.app[STORE].forget_push_subscription, url)


#: The follower side of push: the subscriptions this node asked of the nodes it follows.
SUBSCRIBER = web.AppKey("subscriber", Subscriber)


def plan(url: str, did: str, wanted: dict[str, peers.Wanted], held: list[str]) -> list[str]:
    """The feeds to ask ``url`` (the node of ``did``) to push, at most ``MAX_FEEDS``: its
    own, those wanted through it (nearest first), the wanted feeds no URL is known for (an
    endorsement: any followed node may hold them), then the other feeds held."""
    near = sorted(
        (item for item in wanted.values() if url in item.urls or url in item.via),
        key=lambda item: item.hops,
    )
    anywhere = [item.did for item in wanted.values() if not item.urls and not item.via]
    feeds = [did] if did else []
    feeds += [item.did for item in near] + anywhere + held
    return list(dict.fromkeys(feeds))[:MAX_FEEDS]


def retry_delay(failures: int) -> int:
    """Seconds before a request that failed ``failures`` times in a row is tried again."""
    return min(RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, failures - 1))


def _due(row: Outgoing | None, moment: int) -> bool:
    if row is None or row.mode != "subscribe":
        return True
    if row.requested_at + RETRY_SECONDS > moment:
        return False  # asked recently: wait for the challenge, or retry later
    if row.expires_at is None or row.lease is None:
        return True
    return row.expires_at - moment < row.lease // 2


async def subscribe_now(app: web.Application, url: str) -> bool:
    """Subscribe at once to the node at ``url`` (after ``maillage follow``, for instance)."""
    subscriber = app[SUBSCRIBER]
    did = (await asyncio.to_thread(subscriber._follows)).get(url.rstrip("/"))
    if did is None:
        did = await pushclient.did_of(app, url.rstrip("/"))
    return await subscriber.request(url, "subscribe", did)


async def challenge(request: web.Request) -> web.Response:
    """``GET /inbox/callback/{token}?mode=…&challenge=…&lease_seconds=N``: echo if asked.

    The parameters are read with the rules of ``api_params.CHALLENGE_PARAMS`` (400 if one is
    malformed or missing); a token this node did not issue, or a mode it did not ask for,
    is a 404."""
    token = _param(api_params.TOKEN, request.match_info["token"])
    mode = _param(api_params.MODE, _one(request, api_params.MODE))
    echo = _param(api_params.CHALLENGE, _one(request, api_params.CHALLENGE))
    raw_lease = _one(request, api_params.LEASE)
    lease = None if raw_lease is None else int(_param(api_params.LEASE, raw_lease))
    if not await request.app[SUBSCRIBER].confirm(token, mode, lease):
        raise ApiError(404, "unknown-subscription", "Ce nœud n'a pas demandé cet abonnement.")
    return web.Response(text=echo, content_type="text/plain")


def _one(request: web.Request, param: Param) -> str | None:
    try:
        return single(request.query.getall(param.name, []), param)
    except ParamError as exc:
        raise ApiError(400, f"bad-{param.name}", f"{param.name} : {exc.message}.") from None


def _param(param: Param, raw: str | None) -> str:
    """``raw`` read by ``param``'s rule (400 ``bad-NAME`` if refused or missing)."""
    try:
        if raw is None:
            raise param.refused()
        return str(param.read(raw))
    except ParamError:
        raise ApiError(
            400, f"bad-{param.name}", f"{param.expected[:1].upper()}{param.expected[1:]}."
        ) from None


def setup(app: web.Application) -> None:
    scheduler.add_job(
        app, scheduler.Job("push-subscriptions", lambda: app[SUBSCRIBER].run_once(), 60, 10)
    )
