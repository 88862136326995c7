"""A network that starts cold: a two-hop feed comes by push as soon as the followed node
gets it, not at the next poll; a push of a feed nobody wants is still refused."""

from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from node.appkeys import KEY, WRITER
from node.federation.push_hub import PUSHER
from node.federation.subscriptions import SUBSCRIBER
from tests.support.http_servers import assert_error
from tests.support.push import Peer, until
from tests.support.samples import OFFER, chain, key

NDJSON = {"Content-Type": "application/x-ndjson"}
#: Far beyond any deadline of these tests: whatever arrives came by push or at once.
NEVER = 86400


def cold_chain(root: Path) -> tuple[Peer, Peer, Peer]:
    """A → B → C, nothing copied yet: B follows A, C follows B, A holds two offers."""
    a, b, c = (Peer(root, name, polling=True, poll_seconds=NEVER) for name in "abc")
    a.put(col="offer", rid="laser", body=OFFER)
    a.put(col="offer", rid="couture", body=OFFER)
    b.follow(a)
    c.follow(b)
    return a, b, c


async def test_a_cold_chain_gets_the_two_hop_feed_without_waiting_for_a_poll(
    tmp_path: Path,
) -> None:
    a, b, c = cold_chain(tmp_path)
    try:
        apps = [await peer.start() for peer in (a, b, c)]  # all at once, all empty
        held = lambda: (feed := c.store.feed(a.did)) is not None and feed.seq == 2  # noqa: E731
        await until(held, timeout=20, what="C holds A's feed")
        assert c.store.lines(a.did, 0, 10) == a.store.lines(a.did, 0, 10)
        # C's subscription at B names A's feed, held or not: its next entries come by push.
        await until(lambda: apps[1][PUSHER].callbacks(a.did), what="C subscribed to A at B")
        assert a.did in apps[2][SUBSCRIBER].asked[b.url]
        await apps[0][WRITER].append_own(apps[0][KEY], col="offer", rid="b", body=OFFER)
        await until(lambda: c.store.feed(a.did).seq == 3, what="A's next entry at C")
    finally:
        for peer in (c, b, a):
            await peer.close()


async def test_a_feed_the_followed_node_got_before_the_subscription_comes_at_once(
    tmp_path: Path,
) -> None:
    """B holds A's feed already when C learns it wants it: B pushes only what comes next,
    so the confirmed subscription is followed by a pull round (no poll job at all here)."""
    a, b, c = (Peer(tmp_path, name) for name in "abc")  # polling off
    a.put(col="offer", rid="laser", body=OFFER)
    b.follow(a)
    b.copy_feed_of(a)
    c.follow(b)
    c.copy_feed_of(b)  # B's follow record of A: C wants A's feed, does not hold it
    try:
        for peer in (a, b, c):
            await peer.start()
        # 1–3 s alone; over 10 s once in a full run, and in 1 of 12 runs on a loaded machine
        await until(lambda: c.store.feed(a.did) is not None, 20, what="C holds A's feed")
        assert c.store.lines(a.did, 0, 10) == a.store.lines(a.did, 0, 10)
    finally:
        for peer in (c, b, a):
            await peer.close()


async def test_a_feed_not_wanted_is_refused_even_through_a_callback(tmp_path: Path) -> None:
    a, b, c = (Peer(tmp_path, name) for name in "abc")  # polling off
    a.put(col="offer", rid="laser", body=OFFER)
    b.follow(a)
    c.follow(b)
    c.copy_feed_of(b)  # C wants A's feed (two hops), holds B's
    stranger = chain(key("inconnu"), [("offer", "laser", OFFER)])
    try:
        app = await c.start()  # A and B stay down: nothing reaches C but these posts
        subscriber = app[SUBSCRIBER]
        await until(lambda: a.did in subscriber.wanted and b.url in subscriber.rows)
        token = subscriber.rows[b.url].token
        async with ClientSession() as http:
            # Through the callback of a node C follows: a feed nobody there wants.
            body = b"".join(entry.line + b"\n" for entry in stranger)
            response = await http.post(f"{c.url}/inbox/callback/{token}", data=body, headers=NDJSON)
            await assert_error(response, 403, "feed-not-held")
            # At /inbox, from anyone: a feed C wants but does not hold is refused as well.
            body = b"".join(line + b"\n" for line in a.store.lines(a.did, 0, 10))
            response = await http.post(f"{c.url}/inbox", data=body, headers=NDJSON)
            await assert_error(response, 403, "feed-not-held")
        assert c.store.feed(stranger[0].author) is None and c.store.feed(a.did) is None
    finally:
        await c.close()
        for peer in (a, b):
            await peer.close()


