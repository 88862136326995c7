"""``make demo``: a small network of real nodes on loopback, with the search page open.

Three places (a fablab in Périgueux, a shared workshop in Bordeaux, a repair café in
Nontron) each run a node in this process; the first one, on ``PORT`` (default 8080), follows
the two others and they follow it back; one replication round runs, then push keeps them in
step. When ``../shared/data/cget-tiers-lieux-2019.csv`` is beside the project, a fourth node,
a regional network, imports its 1,512 places as listings and the first node follows it, so
the search page answers over the real places. Ctrl-C stops everything. The homes live in a
temporary directory, removed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import tempfile
from pathlib import Path

from aiohttp import web

from node.app import create_app
from node.appkeys import KEY, WRITER
from node.demo.places import PLACES
from node.federation.sync import REPLICATOR
from node.home import Node, create_home
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019
from node.publishing.slugs import slugify

CENSUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "cget-tiers-lieux-2019.csv"
NETWORK = {
    "name": "Réseau régional (démo)",
    "profile": lambda: {
        "name": "Réseau régional (démo)",
        "summary": "Nœud de démonstration d'un réseau local : il publie les 1 512 tiers-lieux "
        "du recensement CGET 2019 (Mission Coworking), lieux recensés non revendiqués.",
        "status": "actif",
    },
    "records": lambda: [],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _start(
    root: Path, place: dict, port: int, started: list[tuple[web.AppRunner, web.Application]]
) -> None:
    """Create a place's node and serve it on ``port``; its runner joins ``started`` before it
    starts, so that a Ctrl-C in the middle of its start-up still cleans it up."""
    url = f"http://127.0.0.1:{port}"
    home = root / place["name"].lower().replace(" ", "-").replace("'", "")
    with create_home(home, name=place["name"], public_url=url) as node:
        node.store.append_own(node.key, col="profile", rid="profile", body=place["profile"]())
        for col, body in place["records"]():
            node.store.append_own(node.key, col=col, rid=slugify(body["title"]), body=body)
        if place is NETWORK:
            _import_census(node)
        settings = node.settings.model_copy(update={"port": port, "poll_seconds": 60})
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    started.append((runner, app))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()


def _import_census(node: Node) -> None:
    summary = import_file(node, CENSUS, CGET_2019)
    print(
        f"Recensement CGET 2019 importé par le réseau régional : {summary.published} lieux "
        f"({len(summary.skipped)} lignes ignorées).",
        flush=True,
    )


async def _follow(app: web.Application, other: web.Application, url: str) -> None:
    body = {"url": url, "name": other[KEY].did}
    await app[WRITER].append_own(app[KEY], col="follow", rid=other[KEY].did, body=body)


async def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    port = int(os.environ.get("PORT", "8080"))
    # Ctrl-C is heard from the first moment: during the start-up too, it stops everything.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    started: list[tuple[web.AppRunner, web.Application]] = []
    with tempfile.TemporaryDirectory(prefix="maillage-demo-") as tmp:
        starting = asyncio.ensure_future(_start_network(Path(tmp), port, started))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if starting.done():
                if starting.result() != 0:
                    return starting.result()
                print("Ctrl-C pour tout arrêter.", flush=True)
                await stopping
            print("\nArrêt…", flush=True)
        finally:
            for task in (starting, stopping):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for runner, _ in reversed(started):
                await runner.cleanup()
    return 0


async def _start_network(
    root: Path, port: int, started: list[tuple[web.AppRunner, web.Application]]
) -> int:
    """Start every node (each added to ``started`` as it runs), follow, copy once; 0, or 2
    when the port is taken."""
    places = [*PLACES, NETWORK] if CENSUS.is_file() else PLACES
    if places is PLACES:
        print(f"{CENSUS} absent : la démonstration tourne sur les lieux d'exemple seuls.")
    ports = [port] + [_free_port() for _ in places[1:]]
    try:
        for place, p in zip(places, ports, strict=True):
            await _start(root, place, p, started)
    except OSError as exc:
        print(f"Impossible d'ouvrir le port {port} : {exc.strerror}. Essayez PORT=8081 make demo.")
        return 2
    apps = [app for _, app in started]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    for place, other, url in zip(places[1:], apps[1:], urls[1:], strict=True):
        await _follow(apps[0], other, url)
        if place is not NETWORK:  # the network publishes; it follows no one
            await _follow(other, apps[0], urls[0])
    for app in apps:
        await app[REPLICATOR].run_once(force=True)
    await apps[0][REPLICATOR].run_once(force=True)
    print("Réseau de démonstration Maillage : trois lieux, trois nœuds qui se suivent.")
    if places is not PLACES:
        print("Le premier suit aussi un réseau régional qui publie 1 512 lieux recensés.")
    for place, url in zip(places, urls, strict=True):
        print(f"  {place['name']:28} {url}/")
    print(
        f"\nPage de recherche : {urls[0]}/   (essayez « découpe laser près de Périgueux », "
        "« couture petite série », « fablab Dordogne »)"
    )
    return 0
