"""This node's trust graph for the public routes: read once per store change, kept.

The hops of every author (``node.federation.trust``) read every follow and endorse record
held: done once per generation of the answers (``node.web.answer_cache.generation``: any
entry stored makes it stale), on a thread, and kept with the answers. The members of a
network asked for (``reseau=DID``) are read per request (one feed's records), never kept:
a crawler asking every did would fill the memory.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from aiohttp import web

from node.appkeys import KEY, STORE
from node.federation import trust as graph
from node.web.answer_cache import ANSWERS, generation
from search.stats import network_of
from search.trust import Trust


async def local_trust(request: web.Request, reseau: str | None = None) -> Trust:
    """The trust graph of ``request``'s node, with the members of ``reseau`` if given."""
    app = request.app
    if STORE not in app or ANSWERS not in app:
        return Trust()  # a bare search server (``bench/search_http.py``): no graph, hops null
    cache, made_from = app[ANSWERS], generation(app)
    kept = cache.kept_value("trust", made_from)
    if kept is None:
        kept = await asyncio.to_thread(graph.trust_of, app[STORE], app[KEY].did)
        cache.keep_value("trust", made_from, kept)
    if reseau is None:
        return kept
    members = await asyncio.to_thread(network_of, app[STORE], reseau)
    return replace(kept, networks={reseau: members.members})
