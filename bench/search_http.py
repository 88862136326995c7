"""The serving half of ``bench search``: a subprocess holding the index behind a real aiohttp
app on loopback (``/api/search``), timed through HTTP, then asked for its peak RSS (VmHWM)."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

SERVER = """
import asyncio, sys
from pathlib import Path
from aiohttp import web
from node.appkeys import SEARCH, SETTINGS
from node.settings import Settings
from node.web import admission, search_api as api
from search.index import SearchIndex

async def main():
    app = web.Application()
    app[SETTINGS] = Settings(home=Path(sys.argv[1]).parent)
    admission.setup(app)  # the search threads, as a serving node runs searches
    app.router.add_get("/api/search", api.handle_search)  # not cached: every search runs
    app[SEARCH] = SearchIndex(Path(sys.argv[1]))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.to_thread(sys.stdin.read)  # serve until the parent closes stdin
    await runner.cleanup()
    status = Path("/proc/self/status").read_text()
    print(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM")))

asyncio.run(main())
"""


def query_string(query: dict) -> str:
    params = {"q": query["q"]}
    if "department" in query:
        params["department"] = query["department"]
    if "near" in query:
        params["near"] = f"{query['near'][0]:.5f},{query['near'][1]:.5f}"
        params["radius_km"] = f"{query['radius_km']:g}"
    return "/api/search?" + urlencode(params)


def time_http(conn: http.client.HTTPConnection, queries: list[dict], rounds: int) -> list[float]:
    """Latencies (ms) of ``queries`` through ``/api/search``, each 200 or an error."""
    urls = [query_string(q) for q in queries]
    times = []
    for _ in range(rounds):
        for url in urls:
            start = time.perf_counter()
            conn.request("GET", url)
            response = conn.getresponse()
            response.read()
            times.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
    return times


def serve_and_time(path: Path, queries: list[dict], rounds: int) -> tuple[list[float], float]:
    """Latencies (ms) of ``queries`` through HTTP after one warm-up pass, and the server's
    peak RSS (MB)."""
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        port = int(child.stdout.readline())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        time_http(conn, queries, 1)  # warm-up, as the in-process runs have (a node is warm)
        times = time_http(conn, queries, rounds)
        conn.close()
        child.stdin.close()
        rss_kb = int(child.stdout.readline())
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        child.__exit__(None, None, None)  # its pipes closed, the process waited for
    return times, round(rss_kb / 1024, 1)
