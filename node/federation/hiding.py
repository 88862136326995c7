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
    store, me, index, holder = app[STORE], app[KEY].did, app[SEARCH], app[HIDDEN]

    def read() -> bool:
        authors = hidden_authors(store, me)
        changed = authors != holder.authors
        # the pages' set first, then the index's: its new generation makes every answer
        # kept before it stale, so none rendered with the old set outlives the change
        holder.authors = authors
        index.hide(authors)  # a no-op when its view hides them already
        return changed

    changed = await asyncio.to_thread(read)
    if changed and kick and REPLICATOR in app:
        app[REPLICATOR].kick(force=True)
    return changed
