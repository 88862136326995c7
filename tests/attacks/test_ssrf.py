"""A stranger subscribes at ``POST /inbox`` with a callback inside the node's own machine or
network (blind SSRF): the node must answer 4xx ``callback-refused`` and send nothing there,
neither the intent check (GET) nor the pushes (POST) of the entries it then publishes, be
the callback written as an address, as ``localhost``, or as a name that resolves there (also
once the early check has passed: DNS rebinding). Subscribers are capped, in all and per
address (``too-many-subscriptions``).

The node is served on 127.0.0.1 but announces ``https://noeud.example``: a public node,
which reaches public addresses only. The listener on loopback plays the victim service at
its most helpful: it echoes any challenge and accepts any push. No test reaches DNS or any
address but loopback: names are answered by a fake ``getaddrinfo``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from node.app import create_app
from node.appkeys import KEY, STORE, WRITER
from node.federation.push_client import PUSH_SESSION
from node.federation.push_hub import PUSHER
from node.home import create_home
from node.settings import Settings
from tests.support.http_servers import serve_on_loopback
from tests.support.polling import until
from tests.support.samples import OFFER

PUBLIC = "https://noeud.example"
JSON = {"Content-Type": "application/json"}
#: A global address the fake DNS may answer; no test ever connects to it.
SOMEWHERE_PUBLIC = "93.184.215.14"


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


IPV6 = _has_ipv6_loopback()


class Listener:
    """A server on 127.0.0.1 (and ::1) recording every request it gets, whatever the path."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.port4 = self.port6 = 0

    async def _any(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path_qs))
        await request.read()
        if "challenge" in request.query:
            return web.Response(text=request.query["challenge"])
        return web.Response(status=202)

    async def __aenter__(self) -> Listener:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port4 = self._runner.addresses[-1][1]
        if IPV6:
            await web.TCPSite(self._runner, "::1", 0).start()
            self.port6 = self._runner.addresses[-1][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    async def stays_quiet(self, seconds: float = 1.5) -> None:
        """Fail as soon as a request arrives within ``seconds`` (a push coalesces for 1 s)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.requests == [], f"the node reached the listener: {self.requests}"
            await asyncio.sleep(0.02)
        assert self.requests == [], f"the node reached the listener: {self.requests}"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[int], list[str]]]:
    """Fake name resolution: name → (how many lookups of it so far → its addresses).

    Literal addresses and ``localhost`` resolve as usual; any other name is unknown.
    """
    names: dict[str, Callable[[int], list[str]]] = {}
    lookups: Counter[str] = Counter()
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, family: int = 0, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name in names:
            lookups[name] += 1
            infos = []
            for text in names[name](lookups[name]):
                address = ipaddress.ip_address(text)
                kind = socket.AF_INET6 if address.version == 6 else socket.AF_INET
                if family in (0, kind):
                    where = (text, int(port or 0)) + ((0, 0) if address.version == 6 else ())
                    infos.append((kind, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", where))
            if infos:
                return infos
        elif name is None or name.rstrip(".").lower() == "localhost" or _is_ip(name):
            return real(host, port, family, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    names["noeud.example"] = lambda _: [SOMEWHERE_PUBLIC]  # the node's own name is public
    return names


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return True


@asynccontextmanager
async def served(tmp_path: Path, **settings: Any) -> AsyncIterator[tuple[web.Application, str]]:
    """A real node on 127.0.0.1 (polling off), its app and the URL to reach it."""
    settings.setdefault("public_url", PUBLIC)
    with create_home(tmp_path / "noeud", name="Nœud public") as node:
        loaded = Settings.load(node.settings.home, polling=False, poll_seconds=86400, **settings)
        app = create_app(loaded)
        runner, url = await serve_on_loopback(app)
        try:
            yield app, url
        finally:
            await runner.cleanup()


async def subscribe(
    url: str, callback: str, mode: str = "subscribe", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    body = orjson.dumps({"mode": mode, "callback": callback})
    async with (
        aiohttp.ClientSession() as stranger,
        stranger.post(f"{url}/inbox", data=body, headers={**JSON, **(headers or {})}) as answer,
    ):
        return answer.status, await answer.json()


async def publish(app: web.Application, count: int = 3) -> None:
    for number in range(count):
        body = {**OFFER, "title": f"Offre {number}"}
        await app[WRITER].append_own(app[KEY], col="offer", rid=f"o{number}", body=body)


def _refused(status: int, data: dict[str, Any], callback: str) -> None:
    assert (status, data.get("error")) == (403, "callback-refused"), (callback, status, data)
    assert "refusé" in data["message"], data


# -- the attack, end to end --------------------------------------------------------------------


async def test_callbacks_into_the_node_s_machine_are_refused_and_reach_nothing(
    tmp_path: Path, dns: dict[str, Callable[[int], list[str]]]
) -> None:
    dns["rappel.example"] = lambda _: ["127.0.0.1"]  # a name that resolves to loopback
    async with Listener() as listener, served(tmp_path) as (app, url):
        port = listener.port4
        callbacks = [
            f"http://127.0.0.1:{port}/cb",
            f"http://localhost:{port}/cb",
            f"http://LocalHost.:{port}/cb",
            f"http://[::ffff:127.0.0.1]:{port}/cb",
            f"http://rappel.example:{port}/cb",
            f"http://127.0.0.1:{port}/cb?mode=x",
        ]
        if IPV6:
            callbacks.append(f"http://[::1]:{listener.port6}/cb")
        for callback in callbacks:
            for mode in ("subscribe", "unsubscribe"):  # an unsubscription is checked too
                status, data = await subscribe(url, callback, mode)
                _refused(status, data, callback)
        pusher = app[PUSHER]
        assert pusher._pending == 0  # no intent check was even started
        await publish(app)
        assert pusher.posts == 0 and not pusher._outboxes
        await listener.stays_quiet()
        assert app[STORE].query("SELECT * FROM push_subscribers") == []


@pytest.mark.parametrize(
    "host",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",  # CGNAT
        "169.254.169.254",  # the cloud's metadata service
        "[fe80::1]",
        "[fd00::1]",
        "[fc00::1]",
        "0.0.0.0",
        "[::]",
        "224.0.0.1",
        "[ff02::1]",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",  # documentation
        "[2001:db8::1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:169.254.169.254]",
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[fec0::1]",
    ],
)
async def test_a_public_node_refuses_every_non_public_address(
    tmp_path: Path, dns: dict[str, Callable[[int], list[str]]], host: str
) -> None:
    async with served(tmp_path) as (app, url):
        status, data = await subscribe(url, f"http://{host}:8080/cb")
        _refused(status, data, host)
        assert app[PUSHER]._pending == 0


async def test_a_name_that_rebinds_to_loopback_is_caught_at_connect_time(
    tmp_path: Path, dns: dict[str, Callable[[int], list[str]]]
) -> None:
    """Public when ``POST /inbox`` looks, loopback when the intent check connects: the
    connection checks the addresses it actually uses. (Before the guard existed, nothing
    looked at all: this test keeps the second check honest.)"""
    dns["rebond.example"] = lambda n: [SOMEWHERE_PUBLIC] if n == 1 else ["127.0.0.1"]
    async with Listener() as listener, served(tmp_path) as (app, url):
        callback = f"http://rebond.example:{listener.port4}/cb"
        status, data = await subscribe(url, callback)
        assert status == 202, data
        pusher = app[PUSHER]
        await until(lambda: pusher._pending == 0, timeout=10, what="intent check over")
        assert pusher.callbacks(app[KEY].did) == []
        await publish(app)
        assert pusher.posts == 0
        await listener.stays_quiet()
        status, data = await subscribe(url, callback)  # now the name shows where it points
        _refused(status, data, callback)


async def test_the_push_session_itself_connects_to_no_refused_address(
    tmp_path: Path, dns: dict[str, Callable[[int], list[str]]]
) -> None:
    """At connect time, whatever the caller: deliveries, intent checks and anything else the
    push session sends are stopped before a byte leaves (a literal never reaches a
    resolver, so this is not a resolver's doing alone)."""
    dns["rappel.example"] = lambda _: ["127.0.0.1", "::1"]
    async with Listener() as listener, served(tmp_path) as (app, _):
        session = app[PUSH_SESSION]
        targets = [
            f"http://127.0.0.1:{listener.port4}/cb",
            f"http://localhost:{listener.port4}/cb",
            f"http://rappel.example:{listener.port4}/cb",
        ]
        if IPV6:
            targets.append(f"http://[::1]:{listener.port6}/cb")
        for target in targets:
            with pytest.raises(aiohttp.ClientConnectorError):
                async with session.post(target, data=b"{}\n", allow_redirects=False):
                    pass
        assert listener.requests == []


# -- the rule --------------------------------------------------------------------------------


async def test_a_node_on_a_network_reaches_that_kind_of_network_only(tmp_path: Path) -> None:
    """The exception: a node whose own address is not public (the demo on 127.0.0.1, a test
    network, Docker's 172.x) accepts callbacks of the same kind, and no other."""
    from node.federation.callback_guard import Reach

    def reach(**settings: Any) -> Reach:
        return Reach(Settings(home=tmp_path, **settings))

    demo = reach(public_url="http://127.0.0.1:8080")
    assert await demo.refusal("http://127.0.0.1:8081/inbox/callback/x") is None
    assert await demo.refusal("http://[::1]:8081/cb") is None
    assert await demo.refusal("http://localhost:8081/cb") is None
    assert await demo.refusal("http://10.0.0.5/cb") is not None
    assert await demo.refusal("http://169.254.169.254/latest/meta-data/") is not None
    lan = reach(public_url="http://192.168.1.20:8080")
    assert await lan.refusal("http://192.168.1.30:8080/cb") is None
    assert await lan.refusal("http://10.1.2.3:8080/cb") is None  # RFC 1918 is one kind
    assert await lan.refusal("http://127.0.0.1:8080/cb") is not None  # not the node's machine
    assert await lan.refusal("http://169.254.169.254/") is not None
    local = reach(host="127.0.0.1")  # no public_url: the listening address decides
    assert await local.refusal("http://127.0.0.1:9/cb") is None
    everywhere = reach(host="0.0.0.0")  # listening everywhere, no public_url: public
    assert await everywhere.refusal("http://127.0.0.1:9/cb") is not None
    public = reach(public_url="https://203.0.113.7")  # documentation: no kind at all
    assert await public.refusal("http://127.0.0.1:9/cb") is not None
    assert await public.refusal(f"http://{SOMEWHERE_PUBLIC}/cb") is None


async def test_only_the_allowed_addresses_of_a_name_are_used() -> None:
    from node.federation.callback_guard import CallbackRefused, Reach

    reach = Reach(Settings(home=Path("."), public_url=f"https://{SOMEWHERE_PUBLIC}"))
    answer = [
        {"hostname": "x", "host": host, "port": 80, "family": 0, "proto": 0, "flags": 0}
        for host in ("127.0.0.1", SOMEWHERE_PUBLIC, "::ffff:127.0.0.1", "fe80::1%1")
    ]
    kept = await reach.filter("x", answer)  # type: ignore[arg-type]
    assert [result["host"] for result in kept] == [SOMEWHERE_PUBLIC]
    with pytest.raises(CallbackRefused):
        await reach.filter("x", answer[:1])  # type: ignore[arg-type]


# -- the caps --------------------------------------------------------------------------------


async def test_subscribers_are_capped_per_address_and_in_all(tmp_path: Path) -> None:
    """A node on loopback (like the demo) reaches loopback callbacks; each stranger (told
    apart by a trusted proxy's X-Forwarded-For) gets at most 2 subscribers, an IPv6 /64
    counts as one stranger, and the node keeps at most 4."""
    settings = {
        "public_url": "http://127.0.0.1:8080",
        "trusted_proxies": ["127.0.0.1/32"],
        "push_max_subscribers_per_address": 2,
        "push_max_subscribers": 4,
    }
    async with Listener() as listener, served(tmp_path, **settings) as (app, url):
        pusher = app[PUSHER]

        def cb(number: int) -> str:
            return f"http://127.0.0.1:{listener.port4}/cb/{number}"

        async def ask(number: int, address: str, mode: str = "subscribe") -> tuple[int, dict]:
            return await subscribe(url, cb(number), mode, {"X-Forwarded-For": address})

        assert (await ask(1, "198.51.100.1"))[0] == 202
        assert (await ask(2, "198.51.100.1"))[0] == 202
        status, data = await ask(3, "198.51.100.1")
        assert (status, data["error"]) == (429, "too-many-subscriptions"), data
        assert (await ask(1, "198.51.100.1"))[0] == 202  # a renewal is no new subscriber
        assert (await ask(3, "2001:db8::1"))[0] == 202
        assert (await ask(4, "2001:db8::2"))[0] == 202  # the same /64: its second
        status, data = await ask(5, "2001:db8::3")
        assert (status, data["error"]) == (429, "too-many-subscriptions"), data
        status, data = await ask(5, "203.0.113.9")  # a newcomer, but the node is full
        assert (status, data["error"]) == (429, "too-many-subscriptions"), data
        assert "maximal" in data["message"]
        await until(lambda: len(pusher.callbacks(app[KEY].did)) == 4, what="4 confirmed")
        assert "/cb/5" not in str(listener.requests)  # a refused one is never asked

        def rows() -> list:  # saved just after the hub applies it in memory
            return app[STORE].query("SELECT callback, requested_by FROM push_subscribers")

        await until(lambda: len(rows()) == 4, what="4 saved")
        assert sorted(rows()) == [
            (cb(1), "198.51.100.1"),
            (cb(2), "198.51.100.1"),
            (cb(3), "2001:db8::/64"),
            (cb(4), "2001:db8::/64"),
        ]
        # One leaves: there is room again; an unsubscription is never capped.
        assert (await ask(2, "198.51.100.1", "unsubscribe"))[0] == 202
        await until(lambda: len(pusher.callbacks(app[KEY].did)) == 3, what="one left")
        assert (await ask(5, "203.0.113.9"))[0] == 202
        await until(lambda: pusher._pending == 0)
