"""A node's app served in a child process, so that a benchmark's client and server do not
share one event loop (nor one GIL)."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

from aiohttp import web

from node.app import create_app
from node.settings import Settings


def _serve_process(home: str, conn: Connection) -> None:
    async def main() -> None:
        runner = web.AppRunner(create_app(Settings.load(Path(home))), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        conn.send(runner.addresses[0][1])
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop
        await runner.cleanup()

    asyncio.run(main())


@contextmanager
def serving_process(home: Path, start_timeout: float = 60.0) -> Iterator[tuple[int, int]]:
    """Serve the node at ``home`` in a child process; yields its port on 127.0.0.1 and
    its process id."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=_serve_process, args=(str(home), child), daemon=True)
    server.start()
    try:
        if not parent.poll(start_timeout):
            raise RuntimeError("the benchmark server did not start")
        assert server.pid is not None
        yield parent.recv(), server.pid
    finally:
        parent.send("stop")
        server.join(30)
        if server.is_alive():
            server.terminate()
            server.join()


@contextmanager
def serving(home: Path) -> Iterator[int]:
    """Serve the node at ``home`` in a child process; yields its port on 127.0.0.1."""
    with serving_process(home) as (port, _pid):
        yield port
