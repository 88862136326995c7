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

from bench import sections
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


async def _measure(port: int, did: str, count: int, rounds: int, polls: int) -> list[dict]:
    """``rounds`` runs, each: a full fetch in identity and in gzip (in alternating order),
    the bytes of a no-change poll, and ``polls`` polls timed on the warm connection."""
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/feeds/{did}/entries"
    poll_url = f"{url}?after={count}"
    runs = []
    async with aiohttp.ClientSession() as session:
        full_bytes = (await _fetch_all(session, url, gzip=False))[1]  # warm up
        async with session.get(poll_url) as r:
            tag = r.headers["ETag"]
        for i in range(rounds):
            fetched = {}
            for gzip in (i % 2 == 0, i % 2 == 1):
                fetched[gzip] = await _fetch_all(session, url, gzip)
            request_bytes, response_bytes = await _raw_304(port, poll_url[len(base) :], tag)
            times = []
            for _ in range(polls):
                start = time.perf_counter()
                async with session.get(poll_url, headers={"If-None-Match": tag}) as r:
                    await r.read()
                    assert r.status == 304
                times.append(time.perf_counter() - start)
            plain_s, zipped_s = fetched[False][0], fetched[True][0]
            runs.append(
                {
                    "identity_s": round(plain_s, 3),
                    "identity_entries_per_s": round(count / plain_s),
                    "identity_mb_per_s": round(full_bytes / plain_s / 1e6, 1),
                    "gzip_s": round(zipped_s, 3),
                    "gzip_entries_per_s": round(count / zipped_s),
                    "gzip_wire_mb": round(fetched[True][1] / 1e6, 2),
                    "identity_wire_mb": round(fetched[False][1] / 1e6, 2),
                    "poll_request_bytes": request_bytes,
                    "poll_response_bytes": response_bytes,
                    "poll_total_bytes": request_bytes + response_bytes,
                    "poll_ms_median": round(statistics.median(times) * 1000, 3),
                    "poll_ms_p90": round(sections.quantile(times, 0.9) * 1000, 3),
                }
            )
    return runs, full_bytes


FIGURES = (
    sections.Figure("identity_s", "full fetch, identity", "s", 3),
    sections.Figure("identity_entries_per_s", "full fetch, identity, entries/s", "/s", 0),
    sections.Figure("identity_mb_per_s", "full fetch, identity, MB/s (uncompressed)", "MB/s", 1),
    sections.Figure("gzip_s", "full fetch, gzip", "s", 3),
    sections.Figure("gzip_entries_per_s", "full fetch, gzip, entries/s", "/s", 0),
    sections.Figure("identity_wire_mb", "on the wire, identity", "MB", 2),
    sections.Figure("gzip_wire_mb", "on the wire, gzip", "MB", 2),
    sections.Figure("poll_request_bytes", "no-change poll: request", "B", 0),
    sections.Figure("poll_response_bytes", "no-change poll: whole 304 response", "B", 0, "≤ 500"),
    sections.Figure("poll_total_bytes", "no-change poll: request and response", "B", 0),
    sections.Figure("poll_ms_median", "no-change poll round trip, median", "ms", 3),
    sections.Figure("poll_ms_p90", "no-change poll round trip, p90", "ms", 3),
)


def run(quick: bool = False, count: int = 10_000, rounds: int = 5, polls: int = 500) -> dict:
    if quick:
        count, rounds, polls = 2_000, 1, 100
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        with create_home(home, name="Banc d'essai") as node:
            did = node.key.did
            entries = build_feed(node.key, count)
            for lo in range(0, count, 1000):
                node.store.append(entries[lo : lo + 1000])
        with serving(home) as port:
            runs, full_bytes = asyncio.run(_measure(port, did, count, rounds, polls))
    params = {"entries": count, "feed_mb": round(full_bytes / 1e6, 2), "polls": polls}
    return {"params": params, "runs": runs}


def report(result: dict) -> str:
    p = result["params"]
    what = (
        f"One place's feed of {p['entries']:,} signed entries (realistic French offers, one in "
        f"ten an update of an earlier one, a deletion last; {p['feed_mb']} MB of NDJSON), served "
        "by the real app (`create_app`, `AppRunner` on a loopback port) in its own process; the "
        "client is aiohttp's, on one keep-alive connection, as a following peer uses it. "
        "**Full fetch**: every page in turn (at most 1,000 entries and 1 MiB each), from the "
        "last seq received, bodies read and gunzipped; identity and gzip alternate. "
        "**No-change poll**: `GET /feeds/{did}/entries?after=HEAD` with the `If-None-Match` of "
        "the previous answer, what a follower sends every `poll_seconds`: the bytes of the "
        "request (`Accept-Encoding: gzip, deflate`, `Connection: close`) and of the whole 304 "
        f"read on a raw socket, then the round trip of {p['polls']} polls on the warm "
        "connection."
    )
    return sections.section("serve", "Serving a feed", what, result, FIGURES)


def goals(result: dict) -> list[tuple]:
    return sections.simple_goals(result, FIGURES)
