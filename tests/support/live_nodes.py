"""Real nodes on loopback for the replication tests: start, stop, restart on the same port."""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
from pathlib import Path
from typing import Any

from aiohttp import web

from node.app import create_app
from node.appkeys import STORE, WRITER
from node.cli.main import main
from node.federation.sync import REPLICATOR, Report
from node.home import create_home
from node.settings import KEY_FILE, Settings
from node.store.database import Store
from protocol.entries import Entry
from protocol.keys import SigningKey, load_key
from protocol.verification import verify_lines
from tests.support.polling import until  # noqa: F401 - re-exported for the tests


class LiveNode:
    """One node served by a real ``AppRunner`` on 127.0.0.1 (port chosen once, then kept)."""

    def __init__(self, root: Path, name: str, **settings: Any) -> None:
        self.home = root / name.lower().replace(" ", "-")
        with create_home(self.home, name=name) as node:
            self.key: SigningKey = node.key
        self.settings = Settings.load(self.home, polling=False, **settings)
        self.name = name
        self.port = 0
        self.runner: web.AppRunner | None = None

    @property
    def did(self) -> str:
        return self.key.did

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def app(self) -> web.Application:
        assert self.runner is not None, f"{self.name} is stopped"
        return self.runner.app

    @property
    def store(self) -> Store:
        return self.app[STORE]

    async def start(self) -> LiveNode:
        self.runner = web.AppRunner(create_app(self.settings), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self.runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def sync(self) -> Report:
        return await self.app[REPLICATOR].run_once(force=True)

    async def put(self, rid: str, body: dict[str, Any] | None, col: str = "offer") -> None:
        op = "put" if body is not None else "del"
        await self.app[WRITER].append_own(self.key, col=col, rid=rid, op=op, body=body)

    def seq_of(self, did: str) -> int:
        feed = self.store.feed(did)
        return feed.seq if feed else 0


def twin(root: Path, of: LiveNode, name: str) -> LiveNode:
    """A second home holding ``of``'s key and a copy of its own feed: the key copied to
    another machine, which then writes on its own (a fork, once both write at one seq)."""
    other = LiveNode(root, name)
    shutil.copyfile(of.home / KEY_FILE, other.home / KEY_FILE)
    other.key = load_key(other.home / KEY_FILE)
    store = Store(other.settings.store_path)
    try:
        entries = verify_lines(of.store.lines(of.did, 0, 100_000))
        assert all(isinstance(e, Entry) for e in entries)
        assert len(store.append(entries).stored) == len(entries)  # type: ignore[arg-type]
    finally:
        store.close()
    return other


async def cli(*args: str | Path) -> tuple[int, str, str]:
    """Run ``maillage ARGS`` in a thread (the commands run their own event loop)."""
    out, err = io.StringIO(), io.StringIO()

    def call() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main([str(a) for a in args])

    status = await asyncio.to_thread(call)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return status, out.getvalue(), err.getvalue()
