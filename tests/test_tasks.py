"""node.tasks.in_own_thread: work that lasts as long as the node holds no executor worker."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from node.tasks import in_own_thread


async def test_a_long_task_on_its_own_thread_leaves_the_executor_free() -> None:
    release = threading.Event()
    workers = min(32, (os.cpu_count() or 1) + 4)
    long = [in_own_thread(release.wait, f"long-{i}") for i in range(workers + 2)]
    # every executor worker is still free: to_thread answers while the long ones wait
    assert await asyncio.wait_for(asyncio.to_thread(lambda: 42), 5) == 42
    release.set()
    assert await asyncio.wait_for(asyncio.gather(*long), 5) == [True] * len(long)


async def test_its_result_and_its_error_reach_the_awaiting_task() -> None:
    assert await in_own_thread(lambda: "fait", "ok") == "fait"

    def fail() -> None:
        raise ValueError("index illisible")

    with pytest.raises(ValueError, match="index illisible"):
        await in_own_thread(fail, "failing")
