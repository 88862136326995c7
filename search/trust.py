"""The trust distance (``hops``) of the places a node holds, and what search does with it.

Issue 15: every hit carries ``hops``, 0 for this node, 1 for a feed it follows or endorses,
2 for what those follow or endorse, and so on: the breadth-first distance from this node
over the follow and endorse records it holds (:func:`distances`, a pure function). A feed
held but out of reach (a copy kept after an unfollow) has no distance (``None``).

The distances change with every follow, endorsement or withdrawal, anywhere in the graph
held, so they are never written into the index's documents: the node computes a
:class:`Trust` from its store (``node.federation.trust``, kept per store change) and passes
it to the search as data. With it the search

- keeps only the authors within ``max_hops`` (:func:`outside`), or only the members of the
  network ``reseau`` (the members the node computed, given in :attr:`Trust.networks`);
- breaks ties of text relevance by :func:`preference`: this node, then the places it
  endorses, then by hops, nearest first, then those out of reach (``docs/confiance.md``).

``search/`` imports nothing of ``node``: what the store says comes in as plain mappings.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from search import bitsets
from search.engine import View
from search.stats import Network, network_bits

#: The rank of an author out of reach in :func:`preference` (below every distance).
OUT_OF_REACH = 1_000_000


@dataclass(frozen=True)
class Trust:
    """What search needs to know of the trust graph: each author's hops (this node: 0),
    the authors this node endorses itself, and the members of the networks asked for
    (``reseau=DID``: the did → its members, the network's own feed included)."""

    me: str = ""
    hops: Mapping[str, int] = field(default_factory=dict)
    endorsed: frozenset[str] = frozenset()
    networks: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def of(self, author: str) -> int | None:
        """The hops of ``author``; None when out of reach."""
        return self.hops.get(author)

    def within(self, max_hops: int) -> frozenset[str]:
        """The authors at most ``max_hops`` away (this node included)."""
        return frozenset(author for author, hops in self.hops.items() if hops <= max_hops)


def distances(me: str, neighbours: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """The breadth-first distance from ``me`` of every author reachable through
    ``neighbours`` (author → the dids its follow and endorse records name): ``me`` is 0."""
    found = {me: 0}
    frontier = [me]
    while frontier:
        following: list[str] = []
        for author in frontier:
            for did in neighbours.get(author, ()):
                if did not in found:
                    found[did] = found[author] + 1
                    following.append(did)
        frontier = following
    return found


def label(hops: int | None, endorsed: bool) -> str:
    """How close a place is, in French (a hit's badge, a match's reason); "" out of reach."""
    if hops is None:
        return ""
    if hops == 0:
        return "publié par ce nœud"
    if endorsed:
        return "recommandé par ce nœud"
    return "suivi par ce nœud" if hops == 1 else f"à {hops} relais"


def ties(trust: Trust, authors: list[Any]) -> Callable[[int], int]:
    """The rank of each document for :meth:`search.engine.View.ranked` (by its author)."""
    return lambda d: preference(trust, authors[d] or "")


def preference(trust: Trust, author: str) -> int:
    """The rank of ``author`` among hits of equal relevance, lower first: this node 0, a
    place it endorses 1, else 1 + its hops (a followed place 2, two hops 3…), out of
    reach last."""
    hops = trust.hops.get(author)
    if hops is None:
        return OUT_OF_REACH
    if hops == 0:
        return 0
    return 1 if author in trust.endorsed else 1 + hops


def outside(view: View, max_hops: int | None, reseau: str | None, trust: Trust) -> int:
    """The documents a search with ``max_hops`` and ``reseau`` leaves out (0: none): those
    whose author is further than ``max_hops``, and those not of the network ``reseau``
    (``search.stats.network_bits``: its members' records, its listings and their
    claimants')."""
    if max_hops is None and reseau is None:
        return 0
    kept = view.live
    if max_hops is not None:
        kept &= author_bits(view, trust.within(max_hops))
    if reseau is not None:  # the dashboard's network (search.stats), figure for figure
        kept &= network_bits(view, Network(reseau, trust.networks.get(reseau, frozenset())))
    return view.live & ~kept


#: Each view's documents by author, built once per view (the index makes a new view after
#: each write; the old one and its sets go with it).
_BY_AUTHOR: weakref.WeakKeyDictionary[View, dict[str, int]] = weakref.WeakKeyDictionary()


def author_bits(view: View, authors: Iterable[str]) -> int:
    """The documents of ``view`` written by any of ``authors``."""
    masks = _BY_AUTHOR.get(view)
    if masks is None:
        groups: dict[str, list[int]] = {}
        for d, author in enumerate(view.values["author"]):
            if author:
                groups.setdefault(author, []).append(d)
        masks = {a: bitsets.from_ids(ids, view.size) for a, ids in groups.items()}
        _BY_AUTHOR[view] = masks
    bits = 0
    for author in authors:
        bits |= masks.get(author, 0)
    return bits
