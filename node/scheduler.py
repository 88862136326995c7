"""The node's periodic jobs, run by apscheduler's AsyncIOScheduler.

Each job is a plain ``async def run_once()`` of some component; the scheduler only calls it
(tests call it directly). Modules add their jobs with :func:`add_job` from their
``setup(app)``; the scheduler starts with the application and stops with it.

apscheduler's own loggers are kept at WARNING (:func:`quiet_apscheduler`): at INFO they
write two lines for every run of every job, four a second for the 0.5 s catch-up, and an
idle node must write nothing. A job's failure is logged here, under ``maillage.scheduler``;
apscheduler's warnings (a run missed) still show, but not that a run was skipped because the
previous one still runs: each job has one run at a time by design, and the 0.5 s catch-up of
a node copying 100,000 entries from a peer would say so twice a second for a minute.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("maillage.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    run_once: Callable[[], Awaitable[object]]
    seconds: float
    jitter: float = 0.0


JOBS = web.AppKey("jobs", list)
SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)
RUNNING = web.AppKey("running_jobs", set)
#: Seconds a stopping node gives the job rounds in flight before cancelling them.
JOB_STOP_SECONDS = 2.0
#: The loggers apscheduler writes to (each job run: « Running job… », « …executed
#: successfully »; start and stop: « Adding job… », « Scheduler started »).
APSCHEDULER_LOGGERS = ("apscheduler.scheduler", "apscheduler.executors", "apscheduler.jobstores")


def setup(app: web.Application) -> None:
    quiet_apscheduler()
    app[JOBS] = []
    app.cleanup_ctx.append(_running)


def quiet_apscheduler() -> None:
    """apscheduler's loggers at WARNING, whatever the node's log level: set on these child
    loggers, it holds even when ``apscheduler`` itself is set lower. Done when an app is
    built, so that ``maillage serve`` (whose logging is configured before) and the apps of
    the tests alike are quiet."""
    for name in APSCHEDULER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _NotTheRunStillGoing) for f in scheduler_log.filters):
        scheduler_log.addFilter(_NotTheRunStillGoing())


class _NotTheRunStillGoing(logging.Filter):
    """Drops apscheduler's « skipped: maximum number of running instances reached »."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


def add_job(app: web.Application, job: Job) -> None:
    """Run ``job.run_once`` every ``job.seconds`` (± jitter) while the app runs."""
    app[JOBS].append(job)


async def _running(app: web.Application) -> AsyncIterator[None]:
    scheduler = AsyncIOScheduler()
    running: set[asyncio.Task[None]] = set()
    app[RUNNING] = running
    for job in app[JOBS]:
        scheduler.add_job(
            _logged(job, running),
            "interval",
            seconds=job.seconds,
            jitter=job.jitter or None,
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    scheduler.start()
    app[SCHEDULER] = scheduler
    try:
        yield
    finally:
        await _stopped(scheduler, running)


async def _stopped(scheduler: AsyncIOScheduler, running: set[asyncio.Task[None]]) -> None:
    """Stop submitting rounds, let those in flight finish (the store closes after this) or
    cancel them, and only then shut apscheduler down.

    The order matters: apscheduler's ``shutdown`` is itself queued on the loop, and its
    executor then cancels every round it holds, one it submitted an instant before included,
    before that round has run a step. Such a round never reaches :func:`_logged`, and
    apscheduler logs it as « Error running job » with a traceback.
    """
    scheduler.pause()  # a wake-up already queued submits nothing more
    await asyncio.sleep(0)  # a round just submitted starts and registers itself in ``running``
    if running:
        _, late = await asyncio.wait(set(running), timeout=JOB_STOP_SECONDS)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)  # its queued shutdown runs now, with nothing left to cancel


def _logged(job: Job, running: set[asyncio.Task[None]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        try:
            await job.run_once()
        except Exception:  # one failed round must not stop the next ones
            log.exception("job %s failed", job.name)
        except asyncio.CancelledError:  # the node is stopping: not an error of the job
            log.debug("job %s interrupted: the node is stopping", job.name)
        finally:
            running.discard(task)

    run.__name__ = job.name
    return run
