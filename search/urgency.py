"""Which needs are urgent: the one rule the push hub, the banner and the urgent feed share.

A need is urgent when its ``urgency`` is ``haute`` or ``critique`` and it is still current
(:func:`search.expiry.is_expired`: its ``due_date`` and ``valid_until`` are today or later).
Such a need is pushed ahead of other pending pushes (``node.federation.push_hub``) and
shown in the « Besoins urgents » banner and feed of every node that holds it
(``node.web.urgent``). A need of ordinary urgency (``faible``, ``normale``, none) gets
neither. Bodies come from peers: anything that is not a dict or a known code is not urgent.
"""

from __future__ import annotations

import datetime
from typing import Any

from search.expiry import is_expired, last_day

#: The urgent levels, most urgent first (the banner's order).
URGENT_LEVELS = ("critique", "haute")


def is_urgent(col: str, body: Any, today: datetime.date) -> bool:
    """True when ``body`` (of collection ``col``) is an urgent need still current on
    ``today``."""
    return (
        col == "need"
        and isinstance(body, dict)
        and body.get("urgency") in URGENT_LEVELS
        and not is_expired(col, body, today)
    )


def order_key(body: dict[str, Any]) -> tuple[int, datetime.date]:
    """How urgent needs are ordered: ``critique`` before ``haute``, then the soonest last
    day first (a need without one comes last of its level)."""
    level = URGENT_LEVELS.index(body["urgency"]) if body.get("urgency") in URGENT_LEVELS else 2
    return level, last_day("need", body) or datetime.date.max
