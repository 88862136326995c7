"""What the mute and blocklist tests share: places with a profile and an offer, and reading
a node's public answers over HTTP (loopback only)."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.support.live_nodes import LiveNode
from tests.support.samples import OFFER

TIMEOUT = aiohttp.ClientTimeout(total=10)


def profile(name: str) -> dict[str, Any]:
    return {"name": name, "department": "24", "geo": {"lat": "45.1846", "lon": "0.7214"}}


async def place(node: LiveNode, word: str) -> None:
    """``node`` publishes its profile and one offer whose title holds ``word``."""
    await node.put("profile", profile(f"Lieu {word}"), col="profile")
    await node.put(f"offre-{word}", {**OFFER, "title": f"Atelier {word}"})


async def get(node: LiveNode, path: str) -> tuple[int, Any]:
    """The status and body (JSON when it is, else text) of ``GET path`` on ``node``."""
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.get(node.url + path) as response,
    ):
        if response.content_type.endswith("json"):
            return response.status, await response.json(content_type=None)
        return response.status, await response.text()


async def found(node: LiveNode, word: str) -> int:
    """How many hits ``node``'s search API gives for ``word``."""
    status, body = await get(node, f"/api/search?q={word}")
    return body["total"] if status == 200 else -1
