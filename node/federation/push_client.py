"""The HTTP client calls of push: bounded reads, subscription requests, a node's did."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from node.appkeys import SETTINGS

#: The HTTP client of push (deliveries, intent checks, subscription requests).
PUSH_SESSION = web.AppKey("push_session", aiohttp.ClientSession)
#: The clock of push leases (a test moves it forward).
now = time.time


async def read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body of ``response``; ValueError beyond ``limit`` bytes."""
    data = bytearray()
    async for chunk in response.content.iter_any():
        data += chunk
        if len(data) > limit:
            raise ValueError(f"réponse de plus de {limit} octets")
    return bytes(data)


async def post_json(app: web.Application, url: str, request: dict[str, Any]) -> str | None:
    """None once the inbox accepted the request, else why not (French)."""
    timeout = aiohttp.ClientTimeout(total=app[SETTINGS].push_timeout_seconds)
    try:
        async with app[PUSH_SESSION].post(
            url,
            data=orjson.dumps(request),
            headers={"Content-Type": "application/json"},
            allow_redirects=False,
            timeout=timeout,
        ) as response:
            await response.content.read(64 * 1024)
            if response.status != 202:
                return f"demande refusée (HTTP {response.status})"
    except (aiohttp.ClientError, TimeoutError) as exc:
        return f"injoignable ({type(exc).__name__})"
    return None


async def did_of(app: web.Application, url: str) -> str | None:
    """The did a node announces at ``/.well-known/maillage``, or None."""
    timeout = aiohttp.ClientTimeout(total=app[SETTINGS].push_timeout_seconds)
    try:
        async with app[PUSH_SESSION].get(
            f"{url}/.well-known/maillage", allow_redirects=False, timeout=timeout
        ) as response:
            data = orjson.loads(await response.content.read(64 * 1024))
    except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError):
        return None
    did = data.get("did") if isinstance(data, dict) else None
    return did if isinstance(did, str) else None


#: A line waiting to be pushed, with the feed (author) it belongs to.
Pending = tuple[str, bytes]


def take_batch(lines: deque[Pending], limit: int) -> bytes:
    """The next batch: lines from the front, at least one, at most limit in all."""
    batch = [lines.popleft()[1]]
    size = len(batch[0]) + 1
    while lines and size + len(lines[0][1]) + 1 <= limit:
        size += len(lines[0][1]) + 1
        batch.append(lines.popleft()[1])
    return b"\n".join(batch) + b"\n"
