"""Serving a feed: a whole 10,000-entry feed by pages, and a poll that finds nothing new.

The node (the real app, ``AppRunner`` on a loopback port chosen by the system) runs in its
own process, so that the client's work does not share the server's interpreter; the client is
aiohttp's, with one keep-alive connection, as a following peer would use.

- **full fetch**: every page of at most 1,000 entries (and 1 MiB) in turn, each from the
  last seq received, bodies read (and, with gzip, decompressed by the client); identity and
  gzip runs alternate.
- **no-change poll**: ``GET /feeds/{did}/entries?after=HEAD`` with the ``If-None-Match`` of
  the previous answer, i.e. what a follower sends every ``poll_seconds``: bytes of the whole
  304 response on a raw socket, and the round-trip time of each poll on a warm connection.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.corpus import offer_body
from bench.server import serving
from node.home import create_home
from protocol.entries import Entry
from protocol.keys import SigningKey
from protocol.signing import sign_log


def build_feed(key: SigningKey, count: int, seed: int = 1) -> list[Entry]:
    """One place's log: ``count`` entries, offers (one in ten an update of an earlier one),
    the last one a deletion."""
    rng = random.Random(seed)
    records = [
        (
            "offer",
            f"offre-{rng.randrange(count) if i % 10 == 9 else i}",
            None if i == count - 1 else offer_body(rng, i),
        )
        for i in range(count)
    ]
    entries = sign_log(key, records, ts="2026-11-27T08:00:00Z")
    return entries


async def _fetch_all(session: aiohttp.ClientSession, url: str, gzip: bool) -> tuple[float, int]:
    """Seconds to fetch every page, and the body bytes that crossed the wire."""
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    after, wire = 0, 0
    start = time.perf_counter()
    while True:
        async with session.get(url, params={"after": after, "limit": 1000}, headers=headers) as r:
            body = await r.read()
            assert r.status == 200 and (r.headers.get("Content-Encoding") == "gzip") == (
                gzip and bool(body)
            )
            wire += r.content.total_raw_bytes  # a page over 128 KiB streams: no Content-Length
        if not body:
            return time.perf_counter() - start, wire
        after += body.count(b"\n")


async def _raw_304(port: int, path: str, tag: str) -> tuple[int, int]:
    """Bytes of a typical conditional request and of the whole response, on a raw socket."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip, deflate\r\n"
        f"If-None-Match: {tag}\r\nConnection: close\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    response = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    await writer.wait_closed()
    assert response.startswith(b"HTTP/1.1 304 "), response[:80]
    return len(request), len(response)


async def _measure(port: int, did: str, count: int, rounds: int, polls: int) -> dict:
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/feeds/{did}/entries"
    async with aiohttp.ClientSession() as session:
        await _fetch_all(session, url, gzip=False)  # warm up (SQLite cache, code paths)
        plain, zipped = [], []
        for i in range(rounds):
            for gzip in (i % 2 == 0, i % 2 == 1):
                (zipped if gzip else plain).append(await _fetch_all(session, url, gzip))

        poll_url = f"{url}?after={count}"
        async with session.get(poll_url) as r:
            tag = r.headers["ETag"]
        request_bytes, response_bytes = await _raw_304(port, poll_url[len(base) :], tag)
        times = []
        for _ in range(polls):
            start = time.perf_counter()
            async with session.get(poll_url, headers={"If-None-Match": tag}) as r:
                await r.read()
                assert r.status == 304
            times.append(time.perf_counter() - start)
    full_bytes = plain[0][1]

    def rates(runs: list[tuple[float, int]]) -> dict:
        seconds = statistics.median(t for t, _ in runs)
        return {
            "seconds": round(seconds, 3),
            "entries_per_s": round(count / seconds),
            "mb_per_s": round(full_bytes / seconds / 1e6, 1),  # uncompressed MB delivered
            "wire_mb": round(runs[0][1] / 1e6, 2),
        }

    times.sort()
    return {
        "entries": count,
        "feed_mb": round(full_bytes / 1e6, 2),
        "rounds": rounds,
        "identity": rates(plain),
        "gzip": rates(zipped),
        "poll_request_bytes": request_bytes,
        "poll_response_bytes": response_bytes,
        "polls": polls,
        "poll_ms_median": round(statistics.median(times) * 1000, 3),
        "poll_ms_p90": round(times[int(len(times) * 0.9)] * 1000, 3),
    }


def run(count: int = 10_000, rounds: int = 5, polls: int = 500) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        with create_home(home, name="Banc d'essai") as node:
            did = node.key.did
            entries = build_feed(node.key, count)
            for lo in range(0, count, 1000):
                node.store.append(entries[lo : lo + 1000])
        with serving(home) as port:
            return asyncio.run(_measure(port, did, count, rounds, polls))


def report(result: dict) -> str:
    def line(name: str, r: dict) -> str:
        return (
            f"  full fetch, {name:<8} {r['seconds']:>7.3f} s  {r['entries_per_s']:>7} entries/s  "
            f"{r['mb_per_s']:>6.1f} MB/s  ({r['wire_mb']} MB on the wire)"
        )

    return "\n".join(
        [
            f"serve: one feed of {result['entries']} entries ({result['feed_mb']} MB), pages "
            f"of 1000, median of {result['rounds']} runs each",
            line("identity", result["identity"]),
            line("gzip", result["gzip"]),
            f"  no-change poll: request {result['poll_request_bytes']} B, 304 response "
            f"{result['poll_response_bytes']} B (goal ≤ 500)",
            f"  no-change poll time: median {result['poll_ms_median']} ms, "
            f"p90 {result['poll_ms_p90']} ms over {result['polls']} polls (keep-alive)",
        ]
    )
