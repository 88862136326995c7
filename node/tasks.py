"""Background tasks a component starts and must stop with it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any


class BackgroundTasks:
    """A set of running tasks: started with :meth:`spawn`, all cancelled by :meth:`close`."""

    def __init__(self) -> None:
        self.closed = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        self.closed = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def in_own_thread(function: Callable[[], Any], name: str) -> asyncio.Future[Any]:
    """Run ``function`` on a thread of its own; a future of its result on the running loop.

    For work that lasts as long as the node (the index thread): in the loop's default
    executor it would hold one of its few workers (``min(32, cores + 4)``) for good, and
    every other ``asyncio.to_thread`` of the process (the store's reads, each node's start
    when several run in one process) would wait for the others.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if done.cancelled():
            return
        if error is None:
            done.set_result(result)
        else:
            done.set_exception(error)

    def run() -> None:
        result, error = None, None
        try:
            result = function()
        except BaseException as exc:  # handed to whoever awaits the future
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed first: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return done
