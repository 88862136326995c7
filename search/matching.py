"""Who can serve a need: the ranking of candidate offers and places, a pure function.

:func:`rank` reads nothing but its arguments (no index, no store, no clock: ``today`` is
given), so tests call it directly and ``search/match_candidates.py`` feeds it from the
index. Each candidate gets a **score**, a weighted sum of named components, each in
[0, 1] (:data:`WEIGHTS`, out of 100), and **reasons**, short French sentences saying why.
The order is then, best first: offers that can make it in time (or whose lead time is not
known), offers that cannot, places (profiles and listings with no matching offer); within
each, the score, then the distance, then the ids (the same input in any order gives the
same order). ``docs/matching.md`` explains each component with a worked example.

Left out: an expired offer (``search.expiry``, unless ``include_expired``), a place whose
profile says ``ferme``, a candidate with neither the need's category nor a word in common
(the same group alone is not enough), the profile of a place that has a matching offer,
and the offers and profile of the need's own author (it asks: others answer; the places it
lists, its listings, may serve).
An author in ``inactive`` (the node says « inactif ? ») is kept, ranked lower, and said so.
``Candidate.hops`` (the trust distance, issue 15: ``search.trust``) and ``endorsed`` (this
node endorses its author) make the small ``trust`` component: closer and endorsed first.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from search import match_components as mc
from search import match_terms as mt
from search.expiry import is_expired, last_day
from search.query import haversine_km
from search.schema import PLACE_COLS
from search.searching import hit_url

#: The weight of each component of the score (they sum to 100: a score is out of 100); the
#: components and their constants (TEXT_HALF, NEAR_KM…) are in ``search.match_components``.
WEIGHTS: Mapping[str, int] = {
    "category": 25,  # 1 same code, 0.5 same group, 0 else
    "text": 15,  # overlap / (overlap + TEXT_HALF): words in common, title and tags weigh more
    "capacity": 20,  # 1 covers, 0.6 × share when part, 0.5 unknown, ≤ 0.25 if its minimum is above
    "time": 15,  # 1 in time, 0 too late, 0.5 unknown
    "distance": 12,  # 1 within NEAR_KM, 0 from FAR_KM, linear between, 0.5 unknown
    "area": 4,  # 1 inside its area, 0 outside, 0.5 no area stated
    "active": 4,  # 0 when its node seems inactive, else 1
    "trust": 5,  # 1 this node or endorsed by it, 0.8 followed, 0.6 two hops… 0.5 unknown
}
OFFER_COLS = frozenset({"offer"})

#: Urgencies, most urgent first (an unknown one counts as « normale »).
URGENCY_ORDER = {"critique": 0, "haute": 1, "normale": 2, "faible": 3}


@dataclass(frozen=True)
class Spot:
    """Where a record is: its place's name, town, department and coordinates."""

    name: str = ""
    city: str = ""
    department: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Need:
    author: str
    rid: str
    body: Mapping[str, Any]
    place: Spot = Spot()

    @property
    def title(self) -> str:
        return mt.text(self.body.get("title"), 200) or self.rid


@dataclass(frozen=True)
class Candidate:
    """An offer, profile or listing that may serve a need. ``terms``: its stems and weights
    (computed from the body when None); ``status``: its place's profile status; ``hops``:
    the trust distance of its author (None: unknown or out of reach), ``endorsed``: this
    node endorses its author (``search.trust``)."""

    author: str
    col: str
    rid: str
    body: Mapping[str, Any]
    place: Spot = Spot()
    terms: Mapping[str, int] | None = None
    status: str = ""
    hops: int | None = None
    endorsed: bool = False


@dataclass(frozen=True)
class Match:
    author: str
    col: str
    rid: str
    title: str
    place: Spot
    url: str
    score: float
    distance_km: float | None
    covers: bool | None
    in_time: bool | None
    mobilisable: bool
    reasons: tuple[str, ...]
    components: Mapping[str, float] = field(default_factory=dict)
    tier: int = 0
    hops: int | None = None


@dataclass(frozen=True)
class Served:
    """A need an offer could serve (the reverse question, for the offer's page)."""

    need: Need
    match: Match


def rank(
    need: Need,
    candidates: Iterable[Candidate],
    *,
    today: datetime.date,
    inactive: frozenset[str] | set[str] = frozenset(),
    include_expired: bool = False,
) -> list[Match]:
    """The candidates that may serve ``need``, best first (see the module)."""
    words = mt.need_terms(need.body)
    unique = {(c.author, c.col, c.rid): c for c in candidates}
    found = [
        m
        for c in unique.values()
        if (m := assess(need, c, words, today, inactive, include_expired)) is not None
    ]
    with_offer = {m.author for m in found if m.col in OFFER_COLS}
    found = [m for m in found if not (m.col == "profile" and m.author in with_offer)]
    return sorted(found, key=_order)


