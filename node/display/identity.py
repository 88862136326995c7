"""Where a place is at home: the node that serves its own feed.

The same place is shown by every node that holds a copy of its feed, each under its own
address. Its own node is named by its profile's ``node_urls`` (the addresses where that
node is served, signed by the place's key): the first one is where its pages are canonical.
A place without node URLs (a listing imported from a census has none) is at home on the
node that publishes it, and else on this node. :func:`own_url` is that rule, used for the
``<link rel="canonical">`` of the pages and for ``sameAs`` in their schema.org JSON-LD.
"""

from __future__ import annotations

from typing import Any


def own_base(here: str, *places: dict[str, Any]) -> str:
    """The base URL of the first of ``places`` (views of :func:`record_text.place`) that
    names a node URL; ``here`` (this node's base URL) when none does."""
    for place in places:
        for url in place.get("node_urls") or ():
            return url.rstrip("/")
    return here


def own_url(here: str, path: str, *places: dict[str, Any]) -> str:
    """The URL of the page ``path`` (``/lieux/…``) on the own node of ``places``."""
    return own_base(here, *places) + path
