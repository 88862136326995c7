"""Anonymous reads of big pages exhaust no memory (issue 11, finding 3).

A followed peer may publish entries close to the 64 KiB limit, and anyone may ask
``GET /feeds/{did}/entries?limit=1000``. A page is bounded in bytes as well as in entries
(always at least one entry; ``Link: rel="next"`` says where to go on), it is streamed from
the store in small batches, and only a few pages are sent at a time: beyond a short queue
the node answers 503 with Retry-After. Twenty such reads at once keep the node (served in a
child process, as in production) under 300 MB of resident memory.
"""

from __future__ import annotations

import asyncio
import base64
import random
import socket
import threading
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bench.server import serving_process
from node.federation import feed_routes
from node.home import create_home
from node.settings import Settings
from node.store.database import Store
from protocol.canonical import MAX_ENTRY_BYTES
from protocol.entries import Entry
from protocol.signing import sign_log
from tests.support.http_servers import assert_error, serve
from tests.support.live_nodes import LiveNode, cli
from tests.support.samples import key

PEER = key("un voisin aux grosses entrées")
ENTRIES = 1000
BODY_CHARS = 60_000
READERS = 20
PEAK_LIMIT = 300 * 1024 * 1024


def big_log(count: int, seed: int = 11) -> list[Entry]:
    """``count`` entries of ~60 KiB of incompressible text each, under the 64 KiB limit."""
    rng = random.Random(seed)
    texts = [base64.b64encode(rng.randbytes(BODY_CHARS * 3 // 4)).decode() for _ in range(8)]
    records = [("annexe", f"a{i}", {"texte": texts[i % 8], "n": i}) for i in range(count)]
    entries = sign_log(PEER, records)
    assert all(60_000 < len(e.line) <= MAX_ENTRY_BYTES for e in entries)
    return entries


def held(home: Path, entries: list[Entry]) -> None:
    store = Store(Settings.load(home).store_path)
    try:
        assert len(store.append(entries).stored) == len(entries)
    finally:
        store.close()


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak) of process ``pid``, in bytes."""
    found = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) * 1024
    return found


async def read_page(http: aiohttp.ClientSession, url: str) -> tuple[int, int, str | None]:
    """Status, bytes read (decompressed) and Link header of one page, read as it arrives;
    status 0 when the page did not come within the client's timeout."""
    try:
        async with http.get(url) as response:
            size = 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                size += len(chunk)
            return response.status, size, response.headers.get("Link")
    except (TimeoutError, aiohttp.ClientError):
        return 0, 0, None


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_twenty_big_page_reads_keep_the_node_under_300_mb(tmp_path: Path) -> None:
    home = tmp_path / "lieu"
    create_home(home, name="Lieu aux grosses pages").close()
    held(home, big_log(ENTRIES))
    with serving_process(home) as (port, pid):
        url = f"http://127.0.0.1:{port}/feeds/{PEER.did}/entries?limit={ENTRIES}"
        idle = memory(pid)
        peak = [idle["VmRSS"]]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.01):
                try:
                    peak[0] = max(peak[0], memory(pid)["VmRSS"])
                except (OSError, KeyError):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        async def burst() -> list[tuple[int, int, str | None]]:
            timeout = aiohttp.ClientTimeout(total=30)
            async with aiohttp.ClientSession(timeout=timeout) as http:
                return await asyncio.gather(*(read_page(http, url) for _ in range(READERS)))

        started = time.monotonic()
        try:
            answers = asyncio.run(burst())
        finally:
            stop.set()
            sampler.join()
        elapsed = time.monotonic() - started
        after = memory(pid)
    print(
        f"RSS idle {idle['VmRSS'] / 2**20:.0f} MiB (peak so far {idle['VmHWM'] / 2**20:.0f}), "
        f"sampled during the reads {peak[0] / 2**20:.0f} MiB, "
        f"peak {max(peak[0], after['VmHWM']) / 2**20:.0f} MiB, after "
        f"{after['VmRSS'] / 2**20:.0f} MiB, {elapsed:.1f} s, statuses "
        f"{sorted(status for status, _, _ in answers)}"
    )
    assert max(peak[0], after["VmHWM"]) < PEAK_LIMIT, (peak[0], after)
    assert all(status in (200, 503) for status, _, _ in answers), answers
    served = [(size, link) for status, size, link in answers if status == 200]
    assert served, answers
    assert all(link and 'rel="next"' in link for _, link in served)
    assert all(size <= 2**20 + MAX_ENTRY_BYTES for size, _ in served)  # a page, not the feed
    assert elapsed < 30


# -- the pages: bounded in bytes, streamed, and a client goes on to the end ----------------


def home_holding(tmp_path: Path, entries: list[Entry], **settings: object) -> Settings:
    home = tmp_path / "lieu"
    create_home(home, name="Lieu aux grosses pages").close()
    held(home, entries)
    return Settings.load(home, **settings)


async def walk(client: TestClient, did: str, bound: int, headers: dict[str, str]) -> list[bytes]:
    """Every page from the first, following ``Link: rel="next"``; each page is checked
    against its bound and its validator."""
    url: str | None = f"/feeds/{did}/entries?limit=1000"
    lines: list[bytes] = []
    while url is not None:
        response = await client.get(url, headers=headers)
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"  # streamed: CORS too
        zipped = "gzip" if headers["Accept-Encoding"] == "gzip" else None
        assert response.headers.get("Content-Encoding") == zipped
        body = await response.read()
        page = body.split(b"\n")[:-1]
        assert body.endswith(b"\n") and page
        assert len(body) <= bound or len(page) == 1
        again = await client.get(
            url, headers={**headers, "If-None-Match": response.headers["ETag"]}
        )
        assert again.status == 304
        lines.extend(page)
        link = response.headers.get("Link")
        url = link[link.index("/feeds/") : link.index(">")] if link else None
    return lines


BOUND = 4 * 64 * 1024


@pytest.mark.parametrize("coding", ["gzip", "identity"])
@pytest.mark.parametrize("bound", [64 * 1024, BOUND])
async def test_a_client_follows_byte_bounded_pages_to_the_end(
    tmp_path: Path, coding: str, bound: int
) -> None:
    entries = big_log(23)
    client = await serve(home_holding(tmp_path, entries, page_max_bytes=bound))
    try:
        if bound < BOUND:  # every line is over 60 KiB: one entry a page, never none
            response = await client.get(f"/feeds/{PEER.did}/entries?limit=1000")
            assert len((await response.read()).splitlines()) == 1
        lines = await walk(client, PEER.did, bound, {"Accept-Encoding": coding})
        assert lines == [e.line for e in entries]
        response = await client.get(f"/feeds/{PEER.did}/entries?after=23")
        assert response.status == 200 and await response.read() == b""
    finally:
        await client.close()


async def test_our_sync_copies_a_feed_of_big_entries_by_small_pages(tmp_path: Path) -> None:
    a = await LiveNode(tmp_path, "A", page_max_bytes=2 * 64 * 1024).start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        texts = big_log(12)
        for i, entry in enumerate(texts):
            assert entry.body is not None
            await a.put(f"a{i}", entry.body, col="annexe")
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        report = await b.sync()
        assert not report.failed and b.seq_of(a.did) == 12
        assert b.store.lines(a.did, 0, 100) == a.store.lines(a.did, 0, 100)
    finally:
        await b.stop()
        await a.stop()


# -- a few pages at a time: beyond a short line, 503 with Retry-After --------------------


class Gate:
    """Holds every ``Store.page_extent`` call until opened; counts the calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.open = threading.Event()
        self.calls = 0
        original = Store.page_extent

        def held_extent(store: Store, *args: object) -> list[tuple[int, int]]:
            self.calls += 1
            assert self.open.wait(10)
            return original(store, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(Store, "page_extent", held_extent)

    async def entered(self, calls: int) -> None:
        for _ in range(500):
            if self.calls >= calls:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{self.calls} page reads started, {calls} expected")


async def test_beyond_the_waiting_line_the_node_answers_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = home_holding(tmp_path, big_log(3), page_reads=1, page_reads_waiting=1)
    client = await serve(settings)
    gate = Gate(monkeypatch)
    url = f"/feeds/{PEER.did}/entries"
    try:
        first = asyncio.ensure_future(client.get(url))
        await gate.entered(1)
        second = asyncio.ensure_future(client.get(url))  # waits its turn
        await asyncio.sleep(0.2)
        assert gate.calls == 1 and not second.done()
        third = await client.get(url)
        data = await assert_error(third, 503, "busy")
        assert third.headers["Retry-After"] == str(feed_routes.BUSY_RETRY_SECONDS)
        assert "réessayez" in data["message"]
        gate.open.set()
        for pending in (first, second):
            response = await pending
            assert response.status == 200 and len((await response.read()).splitlines()) == 3
        response = await client.get(url)  # every turn was given back
        assert response.status == 200
    finally:
        gate.open.set()
        await client.close()


async def test_a_reader_too_slow_gives_its_turn_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_routes, "SEND_SECONDS", 1)
    entries = big_log(150)  # 9 MB: more than the socket buffers hold
    settings = home_holding(
        tmp_path, entries, page_reads=1, page_reads_waiting=0, page_max_bytes=64 * 1024 * 1024
    )
    client = await serve(settings)
    url = f"/feeds/{PEER.did}/entries"
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        slow.connect((client.server.host, client.server.port))
        slow.sendall(f"GET {url} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n".encode())
        await asyncio.sleep(0.3)
        busy = await client.get(url)  # the slow reader holds the one turn
        await assert_error(busy, 503, "busy")
        await asyncio.sleep(1.2)
        response = await client.get(f"{url}?after=149")
        assert response.status == 200 and await response.read() == entries[-1].line + b"\n"
    finally:
        slow.close()
        await client.close()
