"""The scheduler's stop: a round in flight gets its grace, and a round apscheduler had just
submitted when the node stopped is neither cancelled unstarted nor logged as an error."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from aiohttp import web

from node import scheduler


async def _run_app(app: web.Application) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    return runner


async def _settled() -> None:
    """The loop's other tasks done, and their done callbacks run: apscheduler logs a round's
    failure in such a callback, after the cleanup has returned."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        await asyncio.wait(others, timeout=10)
    await asyncio.sleep(0)


def _falls_due(app: web.Application) -> None:
    """The job falls due right before the stop: apscheduler's wake-up is queued on the loop,
    and would submit a round that starts only in a later turn (the CI log's case)."""
    app[scheduler.SCHEDULER].modify_job("tick", next_run_time=datetime.now(UTC))


def _submitted(app: web.Application) -> None:
    """apscheduler has just submitted a round, whose task has not run a step yet."""
    jobs = app[scheduler.SCHEDULER]
    jobs._lookup_executor("default").submit_job(jobs.get_job("tick"), [datetime.now(UTC)])


@pytest.mark.parametrize("moment", [_falls_due, _submitted], ids=["falls-due", "submitted"])
async def test_a_round_due_as_the_node_stops_is_no_error(
    caplog: pytest.LogCaptureFixture, moment: Callable[[web.Application], None]
) -> None:
    """Before, apscheduler's shutdown (queued on the loop) cancelled such a round before it
    started, and apscheduler logged « Error running job » with a traceback: the log of a
    stopping ``maillage serve`` in CI. A round either runs whole or is never started."""
    caplog.set_level(logging.DEBUG, logger="apscheduler")
    rounds = 0

    async def run_once() -> None:
        nonlocal rounds
        rounds += 1

    async def at_the_stop(app: web.Application) -> AsyncIterator[None]:
        yield
        moment(app)

    app = web.Application()
    scheduler.setup(app)
    scheduler.add_job(app, scheduler.Job("tick", run_once, 3600))
    app.cleanup_ctx.append(at_the_stop)  # cleaned up just before the scheduler
    runner = await _run_app(app)
    await runner.cleanup()
    await _settled()
    assert rounds == (1 if moment is _submitted else 0)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def test_a_round_in_flight_finishes_within_the_grace() -> None:
    """The node's stop lets a round in flight end (the store closes after it), rather than
    cancelling it at once."""
    started = asyncio.Event()
    finished: list[bool] = []

    async def run_once() -> None:
        started.set()
        await asyncio.sleep(0.05)  # a round's work: well within JOB_STOP_SECONDS
        finished.append(True)

    app = web.Application()
    scheduler.setup(app)
    scheduler.add_job(app, scheduler.Job("slow", run_once, 0.001))
    runner = await _run_app(app)
    await asyncio.wait_for(started.wait(), timeout=10)
    await runner.cleanup()
    assert finished == [True]


async def test_a_run_skipped_while_the_last_one_goes_on_is_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A job longer than its interval (the catch-up while a node fills up) has its next runs
    skipped, by design: apscheduler's warning for each is not written."""
    caplog.set_level(logging.WARNING)
    runs: list[int] = []
    release = asyncio.Event()

    async def run_once() -> None:
        runs.append(1)
        await release.wait()

    app = web.Application()
    scheduler.setup(app)
    scheduler.add_job(app, scheduler.Job("long", run_once, 0.01))
    runner = await _run_app(app)
    deadline = asyncio.get_running_loop().time() + 10
    while not runs and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    for _ in range(20):  # about 20 intervals while the first run goes on
        await asyncio.sleep(0.01)
    release.set()
    await runner.cleanup()
    assert runs
    assert not [r for r in caplog.records if r.name.startswith("apscheduler")]