async def test_an_endorsed_feed_is_named_in_every_subscription(tmp_path: Path) -> None:
    """An endorsement gives no URL: any followed node may hold the feed, so each is asked."""
    b, c = (Peer(tmp_path, name) for name in "bc")  # polling off
    endorsed = key("recommandé").did
    c.follow(b)
    c.put(col="endorse", rid=endorsed, body={})
    try:
        apps = [await peer.start() for peer in (b, c)]
        await until(lambda: apps[0][PUSHER].callbacks(endorsed), what="C subscribed at B")
        assert apps[0][PUSHER].callbacks(b.did) == apps[0][PUSHER].callbacks(endorsed)
    finally:
        for peer in (c, b):
            await peer.close()


async def test_a_push_that_starts_a_wanted_feed_late_makes_the_node_fetch_it(
    tmp_path: Path,
) -> None:
    """A push through a callback of a wanted feed not held, from its seq 2: the store takes
    a new feed only from seq 1, so the node fetches it from the pusher, from the start."""
    a, b, c = (Peer(tmp_path, name) for name in "abc")  # polling off
    for rid in ("laser", "couture", "bois"):
        a.put(col="offer", rid=rid, body=OFFER)
    b.follow(a)
    lines = a.store.lines(a.did, 0, 10)
    served: list[str] = []

    async def entries(request: web.Request) -> web.Response:  # B, as far as C asks
        served.append(request.path_qs)
        after = int(request.query.get("after", "0"))
        return web.Response(body=b"".join(line + b"\n" for line in lines[after:]))

    fake = web.Application()
    fake.router.add_get(f"/feeds/{a.did}/entries", entries)
    async with TestServer(fake) as server:  # no /inbox: C's subscription there never holds
        url = str(server.make_url("")).rstrip("/")
        c.put(col="follow", rid=b.did, body={"url": url})
        c.copy_feed_of(b)  # C wants A's feed, through that URL
        try:
            app = await c.start()
            subscriber = app[SUBSCRIBER]
            await until(lambda: a.did in subscriber.wanted and url in subscriber.rows)
            token = subscriber.rows[url].token
            async with ClientSession() as http:
                body = b"".join(line + b"\n" for line in lines[1:])
                response = await http.post(
                    f"{c.url}/inbox/callback/{token}", data=body, headers=NDJSON
                )
                assert response.status == 202
                assert (await response.json())["stored"] == 0
            await until(lambda: c.store.lines(a.did, 0, 10) == lines, what="A fetched")
            assert served[0] == f"/feeds/{a.did}/entries?after=0"
        finally:
            await c.close()
            for peer in (a, b):
                await peer.close()


async def test_a_followed_node_that_starts_later_is_asked_again_soon(tmp_path: Path) -> None:
    """C asks B before B serves: the request fails, and is tried again after a short
    backoff (FIRST_RETRY_SECONDS, doubling), not after RETRY_SECONDS."""
    b, c = (Peer(tmp_path, name) for name in "bc")  # polling off
    b.put(col="offer", rid="bois", body=OFFER)
    c.follow(b)
    c.copy_feed_of(b)
    try:
        app = await c.start()
        subscriber = app[SUBSCRIBER]
        await until(lambda: b.url in subscriber.rows and subscriber.rows[b.url].error)
        hub = await b.start()
        await until(lambda: hub[PUSHER].callbacks(b.did), timeout=30, what="C subscribed")
        assert subscriber.rows[b.url].error is None
        await hub[WRITER].append_own(hub[KEY], col="offer", rid="laser", body=OFFER)
        await until(lambda: c.store.feed(b.did).seq == 2, what="B's entry pushed to C")
    finally:
        for peer in (c, b):
            await peer.close()
