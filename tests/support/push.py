"""Real nodes on loopback for the push tests and benchmark: bound first, served later."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from node.app import create_app
from node.home import Node, create_home
from node.settings import Settings
from node.store.database import Store
from protocol.entries import Entry
from protocol.verification import verify_lines
from tests.support.polling import until  # noqa: F401 - re-exported for the tests


class Peer:
    """A node home with its socket bound (so its URL is known) before it serves."""

    def __init__(self, root: Path, name: str, **settings: Any) -> None:
        self.node: Node = create_home(root / name, name=name)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        if "polling" in Settings.model_fields:  # the pull replicator stays idle
            settings.setdefault("polling", False)
        settings.setdefault("poll_seconds", 86400)
        self.settings = Settings.load(self.node.settings.home, public_url=self.url, **settings)
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None

    @property
    def did(self) -> str:
        return self.node.key.did

    @property
    def store(self) -> Store:
        return self.node.store

    def put(self, **record: Any) -> Entry:
        return self.store.append_own(self.node.key, **record)

    def follow(self, other: Peer) -> Entry:
        return self.put(col="follow", rid=other.did, body={"url": other.url})

    def copy_feed_of(self, other: Peer) -> None:
        """Hold ``other``'s feed as replication would: its lines, verified and stored."""
        entries = verify_lines(other.store.lines(other.did, 0, 10_000))
        assert all(isinstance(e, Entry) for e in entries)
        result = self.store.append(entries)  # type: ignore[arg-type]
        assert not result.refused and not result.forks

    async def start(self) -> web.Application:
        self.app = create_app(self.settings)
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self.sock).start()
        return self.app

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        else:
            self.sock.close()
        self.node.close()


def in_a_row(root: Path, *records: dict[str, Any]) -> tuple[Peer, Peer, Peer]:
    """Homes A → B → C, not served yet: A holds ``records``; B follows A and holds its feed;
    C follows B and holds both feeds (so that, through B, it wants A's)."""
    a, b, c = (Peer(root, name) for name in ("a", "b", "c"))
    for record in records:
        a.put(**record)
    b.follow(a)
    b.copy_feed_of(a)
    c.follow(b)
    c.copy_feed_of(a)
    c.copy_feed_of(b)
    return a, b, c


class FakeSubscriber:
    """A callback server: answers the intent check (echo or not) and records pushes."""

    def __init__(self, echo: bool = True) -> None:
        self.echo = echo
        self.checks: list[dict[str, str]] = []
        self.pushes: list[tuple[float, list[bytes]]] = []
        app = web.Application()
        app.router.add_get("/cb", self._check)
        app.router.add_post("/cb", self._push)
        self.server = TestServer(app)

    async def _check(self, request: web.Request) -> web.Response:
        self.checks.append(dict(request.query))
        return web.Response(text=request.query["challenge"] if self.echo else "autre chose")

    async def _push(self, request: web.Request) -> web.Response:
        lines = (await request.read()).splitlines()
        self.pushes.append((time.monotonic(), lines))
        return web.Response(status=202)

    @property
    def lines(self) -> list[bytes]:
        return [line for _, batch in self.pushes for line in batch]

    async def __aenter__(self) -> FakeSubscriber:
        await self.server.start_server()
        self.callback = str(self.server.make_url("/cb?from=test"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()
