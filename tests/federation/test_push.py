"""Push: subscriptions confirmed by a challenge, pushes verified, relayed along a chain."""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import node.federation.push_client
from node.appkeys import KEY, STORE, WRITER
from node.federation.push_hub import PUSHER
from node.federation.subscriptions import SUBSCRIBER
from node.home import Node
from node.scheduler import JOBS
from node.settings import Settings
from protocol.entries import Entry
from tests.support.http_servers import assert_error, serve
from tests.support.push import FakeSubscriber, Peer, in_a_row, until
from tests.support.samples import OFFER, chain, key

NDJSON = {"Content-Type": "application/x-ndjson"}
TEN_DAYS = 864000
PUSH_JOBS = {"catch-up", "push-expire", "push-subscriptions", "hidden"}  # hidden: local only


@pytest.fixture
def hub_node(node: Node) -> Node:
    """The node whose /inbox the tests talk to (conftest's ``node``)."""
    return node


@pytest.fixture
def hub(client: TestClient) -> TestClient:
    """A test client of the hub's app (conftest's ``client``)."""
    return client


async def subscribe(hub: TestClient, callback: str, **extra: object):
    request = {"mode": "subscribe", "callback": callback, **extra}
    return await hub.post("/inbox", data=orjson.dumps(request), headers=_JSON)


_JSON = {"Content-Type": "application/json"}


async def test_an_entry_reaches_two_hops_by_push_with_polling_off(tmp_path: Path) -> None:
    a, b, c = in_a_row(tmp_path, {"col": "offer", "rid": "laser", "body": OFFER})
    try:
        apps = [await peer.start() for peer in (a, b, c)]
        # B asks A for A's feed; C asks B for B's feed and A's (which C holds too).
        await until(lambda: apps[0][PUSHER].callbacks(a.did))
        await until(lambda: apps[1][PUSHER].callbacks(a.did) and apps[1][PUSHER].callbacks(b.did))
        assert apps[2][SUBSCRIBER].rows[b.url].expires_at is not None  # challenge echoed
        entry = await apps[0][WRITER].append_own(
            apps[0][KEY], col="offer", rid="couture", body=OFFER
        )
        await until(lambda: c.store.feed(a.did).seq == 2)
        assert b.store.line(a.did, 2) == c.store.line(a.did, 2) == entry.line
        for app in apps:  # polling off: no pull replication job at all
            assert {job.name for job in app[JOBS]} <= PUSH_JOBS
        # A change of B itself reaches C the same way.
        await apps[1][WRITER].append_own(apps[1][KEY], col="offer", rid="b", body=OFFER)
        await until(lambda: c.store.feed(b.did).seq == 2)
        # B stops following A: B withdraws its subscription at A.
        await apps[1][WRITER].append_own(apps[1][KEY], col="follow", rid=a.did, op="del")
        await until(lambda: not apps[0][PUSHER].callbacks(a.did))
    finally:
        for peer in (c, b, a):
            await peer.close()


async def test_subscription_is_kept_once_the_challenge_is_echoed(hub, hub_node: Node) -> None:
    async with FakeSubscriber() as fake:
        response = await subscribe(hub, fake.callback, feeds=[hub_node.key.did])
        assert response.status == 202
        data = await response.json()
        assert data == {
            "mode": "subscribe",
            "callback": fake.callback,
            "feeds": [hub_node.key.did],
            "lease_seconds": TEN_DAYS,
            "status": "verification",
        }
        pusher = hub.server.app[PUSHER]
        await until(lambda: pusher.callbacks(hub_node.key.did) == [fake.callback])
        (check,) = fake.checks
        assert check["mode"] == "subscribe" and check["from"] == "test"
        assert check["lease_seconds"] == str(TEN_DAYS) and len(check["challenge"]) >= 32
        # saved just after the hub applied it in memory
        query = "SELECT callback, feed FROM push_subscribers"
        await until(lambda: hub.server.app[STORE].query(query) != [])
        assert hub.server.app[STORE].query(query) == [(fake.callback, hub_node.key.did)]
        # Unsubscribing (no feeds: every one) is checked the same way, then applied.
        request = {"mode": "unsubscribe", "callback": fake.callback}
        response = await hub.post("/inbox", data=orjson.dumps(request), headers=_JSON)
        assert response.status == 202
        await until(lambda: not pusher.callbacks(hub_node.key.did))
        assert fake.checks[-1]["mode"] == "unsubscribe"
        await until(lambda: hub.server.app[STORE].query("SELECT * FROM push_subscribers") == [])


