"""``python -m bench.crawl``: what readers and crawlers cost (node/web/conditional.py,
node/web/crawlers.py).

- for each kind of public answer of a node holding 2,000 offers of 100 places: bytes as
  they are, gzipped (level 1, as served) and at zlib's default level 6, the time to
  compress each, and the time of a 200 against a 304 (If-None-Match), side by side;
- the sitemaps of a store of 100,000 records: the index (one pass) and the last page.
"""

from __future__ import annotations

import asyncio
import gzip
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bench.corpus import make_feeds
from node.app import create_app
from node.home import create_home

TS = "2026-11-27T08:00:00Z"


def _paths(did: str) -> dict[str, str]:
    return {
        "search page": "/?q=atelier",
        "search Atom": "/search.atom?q=atelier",
        "/api/search": "/api/search?q=atelier",
        "place page": f"/lieux/{did}",
        "place Atom": f"/lieux/{did}.atom",
        "offer page": f"/lieux/{did}/offer/offre-1",
        "sitemap page": "/sitemap-offres-1.xml",
        "style sheet": "/static/maillage.css",
    }


def _compress_ms(body: bytes, level: int, rounds: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        gzip.compress(body, compresslevel=level, mtime=0)
    return (time.perf_counter() - start) * 1000 / rounds


async def _answers(home: Path, did: str, rounds: int) -> dict[str, dict]:
    from node.settings import Settings

    client = TestClient(TestServer(create_app(Settings.load(home))))
    await client.start_server()
    out: dict[str, dict] = {}
    try:
        for name, path in _paths(did).items():
            plain = await client.get(path, headers={"Accept-Encoding": "identity"})
            body = await plain.read()
            tag = plain.headers["ETag"]
            full, revalidated = [], []
            for _ in range(rounds):  # interleaved: the machine's load hits both alike
                start = time.perf_counter()
                await (await client.get(path, headers={"Accept-Encoding": "gzip"})).read()
                full.append(time.perf_counter() - start)
                start = time.perf_counter()
                answer = await client.get(
                    path, headers={"Accept-Encoding": "identity", "If-None-Match": tag}
                )
                await answer.read()
                revalidated.append(time.perf_counter() - start)
                assert answer.status == 304, (path, answer.status)
            out[name] = {
                "bytes": len(body),
                "gzip1_bytes": len(gzip.compress(body, compresslevel=1, mtime=0)),
                "gzip6_bytes": len(gzip.compress(body, compresslevel=6, mtime=0)),
                "gzip1_ms": round(_compress_ms(body, 1), 3),
                "gzip6_ms": round(_compress_ms(body, 6), 3),
                "ms_200_gzip": round(statistics.median(full) * 1000, 2),
                "ms_304": round(statistics.median(revalidated) * 1000, 2),
            }
    finally:
        await client.close()
    return out


def _sitemaps_100k(tmp: Path) -> dict:
    with create_home(tmp / "big", name="Gros réseau") as node:
        conn = sqlite3.connect(node.settings.store_path)
        author = "did:key:z6MkBancDessaiBancDessaiBancDessaiBancDessaiBanc"
        with conn:
            conn.executemany(
                "INSERT INTO entries (author, seq, id, col, rid, op, line, received_at) "
                "VALUES (?, ?, ?, 'offer', ?, 'put', x'7b7d', ?)",
                ((author, n + 1, f"id-{n}", f"offre-{n:06d}", TS) for n in range(100_000)),
            )
            conn.executemany(
                "INSERT INTO records (author, col, rid, seq, entry_id, body) "
                "VALUES (?, 'offer', ?, ?, ?, '{}')",
                ((author, f"offre-{n:06d}", n + 1, f"id-{n}") for n in range(100_000)),
            )
            conn.execute(
                "INSERT INTO feeds (author, first_seq, seq, head, updated_at) "
                "VALUES (?, 1, 100000, 'id-99999', ?)",
                (author, TS),
            )
        conn.close()
        start = time.perf_counter()
        pages = node.store.record_pages("offer", 10_000)
        index_s = time.perf_counter() - start
        start = time.perf_counter()
        last = node.store.record_dates("offer", 90_000, 10_000)
        page_s = time.perf_counter() - start
        return {
            "pages": len(pages),
            "last_page_urls": len(last),
            "index_ms": round(index_s * 1000),
            "last_page_ms": round(page_s * 1000),
        }


def run(quick: bool = False, rounds: int = 30) -> dict:
    rounds = 5 if quick else rounds
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        with create_home(home, name="Banc d'essai") as node:
            node.store.append_own(node.key, col="profile", rid="profile", body={"name": "Banc"})
            for i in range(20):
                body = {"title": f"Atelier {i}", "description": "Atelier partagé. " * 20}
                node.store.append_own(node.key, col="offer", rid=f"offre-{i}", body=body)
            node.store.append(make_feeds(100, 20))
            did = node.key.did
        answers = asyncio.run(_answers(home, did, rounds))
        return {"rounds": rounds, "answers": answers, "sitemaps_100k": _sitemaps_100k(Path(tmp))}


def report(result: dict) -> str:
    lines = [
        "## What readers and crawlers cost (`python -m bench crawl`)",
        "For each kind of public answer of a node holding 2,000 offers of 100 places (the real "
        "app in process, aiohttp's test client on loopback): its bytes as they are, gzipped at "
        "level 1 (as served) and at zlib's default level 6, the time to compress each, and the "
        "time of a 200 in gzip against a 304 (`If-None-Match`), medians of "
        f"{result['rounds']} interleaved requests. Then the sitemaps of a store of 100,000 "
        "records.",
        "| answer | bytes | gzip 1 | gzip 6 | gzip 1 ms | gzip 6 ms | 200 gzip ms | 304 ms |\n"
        "|---|---|---|---|---|---|---|---|\n"
        + "\n".join(
            f"| {name} | {r['bytes']:,} | {r['gzip1_bytes']:,} | {r['gzip6_bytes']:,} | "
            f"{r['gzip1_ms']:.2f} | {r['gzip6_ms']:.2f} | {r['ms_200_gzip']:.2f} | "
            f"{r['ms_304']:.2f} |"
            for name, r in result["answers"].items()
        ),
    ]
    s = result["sitemaps_100k"]
    lines.append(
        f"Sitemaps of 100,000 records: the index ({s['pages']} files) {s['index_ms']} ms, the "
        f"last page ({s['last_page_urls']:,} URLs) {s['last_page_ms']} ms (store reads)."
    )
    return "\n\n".join(lines) + "\n"


def goals(result: dict) -> list[tuple]:
    return []


if __name__ == "__main__":
    print(report(run(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 30)))
