"""The discrete-event model of one update travelling through the network (``bench/simulate.py``).

A place publishes a new entry at time 0. What happens next is what the node's code does,
with its shipped settings (:class:`Params` reads them from :class:`node.settings.Settings`):

- **Push**: a node that stores the entry posts it at once to the nodes subscribed at it for
  that feed (its followers that copy it, :mod:`node.federation.subscriptions`); an idle
  outbox posts without waiting (``push_hub.COALESCE_SECONDS`` only spaces later posts). A
  stopped node gets nothing (the hub's retries fail too): polling fills the gap.
- **Polling**: each node polls each node it follows when it is due, at the first round of its
  sync job after that (rounds every :func:`node.federation.sync.round_seconds`); the next poll
  is :func:`node.federation.peers.next_delay` later: the interval with its jitter, doubled
  after each failure up to ``backoff_max_seconds``. A poll of a node holding the entry (of a
  feed the poller copies, which it lacks) fetches it.
- A stopped node neither polls, serves nor answers pushes; the nodes following it have long
  backed off (their next poll of it is up to ``backoff_max_seconds`` away).

Only the nodes that copy the feed are simulated (the others never hold the entry): a few
hundred at most, so one update costs milliseconds and many can be sampled.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from dataclasses import dataclass, field, replace

from bench.sim_network import Network
from node.federation.peers import next_delay
from node.federation.sync import round_seconds
from node.settings import Settings

#: One request or answer crossing the Internet between two places, one way, in seconds
#: (drawn in this range for each trip).
LINK_SECONDS = (0.02, 0.06)
#: What the receiving node does with an entry before it holds it (verify, store, announce).
HANDLE_SECONDS = (0.01, 0.05)


@dataclass(frozen=True)
class Params:
    """One scenario. The defaults of the node's own settings model, not copies: change one
    with :meth:`but`."""

    nodes: int = 3500
    degree: tuple[int, int] = (5, 10)
    push: bool = True
    churn: float = 0.0
    poll_seconds: float = field(default_factory=lambda: _shipped("poll_seconds"))
    backoff_max: float = field(default_factory=lambda: _shipped("backoff_max_seconds"))
    max_hops: int = field(default_factory=lambda: _shipped("max_hops"))
    max_feeds_via_peer: int = field(default_factory=lambda: _shipped("max_feeds_via_peer"))
    seed: int = 2026

    def but(self, **changes: object) -> Params:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def round_seconds(self) -> float:
        return round_seconds(self.poll_seconds)


def _shipped(name: str) -> object:
    return Settings.model_fields[name].default


@dataclass
class Outcome:
    """One update: when each copying node still serving held it (None: never, within the
    horizon); the pushes each node received and sent (duplicates included: a node following
    several holders gets it from each), and the fetches by poll each made and served."""

    feed: int
    arrivals: dict[int, float | None]
    pushes_in: Counter[int]
    pushes_out: Counter[int]
    fetches_in: Counter[int]
    fetches_out: Counter[int]

    @property
    def delays(self) -> list[float]:
        return sorted(t for t in self.arrivals.values() if t is not None)

    @property
    def reached(self) -> float:
        return len(self.delays) / len(self.arrivals) if self.arrivals else 1.0

    @property
    def all_reached_after(self) -> float | None:
        delays = self.delays
        return delays[-1] if delays and len(delays) == len(self.arrivals) else None


def stopped_nodes(network: Network, params: Params, rng: random.Random) -> set[int]:
    return set(rng.sample(range(network.size), round(params.churn * network.size)))


def one_update(
    network: Network,
    params: Params,
    feed: int,
    stopped: set[int],
    copiers: list[int],
    rng: random.Random,
) -> Outcome:
    """Simulate a new entry of ``feed``, published at 0 by its node (serving)."""
    live = [x for x in copiers if x not in stopped]
    horizon = 4 * params.poll_seconds + params.round_seconds + 60
    held: dict[int, float] = {}
    outcome = Outcome(feed, {}, Counter(), Counter(), Counter(), Counter())
    events: list[tuple[float, int, str, int, int]] = []
    order = 0

    def at(moment: float, kind: str, node: int, other: int = -1) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (moment, order, kind, node, other))

    failures_cap = max(0, math.ceil(math.log2(params.backoff_max / params.poll_seconds)))
    for x in live:
        for peer in network.follows[x]:
            dead = peer in stopped
            period = next_delay(
                failures_cap if dead else 0, params.poll_seconds, params.backoff_max
            )
            due = rng.uniform(0, period)  # in the steady state: anywhere in its period
            at(due + rng.uniform(0, params.round_seconds), "poll", x, peer)
    at(0.0, "store", feed)
    while events:
        moment, _, kind, node, other = heapq.heappop(events)
        if moment > horizon:
            break
        if kind == "store":
            if node in held:
                continue
            held[node] = moment
            if len(held) > len(live) and all(x in held for x in live):
                break  # every copier serving holds it
            if params.push:
                for follower in network.followers[node]:
                    # a stopped follower: every attempt fails, nothing arrives
                    if feed in network.wants[follower] and follower not in stopped:
                        outcome.pushes_out[node] += 1
                        at(moment + rng.uniform(*LINK_SECONDS), "push", follower)
        elif kind == "push":
            outcome.pushes_in[node] += 1
            at(moment + rng.uniform(*HANDLE_SECONDS), "store", node)
        elif kind == "poll":
            peer = other
            dead = peer in stopped
            if not dead and peer in held and held[peer] <= moment and node not in held:
                outcome.fetches_in[node] += 1  # GET /feeds, then GET …/entries: two trips
                outcome.fetches_out[peer] += 1
                trips = sum(rng.uniform(*LINK_SECONDS) for _ in range(4))
                at(moment + trips + rng.uniform(*HANDLE_SECONDS), "store", node)
            if node in held:
                continue  # its later polls of that peer no longer matter to this entry
            failures = failures_cap if dead else 0
            wait = next_delay(failures, params.poll_seconds, params.backoff_max)
            at(moment + wait + rng.uniform(0, params.round_seconds), "poll", node, peer)
    outcome.arrivals.update((x, held.get(x)) for x in live)
    return outcome