async def test_a_wrong_challenge_keeps_no_subscription(hub, hub_node: Node) -> None:
    async with FakeSubscriber(echo=False) as fake:
        form = {"mode": "subscribe", "callback": fake.callback, "lease_seconds": "3600"}
        response = await hub.post("/inbox", data=form)  # a form works like JSON
        assert response.status == 202
        assert (await response.json())["lease_seconds"] == 3600
        pusher = hub.server.app[PUSHER]
        await until(lambda: fake.checks and pusher._pending == 0)
        assert pusher.callbacks(hub_node.key.did) == []
        assert hub.server.app[STORE].query("SELECT * FROM push_subscribers") == []


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        ({"mode": "subscribe", "callback": "ftp://example.org/cb"}, "bad-callback"),
        ({"mode": "subscribe", "callback": "/relative"}, "bad-callback"),
        ({"mode": "subscribe", "callback": "javascript:alert(1)"}, "bad-callback"),
        ({"mode": "subscribe", "callback": "http://u:p@example.org/"}, "bad-callback"),
        ({"mode": "subscribe"}, "bad-callback"),
        ({"mode": "publish", "callback": "http://example.org/"}, "bad-mode"),
        ({"mode": "subscribe", "callback": "http://e.org/", "feeds": ["x"]}, "bad-feeds"),
        ({"mode": "subscribe", "callback": "http://e.org/", "feeds": "x"}, "bad-feeds"),
        ({"mode": "subscribe", "callback": "http://e.org/", "lease_seconds": -5}, "bad-lease"),
        ({"mode": "subscribe", "callback": "http://e.org/", "lease_seconds": "1h"}, "bad-lease"),
        (["subscribe"], "bad-subscription"),
    ],
)
async def test_bad_subscription_requests_are_refused(hub, request_body, code) -> None:
    response = await hub.post("/inbox", data=orjson.dumps(request_body), headers=_JSON)
    await assert_error(response, 400, code)
    assert hub.server.app[PUSHER]._pending == 0


async def test_the_lease_is_clamped_and_ends(hub, hub_node: Node, monkeypatch) -> None:
    async with FakeSubscriber() as fake:
        response = await subscribe(hub, fake.callback, lease_seconds=10**9)
        assert (await response.json())["lease_seconds"] == TEN_DAYS
        pusher = hub.server.app[PUSHER]
        await until(lambda: pusher.callbacks(hub_node.key.did))
        await until(lambda: hub.server.app[STORE].query("SELECT * FROM push_subscribers") != [])
        assert fake.checks[0]["lease_seconds"] == str(TEN_DAYS)
        (expires,) = pusher.subscribers[hub_node.key.did].values()
        assert abs(expires - (time.time() + TEN_DAYS)) < 60
        monkeypatch.setattr(node.federation.push_client, "now", lambda: expires + 1)
        assert pusher.callbacks(hub_node.key.did) == []  # no push after the lease
        assert await pusher.expire() == 1
        assert hub.server.app[STORE].query("SELECT * FROM push_subscribers") == []


async def test_pushes_are_coalesced_to_one_a_second(hub, hub_node: Node) -> None:
    app = hub.server.app
    async with FakeSubscriber() as fake:
        await subscribe(hub, fake.callback)
        await until(lambda: app[PUSHER].callbacks(hub_node.key.did))
        began = time.monotonic()
        entries = [
            await app[WRITER].append_own(app[KEY], col="offer", rid=f"o{i}", body=OFFER)
            for i in range(40)
        ]
        writing = time.monotonic() - began  # seconds on a loaded machine, a fraction idle
        await until(lambda: len(fake.lines) == 40)
        assert fake.lines == [e.line for e in entries]  # every entry, in order, once
        # at most one push a second while the entries were written, and one after
        assert len(fake.pushes) <= math.floor(writing) + 2
        times = [at for at, _ in fake.pushes]
        assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(times))


async def test_a_stranger_s_entries_are_refused_and_not_kept(hub, hub_node: Node) -> None:
    stranger = chain(key("un inconnu"), [("offer", "x", OFFER)])
    body = b"".join(e.line + b"\n" for e in stranger)
    response = await hub.post("/inbox", data=body, headers=NDJSON)
    await assert_error(response, 403, "feed-not-held")
    assert hub_node.store.feed(stranger[0].author) is None


