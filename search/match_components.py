"""The components of a match's score, each in [0, 1], and the French reason each gives.

One function per component of ``search.matching.WEIGHTS`` (the text overlap is computed
there, from the terms); each appends its reasons to ``reasons`` and returns its value
(capacity and lead time also say whether the offer covers the need, makes it in time).
``docs/matching.md`` gives the figures of a worked example.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from protocol import vocabulary as vocab
from search import match_terms as mt
from search.trust import label as trust_label

UNKNOWN = 0.5
NEAR_KM = 25.0
FAR_KM = 300.0
#: The overlap that gives half the text component (one title word met in a title: 3 × 3).
TEXT_HALF = 9.0
#: A share of the need covered counts this much of covering it all.
PART = 0.6
#: The most a candidate whose minimum quantity is above the need gets for capacity.
ABOVE_MINIMUM = 0.25


def category(wanted: str, offered: str, reasons: list[str]) -> float:
    """1 the same code, 0.5 the same group of the common core, else 0."""
    if not wanted or not offered:
        return 0.0
    if offered == wanted:
        reasons.append(f"même catégorie : {vocab.CATEGORIES.label(offered)}")
        return 1.0
    group = vocab.category_group(offered)
    if group == vocab.category_group(wanted):
        reasons.append(f"même domaine : {vocab.CATEGORY_GROUPS.label(group)}")
        return 0.5
    return 0.0


def capacity(
    need: Mapping[str, Any],
    limits: dict[str, int | None],
    mobile: tuple[int, str] | None,
    days_left: int | None,
    reasons: list[str],
) -> tuple[float, bool | None]:
    wanted = mt.count(need.get("quantity")) or None
    unit = mt.text(need.get("unit"), 40)
    most = limits["max_quantity"]
    upto = "jusqu'à {}"
    if mobile is not None:
        per_week, mobile_unit = mobile
        reasons.append(
            f"répond aux appels : {mt.quantity(per_week, mobile_unit or unit)} par semaine"
        )
        if most is None and days_left is not None and days_left > 0:
            most, unit = per_week * days_left // 7, mobile_unit or unit
            upto = "soit {} d'ici l'échéance"
    if most is None:
        value, covers = UNKNOWN, None
        reasons.append("capacité non précisée")
    elif wanted is None:
        value, covers = UNKNOWN, None
        reasons.append(upto.format(mt.quantity(most, unit)))
    elif most >= wanted:
        value, covers = 1.0, True
        reasons.append(upto.format(mt.quantity(most, unit)) + f" (besoin : {mt.number(wanted)})")
    else:
        value, covers = PART * most / wanted, False
        reasons.append(f"ne couvre que {mt.quantity(most, unit)} sur {mt.number(wanted)}")
    least = limits["min_quantity"]
    if wanted is not None and least is not None and least > wanted:
        value = min(value, ABOVE_MINIMUM)
        reasons.append(f"à partir de {mt.quantity(least, unit)} : plus que le besoin")
    return value, covers


def lead_time(
    limits: dict[str, int | None],
    due: datetime.date | None,
    days_left: int | None,
    reasons: list[str],
) -> tuple[float, bool | None]:
    lead, notice = limits["lead_time_days"], limits["notice_days"]
    if lead is None and notice is None:
        reasons.append("délai non précisé")
        return UNKNOWN, None
    total = (lead or 0) + (notice or 0)
    if due is None or days_left is None:
        reasons.append(f"délai {mt.days(total)}")
        return UNKNOWN, None
    if total <= days_left:
        reasons.append(f"délai {mt.days(total)}, avant l'échéance du {mt.french_day(due)}")
        return 1.0, True
    reasons.append(f"délai {mt.days(total)} : trop tard pour l'échéance du {mt.french_day(due)}")
    return 0.0, False


def nearness(km: float | None, reasons: list[str]) -> float:
    if km is None:
        reasons.append("distance inconnue")
        return UNKNOWN
    reasons.append("à moins d'1 km" if km < 1 else f"à {mt.number(round(km))} km")
    if km <= NEAR_KM:
        return 1.0
    return max(0.0, 1 - (km - NEAR_KM) / (FAR_KM - NEAR_KM))


def area(department: str, body: Mapping[str, Any], km: float | None, reasons: list[str]) -> float:
    """Whether the need's place is in the offer's ``area`` (its departments, or its radius
    around the offer's place): 1 inside, 0 outside, 0.5 when no area is stated."""
    stated = body.get("area")
    departments = mt.strings(mt.member(stated, "departments"))
    radius = mt.count(mt.member(stated, "radius_km"))
    verdicts = []
    if departments and department:
        verdicts.append(department in departments)
    if radius and km is not None:
        verdicts.append(km <= radius)
    if not verdicts:
        return UNKNOWN
    if any(verdicts):
        reasons.append("dans sa zone d'intervention")
        return 1.0
    reasons.append("hors de sa zone d'intervention")
    return 0.0


#: The trust component by hops (``search.trust``): this node and the places it endorses 1,
#: a place it follows 0.8, two hops 0.6, three 0.4, further 0.2 (:data:`TRUST_FAR`);
#: unknown (None) 0.5.
TRUST_BY_HOPS = {0: 1.0, 1: 0.8, 2: 0.6, 3: 0.4}
TRUST_FAR = 0.2


def trust(hops: int | None, endorsed: bool, reasons: list[str]) -> float:
    """How close the candidate is in this node's trust graph, and the French reason."""
    if hops is None:
        return UNKNOWN
    reasons.append(trust_label(hops, endorsed))
    return 1.0 if endorsed else TRUST_BY_HOPS.get(hops, TRUST_FAR)
