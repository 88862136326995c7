"""Waiting for a condition with a deadline: the tests' only way to wait (no fixed sleeps)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def until(
    condition: Callable[[], Any], timeout: float = 10.0, step: float = 0.02, *, what: str = ""
) -> Any:
    """Poll ``condition`` (sync or async) every ``step`` s until it is truthy; its value.

    Fails with an AssertionError naming ``what`` after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {what or condition}")
        await asyncio.sleep(step)
