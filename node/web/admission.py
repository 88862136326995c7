"""Admission of the search and page work: a few renders at a time, the rest shed at once.

Searches and pages are the work a crowd brings (a newspaper links to a search); the
inbox, the feeds (``/feeds…``), the index writer and the replicator are not behind this
gate, so that a crowd on the search page never delays federation. :class:`Admission` lets
``search_concurrency`` renders run at once; the next ones wait in line, but only while their
expected wait (the line's length × the recent time of a render ÷ the renders at once) stays
under ``search_queue_seconds``: past it, or after waiting that long, a request is answered
503 with ``Retry-After`` at once (``busy``, the French page or JSON of the one error
handler) rather than left to queue for ten seconds.

Its work runs on an executor of its own (``search_concurrency`` threads), not on asyncio's
default pool that the index writer's listener and the store reads of federation share.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiohttp import web

from node.api_errors import ApiError
from node.appkeys import SETTINGS

T = TypeVar("T")
#: Weight of the last render in the running mean of a render's time.
SMOOTHING = 0.2
#: Seconds a render is assumed to take before any was timed.
FIRST_GUESS_S = 0.02


def busy(retry_after: int) -> ApiError:
    return ApiError(
        503,
        "busy",
        "Ce nœud répond déjà à autant de recherches qu'il le peut : réessayez dans "
        f"{retry_after} seconde{'s' if retry_after > 1 else ''}.",
        {"Retry-After": str(retry_after)},
    )


class Admission:
    """``running`` renders at once; a line no longer than ``max_wait`` seconds of work.

    The slots are handed over by :meth:`_release` to the first waiter still waiting (its
    own future, resolved once): a waiter whose time ran out or that was cancelled never
    holds a slot, and no slot is lost (``asyncio.wait_for`` around a semaphore can lose
    one on Python 3.11 when the timeout and the hand-over meet).
    """

    def __init__(self, running: int, max_wait: float) -> None:
        self.running = running
        self.max_wait = max_wait
        self.free = running
        self._waiters: deque[asyncio.Future[None]] = deque()
        #: Renders again of an answer that is kept, older (the crowd is served it meanwhile):
        #: they wait behind the renders nobody has any answer for.
        self._later: deque[asyncio.Future[None]] = deque()
        self.busy = 0  # requests shed so far
        self.render_s = FIRST_GUESS_S
        self.executor = ThreadPoolExecutor(running, thread_name_prefix="maillage-search")

    @property
    def waiting(self) -> int:
        return self._count(self._waiters) + self._count(self._later)

    @staticmethod
    def _count(line: deque[asyncio.Future[None]]) -> int:
        return sum(1 for f in line if not f.done())

    def expected_wait(self, later: bool = False) -> float:
        """Seconds the next request would wait for a slot, from the recent renders (a
        request of the first line waits only behind that line)."""
        if self.free > 0:
            return 0.0
        ahead = self.waiting if later else self._count(self._waiters)
        return (ahead + 1) * self.render_s / self.running

    def _shed(self) -> ApiError:
        self.busy += 1
        return busy(max(1, min(30, math.ceil(self.expected_wait() + self.render_s))))

    async def _acquire(self, later: bool) -> None:
        if self.free > 0:
            self.free -= 1
            return
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        (self._later if later else self._waiters).append(turn)
        late = loop.call_later(self.max_wait, _expire, turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self._release()  # handed over just as it was cancelled: pass it on
            raise
        except TimeoutError:
            raise self._shed() from None
        finally:
            late.cancel()

    def _release(self) -> None:
        for line in (self._waiters, self._later):
            while line:
                turn = line.popleft()
                if not turn.done():
                    turn.set_result(None)  # the slot goes to it directly
                    return
        self.free += 1

    @contextlib.asynccontextmanager
    async def slot(self, *, later: bool = False) -> AsyncIterator[None]:
        """Hold one of the ``running`` slots, or raise the 503 ``busy``. ``later``: a
        render again of an answer kept, which waits behind the others."""
        if self.expected_wait(later) > self.max_wait:
            raise self._shed()
        await self._acquire(later)
        start = time.monotonic()
        try:
            yield
        finally:
            self._release()
            elapsed = time.monotonic() - start
            self.render_s += SMOOTHING * (elapsed - self.render_s)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the search threads."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _expire(turn: asyncio.Future[None]) -> None:
    if not turn.done():
        turn.set_exception(TimeoutError())


ADMISSION = web.AppKey("admission", Admission)


async def _admission(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[ADMISSION] = admission = Admission(
        settings.search_concurrency, settings.search_queue_seconds
    )
    try:
        yield
    finally:
        admission.close()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_admission)


async def run_search(request: web.Request, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on the search threads of ``request``'s app."""
    return await request.app[ADMISSION].run(function, *args)