async def test_a_push_of_a_held_feed_is_stored(hub, hub_node: Node) -> None:
    other = chain(key("un voisin"), [("offer", f"o{i}", OFFER) for i in range(3)])
    hub_node.store.append(other[:1])  # the hub replicates this feed
    stranger = chain(key("un inconnu"), [("offer", "x", OFFER)])
    body = b"".join(e.line + b"\n" for e in [*other, *stranger])
    response = await hub.post("/inbox", data=body, headers=NDJSON)
    assert response.status == 202
    data = await response.json()
    assert (data["stored"], data["duplicates"], data["forks"]) == (2, 1, 0)
    assert data["refused"] == [{"author": stranger[0].author, "seq": 1, "reason": "feed not held"}]
    assert hub_node.store.feed(other[0].author).seq == 3
    assert hub_node.store.feed(stranger[0].author) is None


def _forged(entry: Entry) -> bytes:
    data = orjson.loads(entry.line)
    data["body"]["title"] = "Offre modifiée en route"
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize(
    "make",
    [
        _forged,
        lambda e: e.line.replace(b'"sig":"', b'"sig":"A', 1),
        lambda e: b"{not json",
        lambda e: b'{"a": 1}',
        lambda e: e.line + b" ",
    ],
)
async def test_forged_or_garbage_lines_are_refused(hub, hub_node: Node, make) -> None:
    entries = chain(key("un voisin"), [("offer", f"o{i}", OFFER) for i in range(2)])
    hub_node.store.append(entries[:1])
    body = entries[1].line + b"\n" + make(entries[1]) + b"\n"
    response = await hub.post("/inbox", data=body, headers=NDJSON)
    await assert_error(response, 400, "invalid-entry")
    assert hub_node.store.feed(entries[0].author).seq == 1  # not even the valid line


async def test_an_empty_push_or_another_type_is_refused(hub) -> None:
    await assert_error(await hub.post("/inbox", data=b"", headers=NDJSON), 400, "empty-push")
    response = await hub.post("/inbox", data=b"x", headers={"Content-Type": "text/plain"})
    await assert_error(response, 415, "unsupported-media-type")


async def test_an_oversized_push_gets_413(hub_node: Node) -> None:
    settings = Settings.load(hub_node.settings.home, max_request_bytes=4096)
    client = await serve(settings)
    try:
        response = await client.post("/inbox", data=b"x" * 5000, headers=NDJSON)
        await assert_error(response, 413, "too-large")

        async def chunks():  # no Content-Length: the limit holds while reading
            for _ in range(5):
                yield b"y" * 1000

        response = await client.post("/inbox", data=chunks(), headers=NDJSON)
        await assert_error(response, 413, "too-large")
    finally:
        await client.close()


async def test_pushes_are_rate_limited_per_address(hub_node: Node) -> None:
    settings = Settings.load(hub_node.settings.home, inbox_burst=3, inbox_per_minute=1)
    client = await serve(settings)
    try:
        for _ in range(3):
            response = await client.post("/inbox", data=b"", headers=NDJSON)
            assert response.status == 400
        response = await client.post("/inbox", data=b"", headers=NDJSON)
        await assert_error(response, 429, "too-many-requests")
        assert int(response.headers["Retry-After"]) >= 1
    finally:
        await client.close()


async def test_the_callback_echoes_only_what_this_node_asked(tmp_path: Path) -> None:
    a, b = Peer(tmp_path, "a"), Peer(tmp_path, "b")
    try:
        a.put(col="offer", rid="laser", body=OFFER)
        b.follow(a)
        b.copy_feed_of(a)
        app_a, app_b = await a.start(), await b.start()
        await until(lambda: app_a[PUSHER].callbacks(a.did))
        client = TestClient(TestServer(web.Application()))  # any HTTP client will do
        await client.start_server()
        try:
            (row,) = app_b[SUBSCRIBER].rows.values()
            base = f"{b.url}/inbox/callback"
            get = client.session.get
            query = {"mode": "subscribe", "challenge": "abc", "lease_seconds": "60"}
            async with get(f"{base}/{row.token}", params=query) as response:
                assert response.status == 200 and await response.text() == "abc"
            async with get(f"{base}/inconnu", params=query) as response:
                await assert_error(response, 404, "unknown-subscription")
            wrong_mode = {**query, "mode": "unsubscribe"}
            async with get(f"{base}/{row.token}", params=wrong_mode) as response:
                await assert_error(response, 404, "unknown-subscription")
            push = client.session.post
            async with push(f"{base}/inconnu", data=b"x\n", headers=NDJSON) as response:
                await assert_error(response, 404, "unknown-subscription")
        finally:
            await client.close()
    finally:
        await b.close()
        await a.close()
