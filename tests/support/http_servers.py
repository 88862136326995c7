"""Builders shared by the HTTP tests: a served node, a signed log, raw socket requests."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from node.app import create_app
from node.home import Node
from node.settings import Settings
from protocol.entries import Entry
from protocol.signing import sign_entry
from tests.support.samples import OFFER, TS

NAME = "Fablab des Tests"


async def serve(settings: Settings) -> TestClient:
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


async def serve_on_loopback(app: web.Application, **runner_options) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on 127.0.0.1, a free port: its runner (to clean up) and its URL."""
    runner = web.AppRunner(app, access_log=None, **runner_options)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def signed_log(node: Node, puts: int) -> list[Entry]:
    """``puts`` offer puts over 40 rids, then the deletion of ``offre-1``."""
    entries: list[Entry] = []
    for i in range(puts + 1):
        put = i < puts
        entries.append(
            sign_entry(
                node.key,
                seq=i + 1,
                prev=entries[-1].id if entries else None,
                col="offer",
                rid=f"offre-{i % 40}" if put else "offre-1",
                op="put" if put else "del",
                body={**OFFER, "title": f"Offre numéro {i}"} if put else None,
                ts=TS,
            )
        )
    result = node.store.append(entries)
    assert len(result.stored) == len(entries)
    return entries


async def raw_request(client: TestClient, data: bytes, *, until_eof: bool = True) -> bytes:
    """Send ``data`` on a fresh socket; return every byte until the server closes it, or
    (``until_eof=False``) the response's headers and its Content-Length bytes of body."""
    server = client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(data)
        await writer.drain()
        if until_eof:
            return await asyncio.wait_for(reader.read(), timeout=10)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        length = re.search(rb"(?im)^content-length: *([0-9]+)\r$", head)
        body = await asyncio.wait_for(reader.readexactly(int(length[1])), timeout=10)
        return head + body
    finally:
        writer.close()
        await writer.wait_closed()


async def assert_error(response, status: int, code: str) -> dict:
    assert response.status == status
    assert response.content_type == "application/json"
    data = await response.json()
    assert set(data) == {"error", "message"}
    assert data["error"] == code
    assert data["message"] and "Traceback" not in data["message"]
    return data


def entries_url(did: str) -> str:
    return f"/feeds/{did}/entries"
