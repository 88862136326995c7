"""This node's trust graph, read from its store: the hops of every author it holds.

The follow and endorse records held (``peers.EDGE_COLS``: every feed's, read in two queries)
are the edges; :func:`search.trust.distances` walks them from this node. A network's members
(``reseau=DID``) are the network of ``search.stats.network_of``: its node, the places it
endorses and those it follows, the dashboard's rule. The result is a
:class:`search.trust.Trust`, passed to the search as data (hops are never indexed: a
follow anywhere changes them); the web handlers keep it per store change
(``node.web.trust_cache``).
"""

from __future__ import annotations

from collections.abc import Iterable

from node.federation.peers import EDGE_COLS
from node.store.database import Store
from search.stats import endorsed, network_of
from search.trust import Trust, distances


def graph(store: Store) -> dict[str, list[str]]:
    """Each author's follow and endorse targets (dids), as held here."""
    out: dict[str, list[str]] = {}
    for col in EDGE_COLS:
        for record in store.records(col):
            if record.rid.startswith("did:key:z") and record.rid != record.author:
                out.setdefault(record.author, []).append(record.rid)
    return out


def endorsers(store: Store, did: str) -> list[str]:
    """The authors whose endorse record held here names ``did`` (one query of that col)."""
    return sorted({r.author for r in store.records("endorse") if r.rid == did})


def trust_of(store: Store, me: str, networks: Iterable[str] = ()) -> Trust:
    """The hops of every author reachable from ``me``, the places ``me`` endorses, and the
    members of each network of ``networks``."""
    hops = distances(me, graph(store))
    members = {did: network_of(store, did).members for did in networks}
    return Trust(me, hops, frozenset(endorsed(store, me)), members)
