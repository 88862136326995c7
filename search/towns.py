"""« découpe laser près de Périgueux »: a search near a town the node knows.

The towns are those of the places this node holds (profiles and listings with an address
and coordinates): no gazetteer is shipped and nothing is asked of another server. When a
query ends with "près de", "autour de", "aux alentours de"… followed by one of those towns,
:func:`near_town` turns it into a radius search around that town (30 km unless a radius
is given) for the words before it. A town the node does not know leaves the query as it
is: its name is still a word of every record of the places there.
"""

from __future__ import annotations

import re
import statistics
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from search.analysis import fold
from search.documents import place_of
from search.model import NEAR_PHRASE, Around, SearchParams

#: The radius of "près de <town>" when the search gives none.
DEFAULT_RADIUS_KM = 30.0
#: A town name has at most this many words ("Saint-Martin-de-Ré" is one, "Le Grand Village
#: Plage" four); the words after it go back to the text of the search.
MAX_TOWN_WORDS = 5

_NOT_WORD = re.compile(r"[\W_]+")


def town_key(name: str) -> str:
    """How a town name is compared: lowercase, no accents, hyphens and apostrophes as
    spaces ("Saint-Étienne", "saint etienne" and "ST ETIENNE"… the last is not)."""
    return " ".join(_NOT_WORD.sub(" ", fold(name.casefold())).split())


@dataclass(frozen=True)
class Town:
    name: str  # as most places there write it
    lat: float
    lon: float


@dataclass(frozen=True)
class NearTown:
    """A search turned into a radius search around a town (``around`` None: the town
    given by ``near=`` is not one this node knows)."""

    around: Around | None
    params: SearchParams  # the rewritten search: the words before, near, radius_km


class Towns:
    """The towns of the places held, rebuilt from the store when places changed."""

    def __init__(self, places: Callable[[], Iterable[dict | None]]) -> None:
        self._places = places  # the bodies of every profile and listing held
        self._towns: dict[str, Town] | None = None
        self._generation = 0  # moves on at each forget(): a gathering it overtook is not kept
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Places were added, changed or removed: gather the towns again when asked."""
        self._generation += 1
        self._towns = None

    def find(self, name: str) -> Town | None:
        towns = self._towns
        if towns is None:
            with self._lock:
                towns = self._towns
                if towns is None:
                    generation = self._generation
                    towns = _gather(self._places())
                    if generation == self._generation:
                        self._towns = towns
        return towns.get(town_key(name))


def _gather(bodies: Iterable[dict | None]) -> dict[str, Town]:
    spellings: dict[str, Counter[str]] = {}
    points: dict[str, list[tuple[float, float]]] = {}
    for body in bodies:
        place = place_of(body)
        key = town_key(place.city)
        if not key or place.lat is None or place.lon is None:
            continue
        spellings.setdefault(key, Counter())[place.city] += 1
        points.setdefault(key, []).append((place.lat, place.lon))
    return {
        key: Town(
            spellings[key].most_common(1)[0][0],
            statistics.median(lat for lat, _ in found),  # homonyms: the most frequent wins
            statistics.median(lon for _, lon in found),
        )
        for key, found in points.items()
    }


def near_town(params: SearchParams, towns: Towns) -> NearTown | None:
    """``params`` as a search around the town given by ``near=``, or the town its text
    ends with; None when it names none."""
    radius = params.radius_km if params.radius_km is not None else DEFAULT_RADIUS_KM
    if params.town is not None:
        town = towns.find(params.town)
        if town is None:
            return NearTown(None, params)
        rewritten = replace(params, town=None, near=(town.lat, town.lon), radius_km=radius)
        return NearTown(Around(town.name, town.lat, town.lon, radius), rewritten)
    if params.near is not None or not params.q:
        return None
    match = NEAR_PHRASE.search(params.q)
    if match is None:
        return None
    words = match.group("rest").split()
    for size in range(min(len(words), MAX_TOWN_WORDS), 0, -1):
        town = towns.find(" ".join(words[:size]))
        if town is not None:
            text = " ".join([params.q[: match.start()].strip(), *words[size:]]).strip()
            rewritten = replace(params, q=text, near=(town.lat, town.lon), radius_km=radius)
            return NearTown(Around(town.name, town.lat, town.lon, radius), rewritten)
    return None
