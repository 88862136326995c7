"""Where a place is at home: the node that serves its own feed.

The same place is shown by every node that holds a copy of its feed, each under its own
address. Its own node is named by its profile's ``node_urls`` (the addresses where that
node is served, signed by the place's key): the first one is where its pages are canonical.
A listing imported from a census names none: it is at home on the node that publishes it
(:func:`listed`). A place without node URLs is at home on this node. :func:`own_url` is
that rule, used for the ``<link rel="canonical">`` of the pages and for ``sameAs`` in
their schema.org JSON-LD.
"""

from __future__ import annotations

from typing import Any


def listed(place: dict[str, Any], publisher: dict[str, Any]) -> dict[str, Any]:
    """A listed place (a census listing) is at home on the node of the feed that lists it,
    unless it names node URLs of its own."""
    return {**place, "node_urls": place.get("node_urls") or publisher.get("node_urls") or []}


def own_base(here: str, place: dict[str, Any]) -> str:
    """The base URL of ``place``'s own node (a view of :func:`record_text.place`): its first
    node URL; ``here`` (this node's base URL) when it names none."""
    urls = place.get("node_urls") or ()
    return urls[0].rstrip("/") if urls else here


def own_url(here: str, path: str, place: dict[str, Any]) -> str:
    """The URL of the page ``path`` (``/lieux/…``) on ``place``'s own node."""
    return own_base(here, place) + path
