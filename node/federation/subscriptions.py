"""Push, the follower side: subscribe at the ``/inbox`` of every node this node follows.

For each ``follow`` record of the node's own log (rid: the followed did, body: its URL), the
:class:`Subscriber` asks ``URL/inbox`` to push the followed feed and every other feed this
node holds, to the callback ``PUBLIC_URL/inbox/callback/TOKEN`` (one random token per
followed node). The followed node then GETs the callback with a challenge; it is echoed only
for a token this node issued and in the mode it asked (``GET /inbox/callback/{token}``).
Subscriptions are renewed at half their lease, retried after a failure, and withdrawn when
the follow is deleted. Pushes then arrive at ``POST /inbox/callback/{token}``
(``node.federation.inbox``).
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
from node.federation import api_params
from node.federation import push_client as pushclient
from node.hidden import NOTHING_HIDDEN
from node.tasks import BackgroundTasks
from protocol.entries import Entry
from search.params import Param, ParamError, single

log = logging.getLogger("maillage.push")

#: Seconds before a subscription that was not confirmed (or failed) is asked again.
RETRY_SECONDS = 300
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
        self._dirty = False
        self._round = asyncio.Lock()
        self._background = BackgroundTasks()
        self._kicked = False
        self._warned = False

    async def start(self) -> None:
        rows = await asyncio.to_thread(self.app[STORE].push_subscriptions)
        for row in rows:
            self._remember(Outgoing(*row))
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
        """Writer listener: a follow changed, or a feed newly held must be asked for."""
        own = self.app[KEY].did
        for entry in entries:
            if entry.author == own:
                if entry.col == "follow":
                    self.kick()
            elif entry.author not in self.covered and self.rows:
                self._dirty = True
                self.kick()

    def knows(self, token: str) -> bool:
        return token in self.tokens

    # -- rounds -----------------------------------------------------------------------

    async def run_once(self) -> None:
        """Subscribe to each followed node if due, unsubscribe from those no longer followed."""
        if self.closed:
            return
        async with self._round:
            follows = await asyncio.to_thread(self._follows)
            dirty, self._dirty = self._dirty, False
            moment = int(pushclient.now())
            for url, did in follows.items():
                row = self.rows.get(url)
                if dirty or _due(row, moment):
                    await self.request(url, "subscribe", did)
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

    async def request(self, url: str, mode: str, did: str | None = None) -> bool:
        """Ask ``url``'s inbox to (un)subscribe this node; True when it answered 202."""

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
        feeds = await asyncio.to_thread(self._feeds, did) if mode == "subscribe" else []
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
            return False
        if mode == "subscribe":
            self.covered.update(feeds)
        return True

    def _feeds(self, did: str | None) -> list[str]:
        own = self.app[KEY].did
        hidden = self.app.get(
            HIDDEN, NOTHING_HIDDEN
        )  # its pushes would be refused (node.federation.inbox)
        held = [
            f.author
            for f in self.app[STORE].feeds()
            if f.author not in (own, did) and not hidden.hides(f.author)
        ]
        return ([did] if did else []) + held[: MAX_FEEDS - 1]

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
        return True

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
