"""The serving node's set of hidden places (``node.hidden``), kept current.

At start, the set is read from the store before the node serves; then the ``hidden`` job
reads it again every second (a mute from the command line, an applied list whose publisher
brought a new version) and, when it changed, gives it to the search index (every view,
hence every search, count, match and the answers kept per generation, see it at once) and
asks replication to run (an unmuted feed is fetched again at once). The admin area calls
:func:`refresh` right after a change, so its next page shows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from node import scheduler
from node.appkeys import HIDDEN, KEY, SEARCH, STORE
from node.federation.sync import REPLICATOR
from node.hidden import Hidden, hidden_authors

#: Seconds between two reads of the mutes and the applied lists.
REFRESH_SECONDS = 1.0


def setup(app: web.Application) -> None:
    """Call after the store's and the index's ``cleanup_ctx`` are added."""
    app[HIDDEN] = Hidden()
    app.cleanup_ctx.append(_first_read)
    scheduler.add_job(app, scheduler.Job("hidden", lambda: refresh(app), REFRESH_SECONDS))


async def _first_read(app: web.Application) -> AsyncIterator[None]:
    await refresh(app, kick=False)
    yield


async def refresh(app: web.Application, *, kick: bool = True) -> bool:
    """Read the hidden places again; whether they changed."""
    authors = await asyncio.to_thread(hidden_authors, app[STORE], app[KEY].did)
    holder = app[HIDDEN]
    if authors == holder.authors and authors == app[SEARCH].hidden_authors:
        return False
    holder.authors = authors
    await asyncio.to_thread(app[SEARCH].hide, authors)
    if kick and REPLICATOR in app:
        app[REPLICATOR].kick(force=True)
    return True
