"""The network of the simulation (``bench/simulate.py``): where the nodes are, whom each
follows, which feeds each replicates, and whom each pushes to.

Places are those of the 2019 census (``../shared/data``), and past its 1,512 located places,
more are drawn around census places picked at random (a few kilometres away, as new places
open near the existing ones). Each node follows its ``degree`` nearest neighbours. Which feeds
a node replicates is computed by the node's own code, :func:`node.federation.peers.wanted_feeds`,
over the follow records of this network (:class:`FollowRecords` stands for the store); the
push subscriptions are those of :mod:`node.federation.subscriptions`: a node subscribes at each
node it follows for every feed it holds.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.federation.peers import wanted_feeds

CENSUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "cget-tiers-lieux-2019.csv"
#: Standard deviation, in km, of a drawn place around the census place it is drawn near.
SPREAD_KM = 8.0
#: Side of a cell of the grid used to find the nearest neighbours, in degrees, and the
#: least width of such a cell in km (a degree of longitude at 52° N, France's north).
CELL_DEGREES = 0.5
CELL_KM = CELL_DEGREES * 111.0 * math.cos(math.radians(52))


@dataclass(frozen=True, slots=True)
class FollowRecord:
    """What ``wanted_feeds`` reads of a follow record: the followed did and its URL."""

    rid: str
    body: dict[str, Any]


class FollowRecords:
    """The follow records of a network, read as the store's ``records`` by the node's
    ``wanted_feeds``: no endorsements, and nothing muted nor listed (``node.hidden``)."""

    def __init__(self, follows: dict[str, list[FollowRecord]]) -> None:
        self._follows = follows

    @classmethod
    def of(cls, follows: Sequence[Sequence[int]]) -> FollowRecords:
        """Those of the simulated network: node i follows the nodes of ``follows[i]``."""
        return cls(
            {
                did(i): [FollowRecord(did(p), {"url": url(p)}) for p in peers]
                for i, peers in enumerate(follows)
            }
        )

    def records(self, col: str | None = None, author: str | None = None) -> list[FollowRecord]:
        if col != "follow" or author is None:
            return []
        return self._follows.get(author, [])

    def record(self, author: str, col: str, rid: str) -> None:
        return None

    def mute_rows(self) -> list:
        return []

    def applied_rows(self) -> list:
        return []

    def confirmation_rows(self) -> list:
        return []


def did(node: int) -> str:
    return f"did:key:z{node}"


def url(node: int) -> str:
    return f"https://noeud-{node}.maillage.test"


def number(author: str) -> int:
    return int(author.removeprefix("did:key:z"))


@dataclass
class Network:
    """``follows[x]``: the nodes x follows; ``wants[x]``: feed → hops, the feeds x copies;
    ``pushes_to[p]``: the nodes subscribed at p (its followers), with the feeds each holds."""

    places: list[tuple[float, float]]
    follows: list[list[int]]
    followers: list[list[int]]
    wants: list[dict[int, int]]

    @property
    def size(self) -> int:
        return len(self.places)

    def holds(self, node: int, feed: int) -> bool:
        return node == feed or feed in self.wants[node]

    def wanting(self, feed: int) -> list[int]:
        """The nodes that replicate ``feed`` (its author apart)."""
        return [x for x in range(self.size) if feed in self.wants[x]]


def census_places() -> list[tuple[float, float]]:
    """The located places of the census, (lat, lon); none when the file is absent."""
    if not CENSUS.exists():
        return []
    places = []
    with CENSUS.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            try:
                places.append((float(row["LAT"]), float(row["LONG"])))
            except ValueError:
                continue
    return places


def build(
    size: int, degree: tuple[int, int], max_hops: int, max_feeds_via_peer: int, rng: random.Random
) -> Network:
    places = _places(size, rng)
    follows = _nearest(places, degree, rng)
    followers: list[list[int]] = [[] for _ in places]
    for node, peers in enumerate(follows):
        for peer in peers:
            followers[peer].append(node)
    records = FollowRecords.of(follows)
    wants = []
    for node in range(size):
        wanted = wanted_feeds(records, did(node), max_hops, max_feeds_via_peer)  # type: ignore[arg-type]
        wants.append({number(d): item.hops for d, item in wanted.items()})
    return Network(places, follows, followers, wants)


def _places(size: int, rng: random.Random) -> list[tuple[float, float]]:
    census = census_places() or [
        (46.6 + rng.uniform(-3, 3), 2.4 + rng.uniform(-3, 3)) for _ in range(1500)
    ]
    places = census[:size]
    while len(places) < size:
        lat, lon = rng.choice(census)
        north, east = rng.gauss(0, SPREAD_KM), rng.gauss(0, SPREAD_KM)
        places.append((lat + north / 111.0, lon + east / (111.0 * math.cos(math.radians(lat)))))
    return places


def _nearest(
    places: list[tuple[float, float]], degree: tuple[int, int], rng: random.Random
) -> list[list[int]]:
    """Each node's ``degree`` nearest other nodes (a number drawn in the range), found in a
    grid of cells widened ring by ring."""
    grid: dict[tuple[int, int], list[int]] = {}
    for i, (lat, lon) in enumerate(places):
        grid.setdefault(_cell(lat, lon), []).append(i)
    follows = []
    for i, (lat, lon) in enumerate(places):
        want = rng.randint(*degree)
        row, col = _cell(lat, lon)
        found: list[tuple[float, int]] = []
        ring = 0
        while True:
            for r in range(row - ring, row + ring + 1):
                for c in range(col - ring, col + ring + 1):
                    if max(abs(r - row), abs(c - col)) != ring:
                        continue
                    for j in grid.get((r, c), ()):
                        if j != i:
                            found.append((_km(places[i], places[j]), j))
            # a cell's ring reaches at least ``ring`` cells away: closer ones are all in
            if len(found) >= want and sorted(found)[want - 1][0] <= ring * CELL_KM:
                break
            if ring > 80:
                break
            ring += 1
        follows.append([j for _, j in sorted(found)[:want]])
    return follows


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 12742.0 * math.asin(math.sqrt(h))
