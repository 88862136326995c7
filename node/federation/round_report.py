"""What one replication round did, shared by the replicator and its divergence checks
(:mod:`node.federation.sync`, :mod:`node.federation.divergence`): a module of its own, so
that neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field

from node.federation import peers
from node.federation.fetch import FetchError

#: Page validators remembered between rounds (a 304 means: nothing new on that page).
MAX_ETAGS = 10_000


@dataclass(slots=True)
class Report:
    """What a round did: sources polled, entries stored, forks found, peers that failed."""

    polled: list[str] = field(default_factory=list)
    stored: int = 0
    #: The feeds that got entries, and the sources they came from.
    stored_feeds: set[str] = field(default_factory=set)
    stored_from: set[str] = field(default_factory=set)
    #: Bodies fetched for entries held withheld (body pending).
    filled: int = 0
    forks: list[str] = field(default_factory=list)
    #: Feeds that took their day's quota during the round (nothing more taken today).
    over_quota: list[str] = field(default_factory=list)
    #: Feeds left out, by the place whose follow records named them (``max_feeds_via_peer``).
    capped: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    validators: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def status_of(error: FetchError) -> str:
    """A failed source's status, as the peers table records it."""
    return peers.UNREACHABLE if error.unreachable else f"error: {error}"
