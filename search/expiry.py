"""When a record stops being current: the one rule search, matches, pages and feeds share.

An offer or a need with a ``valid_until`` day is expired the day after it. A need is also
closed the day after its ``due_date``: nobody can serve it any more. Both are hidden by
default (search, matches, the urgent banner) and shown on request (``expired=1``,
« inclure les expirés »). Profiles and listings never expire. Bodies come from peers: a
member that is not a real ``AAAA-MM-JJ`` day is ignored, never an error.
"""

from __future__ import annotations

import datetime
from typing import Any

#: Collections whose records expire.
EXPIRING_COLS = frozenset({"offer", "need"})


def day_of(value: Any) -> datetime.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def last_day(col: str, body: Any) -> datetime.date | None:
    """The last day ``body`` is current (None: it does not expire)."""
    if col not in EXPIRING_COLS or not isinstance(body, dict):
        return None
    days = [day_of(body.get("valid_until"))]
    if col == "need":
        days.append(day_of(body.get("due_date")))
    known = [day for day in days if day is not None]
    return min(known) if known else None


def last_day_text(col: str, body: Any) -> str:
    """:func:`last_day` as ``AAAA-MM-JJ``, or "" (what the index stores and filters on)."""
    day = last_day(col, body)
    return "" if day is None else day.isoformat()


def is_expired(col: str, body: Any, today: datetime.date) -> bool:
    """True when ``body`` (of collection ``col``) is no longer current on ``today``."""
    day = last_day(col, body)
    return day is not None and day < today


def due_day_text(col: str, body: Any) -> str:
    """A need's ``due_date`` as ``AAAA-MM-JJ``, or "" (none, not a real day, not a need):
    the order « échéance » of a search."""
    day = day_of(body.get("due_date")) if col == "need" and isinstance(body, dict) else None
    return "" if day is None else day.isoformat()
