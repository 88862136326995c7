"""What matching reads of a body, defensively, and the French it writes.

Bodies come from peers: every member is read with a type check, a wrong type is absent
(never an error), as :mod:`search.documents` does. The text terms are the index's own
(:class:`search.analysis.FastAnalyzer`: the same French stems the index holds), weighed
like the index's combined field: a title word three, a tag two, the rest one.
"""

from __future__ import annotations

import datetime
from typing import Any

from protocol import vocabulary as vocab
from search.analysis import FastAnalyzer
from search.expiry import day_of as day  # noqa: F401  (re-exported: one reading of a day)

_FAST = FastAnalyzer()
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
#: How much a word of each part of a record counts (as in ``search.schema.TEXT_PARTS``).
TITLE, TAG, TEXT = 3, 2, 1
#: The stems of a need that are matched on (its title and tags first): a long description
#: does not make a query of hundreds of words.
MAX_NEED_TERMS = 40


def text(value: Any, limit: int = 20_000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def member(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def count(value: Any) -> int | None:
    """A non-negative integer of a body (a bool, a float, a string: unknown)."""
    if type(value) is int and 0 <= value <= 2**53 - 1:
        return value
    return None


def limits(body: dict[str, Any]) -> dict[str, int | None]:
    """``conditions.limits`` of an offer: min/max quantity, lead time and notice (days)."""
    found = member(member(body, "conditions"), "limits")
    names = ("min_quantity", "max_quantity", "lead_time_days", "notice_days")
    return {name: count(member(found, name)) for name in names}


def mobilisable(body: dict[str, Any]) -> tuple[int, str] | None:
    """``mobilisable: {"capacity_per_week", "unit"}`` of an offer (it answers calls)."""
    found = body.get("mobilisable")
    per_week = count(member(found, "capacity_per_week"))
    if not isinstance(found, dict) or per_week is None:
        return None
    return per_week, text(member(found, "unit"), 40)


def record_parts(col: str, body: dict[str, Any]) -> list[tuple[str, int]]:
    """The texts of a record that matching compares, with their weights."""
    if col in ("profile", "listing"):
        families = " ".join(vocab.FAMILIES.labels(strings(body.get("families"))))
        equipment = body.get("equipment")
        tools = [
            f"{text(member(e, 'type'), 200)} {text(member(e, 'make'), 200)}"
            for e in (equipment if isinstance(equipment, list) else [])
            if isinstance(e, dict)
        ]
        return [
            (text(body.get("name"), 200), TITLE),
            (families, TAG),
            (" ".join(tools), TAG),
            (text(body.get("summary"), 2000), TEXT),
            (text(body.get("description")), TEXT),
        ]
    return [
        (text(body.get("title"), 200), TITLE),
        (" ".join(strings(body.get("tags"))), TAG),
        (text(body.get("description")), TEXT),
    ]


def terms(col: str, body: dict[str, Any]) -> dict[str, int]:
    """Each stem of the record, with the weight of its best part (title 3, tag 2, text 1)."""
    out: dict[str, int] = {}
    for part, weight in record_parts(col, body):
        if part:
            for term, _pos in _FAST.terms(part)[0]:
                if out.get(term, 0) < weight:
                    out[term] = weight
    return out


def need_terms(body: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """The stems of a need (at most :data:`MAX_NEED_TERMS`, title and tags first), each
    with its weight and the word as the need writes it (what a reason quotes)."""
    out: dict[str, tuple[int, str]] = {}
    for part, weight in record_parts("need", body):
        for term, start, end in _FAST.spans(part):
            if term not in out and len(out) < MAX_NEED_TERMS:
                out[term] = (weight, part[start:end].lower())
    return out


def number(value: int) -> str:
    """``1000`` → ``1 000``: thousands apart by a narrow no-break space (U+202F), as the
    pages write them (``node.display.record_text.number``)."""
    return f"{value:,}".replace(",", "\u202f")


def french_day(value: datetime.date) -> str:
    """``2026-12-11`` → ``11 décembre`` (a due date is near: its year goes without saying)."""
    return f"{'1er' if value.day == 1 else value.day} {MONTHS[value.month - 1]}"


def days(value: int) -> str:
    return f"{number(value)} jour{'s' if value > 1 else ''}"


def quantity(value: int, unit: str) -> str:
    return f"{number(value)} {unit}".strip()
