"""A real node holding a few records, served on loopback in a thread, for outside clients.

The API conformance test (tests/web/test_openapi_conformance.py) and ``make check-clients``
(bench/clients/) point tools nobody here wrote (schemathesis, spectral) at it: they speak
plain HTTP to a real ``create_app`` on ``127.0.0.1``, port 0, from their own threads or
processes, so the node runs its own event loop in a thread.

Push reaches loopback only: the subscription endpoint takes callback URLs a fuzzer invents,
and the node then GETs them (the intent check). :class:`LoopbackOnly` replaces the node's
callback guard: no kind of address but loopback is allowed, and names are never looked up
(no DNS query leaves the machine); every address push was about to connect to is recorded
in :data:`CONNECTED`, for the test to assert that nothing but loopback was reached.

    python -m tests.support.sample_node [--port N]   # serve until Ctrl-C, print the URL
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from node.app import create_app
from node.federation import callback_guard
from node.home import create_home
from node.settings import Settings
from node.web.server import NodeRunner
from tests.support.pages import OFFERS, PROFILE, offer_body

NAME = "Fablab des Tests"
#: Every address push kept for a connection (host, address), in order.
CONNECTED: list[tuple[str, str]] = []
#: Every name push asked to resolve.
RESOLVED: list[str] = []


class NoDns(AbstractResolver):
    """``localhost`` is 127.0.0.1; any other name does not resolve (and is not looked up)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        RESOLVED.append(host)
        if not callback_guard.is_localhost(host):
            raise OSError(f"{host} : pas de résolution de noms dans les tests")
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]  # fmt: skip

    async def close(self) -> None:
        return None


class LoopbackOnly(callback_guard.Reach):
    """A callback guard that allows loopback alone and resolves no name."""

    def __init__(self, settings: Settings, resolver: AbstractResolver | None = None) -> None:
        super().__init__(settings, resolver=NoDns())

    async def kinds(self) -> frozenset[str]:
        return frozenset({callback_guard.LOOPBACK})

    async def filter(self, host: str, hosts: list[ResolveResult]) -> list[ResolveResult]:
        kept = await super().filter(host, hosts)
        CONNECTED.extend((host, result["host"]) for result in kept)
        return kept


def fill(home: Path) -> Settings:
    """A new node at ``home`` holding a profile, four offers and a need; its settings."""
    with create_home(home, name=NAME) as node:
        node.store.append_own(node.key, col="profile", rid="profile", body=PROFILE)
        for rid, title, category, pricing, price in OFFERS:
            body = offer_body(title, category, pricing, price)
            node.store.append_own(node.key, col="offer", rid=rid, body=body)
        need = {"title": "Élastique pour 500 visières", "category": "production.petite-serie"}
        node.store.append_own(
            node.key, col="need", rid="visieres", body=need
        )  # the example of /api/match
    # A fuzzer posts to /inbox far faster than a peer: the rate limit would answer every case.
    return Settings.load(home, polling=False, inbox_per_minute=100_000, inbox_burst=100_000)


@contextlib.contextmanager
def sample_node(home: Path, port: int = 0, **overrides: Any) -> Iterator[str]:
    """Serve a filled node at ``home`` on 127.0.0.1 (push reaching loopback only, see
    :class:`LoopbackOnly`) in a thread, for the duration of the block; its URL."""
    settings = fill(home)
    if overrides:
        settings = Settings.model_validate({**settings.model_dump(), **overrides})
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def start() -> None:
        runner = NodeRunner(create_app(settings), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        state["runner"] = runner
        state["url"] = f"http://127.0.0.1:{runner.addresses[0][1]}"

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:
            state["error"] = exc
        ready.set()
        if "error" not in state:
            loop.run_forever()
            loop.run_until_complete(state["runner"].cleanup())
        loop.close()

    original = callback_guard.Reach
    callback_guard.Reach = LoopbackOnly  # type: ignore[misc]
    thread = threading.Thread(target=serve, name="sample-node", daemon=True)
    thread.start()
    try:
        ready.wait(60)
        if "error" in state:
            raise state["error"]
        yield state["url"]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        callback_guard.Reach = original  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        sample_node(Path(folder) / "home", args.port) as url,
    ):
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
