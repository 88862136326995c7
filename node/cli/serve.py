"""``maillage serve``: serve the node's feeds (and its page) over HTTP until stopped."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from typing import TYPE_CHECKING

from node.cli.common import CommandError, add_home_argument, open_node

if TYPE_CHECKING:
    import asyncio
    import logging

    from node.settings import Settings

LOG_LEVELS = ("debug", "info", "warning", "error")
#: Seconds the server waits for requests in progress when it is asked to stop.
SHUTDOWN_SECONDS = 2.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="servir le flux signé du lieu en HTTP",
        description=(
            "Sert en HTTP le flux signé du lieu et les flux qu'il détient, ainsi qu'une page "
            "de présentation, jusqu'à Ctrl-C (ou SIGTERM). Les options l'emportent sur le "
            "fichier de réglages et l'environnement."
        ),
    )
    add_home_argument(parser)
    parser.add_argument("--host", metavar="ADRESSE", help="adresse d'écoute (réglage host)")
    parser.add_argument(
        "--port", type=int, metavar="PORT", help="port d'écoute, 0 pour un port libre (port)"
    )
    parser.add_argument(
        "--poll-seconds",
        type=int,
        metavar="N",
        help="intervalle d'interrogation des pairs suivis, en secondes (poll_seconds)",
    )
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS, help="niveau de détail du journal (log_level)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    overrides = {
        name: value
        for name in ("host", "port", "poll_seconds", "log_level")
        if (value := getattr(args, name)) is not None
    }
    with open_node(args, **overrides) as node:  # checks settings, key and store up front
        settings = node.settings
    logging.basicConfig(
        stream=sys.stderr,
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s : %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
    )
    from node.cli.log_throttle import throttle_logs

    throttle_logs()  # under attack, a few lines a second at most
    return asyncio.run(serve(settings))


async def serve(settings: Settings) -> int:
    """Serve until SIGINT or SIGTERM; the one stdout line gives the address.

    The signals are caught from the start: one during the start-up (the index opening, the
    store's migrations) stops it cleanly too. Once asked to stop, the index thread is told
    at once (it stops after its batch in progress, :mod:`search.catchup`), then requests in
    progress get :data:`SHUTDOWN_SECONDS` and periodic jobs
    :data:`node.scheduler.JOB_STOP_SECONDS`: a node stops within a few seconds, whatever it
    was doing, and the next start goes on from what was committed.
    """
    import asyncio
    import logging

    from aiohttp import web

    from node.app import AccessLogger, create_app
    from node.appkeys import SEARCH
    from node.federation import recover
    from node.store.database import StoreError
    from node.web.server import NodeRunner
    from protocol.keys import KeyFileError

    log = logging.getLogger("maillage.serve")
    stop = _stop_event()
    runner = NodeRunner(  # the node's timeouts and connection caps
        create_app(settings),
        access_log_class=AccessLogger,
        access_log=access_logger(settings),
        shutdown_timeout=SHUTDOWN_SECONDS,
    )
    stopping = asyncio.ensure_future(stop.wait())
    try:
        setup = asyncio.ensure_future(runner.setup())
        await asyncio.wait({setup, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not setup.done():  # SIGTERM while starting
            log.info("arrêt demandé pendant le démarrage, fermeture du nœud")
            setup.cancel()
            await asyncio.gather(setup, return_exceptions=True)
            return _stopped(log)
        try:
            setup.result()
        except (StoreError, KeyFileError, OSError) as exc:
            raise CommandError(f"impossible de démarrer le nœud : {exc}") from None
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as exc:
            raise CommandError(
                f"impossible d'écouter sur {settings.host}:{settings.port} : {_why(exc)}"
            ) from None
        port = runner.addresses[0][1]
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(f"Nœud Maillage « {settings.name} » en service sur http://{host}:{port}/", flush=True)
        # A restored old backup: log it if the peers hold more of the place's own feed.
        check = asyncio.create_task(recover.warn_if_behind(runner.app))
        await stopping
        check.cancel()
        await asyncio.gather(check, return_exceptions=True)
        log.info("arrêt demandé, fermeture du nœud")
        runner.app[SEARCH].stop()  # the index thread stops while the rest closes
    finally:
        stopping.cancel()
        await runner.cleanup()
    return _stopped(log)


def _stopped(log: logging.Logger) -> int:
    log.info("nœud arrêté")
    return 0


def access_logger(settings: Settings) -> logging.Logger | None:
    """The logger of the access log (one line per request), or None when ``access_log`` is
    off: behind Caddy or nginx, the proxy may already keep one."""
    import logging

    return logging.getLogger("maillage.access") if settings.access_log else None


def _why(exc: OSError) -> str:
    reasons = {
        errno.EADDRINUSE: "ce port est déjà pris (un autre nœud tourne-t-il déjà ?)",
        errno.EACCES: "permission refusée (les ports sous 1024 demandent des droits)",
        errno.EADDRNOTAVAIL: "cette adresse n'appartient pas à cette machine",
    }
    if exc.errno in reasons:
        return reasons[exc.errno]
    import socket

    if isinstance(exc, socket.gaierror):
        return "nom d'hôte inconnu"
    return os.strerror(exc.errno) if exc.errno else str(exc)


def _stop_event() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (from now on)."""
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Where signal handlers are not supported, Ctrl-C raises KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    return stop