def _distance(a: Spot, b: Spot) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def _order(m: Match) -> tuple[Any, ...]:
    far = math.inf if m.distance_km is None else m.distance_km
    return (m.tier, -m.score, far, m.author, m.col, m.rid)


def needs_for(
    offer: Candidate,
    needs: Iterable[Need],
    *,
    today: datetime.date,
    inactive: frozenset[str] | set[str] = frozenset(),
) -> list[Served]:
    """The open needs ``offer`` could serve: most urgent, then soonest due, then nearest."""
    out = []
    for need in needs:
        if is_expired("need", need.body, today):
            continue
        match = assess(need, offer, mt.need_terms(need.body), today, inactive, False)
        if match is not None:
            out.append(Served(need, match))

    def order(served: Served) -> tuple[Any, ...]:
        urgency = URGENCY_ORDER.get(mt.text(served.need.body.get("urgency"), 64), 2)
        due = mt.day(served.need.body.get("due_date")) or datetime.date.max
        far = served.match.distance_km
        return (urgency, due, math.inf if far is None else far, served.need.author, served.need.rid)

    return sorted(out, key=order)


def assess(
    need: Need,
    candidate: Candidate,
    words: Mapping[str, tuple[int, str]],
    today: datetime.date,
    inactive: frozenset[str] | set[str],
    include_expired: bool,
) -> Match | None:
    """One candidate against one need: its match, or None when it is left out."""
    body = candidate.body if isinstance(candidate.body, Mapping) else {}
    col = candidate.col
    if col not in OFFER_COLS | PLACE_COLS:
        return None
    if candidate.author == need.author and col != "listing":
        return None  # the need's own place does not serve it (the places it lists may)
    status = candidate.status or (mt.text(body.get("status"), 64) if col in PLACE_COLS else "")
    if status == "ferme":
        return None
    expired = is_expired(col, body, today)
    if expired and not include_expired:
        return None
    parts: dict[str, float] = {}
    reasons: list[str] = []
    offered = mt.text(body.get("category"), 64) if col in OFFER_COLS else ""
    parts["category"] = mc.category(mt.text(need.body.get("category"), 64), offered, reasons)
    terms = candidate.terms if candidate.terms is not None else mt.terms(col, dict(body))
    common = [t for t in words if t in terms]
    if not common and parts["category"] < 1:
        return None  # unrelated: neither its category nor a word of the need
    overlap = sum(words[t][0] * min(terms[t], mt.TITLE) for t in common)
    parts["text"] = overlap / (overlap + mc.TEXT_HALF)
    if common:
        reasons.append("mots en commun : " + ", ".join(words[t][1] for t in common[:5]))
    due = mt.day(need.body.get("due_date"))
    days_left = None if due is None else (due - today).days
    km = _distance(need.place, candidate.place)
    covers = in_time = None
    mobilisable = False
    if col in OFFER_COLS:
        limits = mt.limits(dict(body))
        mobile = mt.mobilisable(dict(body))
        mobilisable = mobile is not None
        parts["capacity"], covers = mc.capacity(need.body, limits, mobile, days_left, reasons)
        parts["time"], in_time = mc.lead_time(limits, due, days_left, reasons)
    else:
        parts["capacity"] = parts["time"] = mc.UNKNOWN
        reasons.append("lieu sans offre publiée pour ce besoin : à contacter")
    parts["distance"] = mc.nearness(km, reasons)
    parts["area"] = (
        mc.area(need.place.department, body, km, reasons) if col in OFFER_COLS else mc.UNKNOWN
    )
    parts["active"] = 0.0 if candidate.author in inactive else 1.0
    if candidate.author in inactive:
        reasons.append("inactif ? son nœud ne publie plus et ne répond plus")
    parts["trust"] = mc.trust(candidate.hops, candidate.endorsed, reasons)
    if expired:
        ended = last_day(col, body)
        reasons.append(f"expirée depuis le {mt.french_day(ended)}" if ended else "expirée")
    score = round(sum(WEIGHTS[name] * value for name, value in parts.items()), 1)
    tier = 2 if col in PLACE_COLS else (1 if in_time is False else 0)
    title_field = "name" if col in PLACE_COLS else "title"
    return Match(
        author=candidate.author,
        col=col,
        rid=candidate.rid,
        title=mt.text(body.get(title_field), 200) or candidate.rid,
        place=candidate.place,
        url=hit_url(candidate.author, col, candidate.rid),
        score=score,
        distance_km=None if km is None else round(km, 1),
        covers=covers,
        in_time=in_time,
        mobilisable=mobilisable,
        reasons=tuple(reasons),
        components=parts,
        tier=tier,
        hops=candidate.hops,
    )
