"""``make demo``: a small network of real nodes on loopback, with the search page open.

Three places (a fablab in Périgueux, a shared workshop in Bordeaux, a repair café in
Nontron) each run a node in this process; the first one, on ``PORT`` (default 8080), follows
the two others and they follow it back; one replication round runs, then push keeps them in
step. Ctrl-C stops everything. The homes live in a temporary directory, removed at the end.
(Importing the 1,512 places of the 2019 census is the next step of the demo.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import tempfile
from pathlib import Path

from aiohttp import web

from node.app import create_app
from node.appkeys import KEY, REPLICATOR, WRITER
from node.demo_data.places import PLACES
from node.home import create_home
from node.slugs import slugify


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _start(root: Path, place: dict, port: int) -> tuple[web.AppRunner, web.Application]:
    url = f"http://127.0.0.1:{port}"
    home = root / place["name"].lower().replace(" ", "-").replace("'", "")
    with create_home(home, name=place["name"], public_url=url) as node:
        node.store.append_own(node.key, col="profile", rid="profile", body=place["profile"]())
        for col, body in place["records"]():
            node.store.append_own(node.key, col=col, rid=slugify(body["title"]), body=body)
        settings = node.settings.model_copy(update={"port": port, "poll_seconds": 60})
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, app


async def _follow(app: web.Application, other: web.Application, url: str) -> None:
    body = {"url": url, "name": other[KEY].did}
    await app[WRITER].append_own(app[KEY], col="follow", rid=other[KEY].did, body=body)


async def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    port = int(os.environ.get("PORT", "8080"))
    with tempfile.TemporaryDirectory(prefix="maillage-demo-") as tmp:
        root = Path(tmp)
        ports = [port, _free_port(), _free_port()]
        try:
            started = [await _start(root, place, p) for place, p in zip(PLACES, ports, strict=True)]
        except OSError as exc:
            print(
                f"Impossible d'ouvrir le port {port} : {exc.strerror}. Essayez PORT=8081 make demo."
            )
            return 2
        apps = [app for _, app in started]
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        for other, url in zip(apps[1:], urls[1:], strict=True):
            await _follow(apps[0], other, url)
            await _follow(other, apps[0], urls[0])
        for app in apps:
            await app[REPLICATOR].run_once(force=True)
        await apps[0][REPLICATOR].run_once(force=True)
        print("Réseau de démonstration Maillage : trois lieux, trois nœuds qui se suivent.")
        for place, url in zip(PLACES, urls, strict=True):
            print(f"  {place['name']:28} {url}/")
        print(
            f"\nPage de recherche : {urls[0]}/   (essayez « découpe laser », « couture petite "
            "série », « formation arduino jeunes »)"
        )
        print("Ctrl-C pour tout arrêter.", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        print("\nArrêt…")
        for runner, _ in reversed(started):
            await runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
