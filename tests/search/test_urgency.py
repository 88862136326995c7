"""The rule of an urgent need: ``haute`` or ``critique``, and still current."""

from __future__ import annotations

import datetime

import pytest

from search.urgency import is_urgent, order_key

TODAY = datetime.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("col", "body", "urgent"),
    [
        ("need", {"urgency": "critique", "due_date": "2026-12-11"}, True),
        ("need", {"urgency": "haute", "due_date": "2026-12-02"}, True),  # today included
        ("need", {"urgency": "haute"}, True),  # no date: current
        ("need", {"urgency": "haute", "due_date": "2026-12-01"}, False),  # yesterday
        ("need", {"urgency": "critique", "valid_until": "2026-11-30"}, False),
        ("need", {"urgency": "normale", "due_date": "2026-12-11"}, False),
        ("need", {"urgency": "faible"}, False),
        ("need", {"due_date": "2026-12-11"}, False),
        ("need", {"urgency": ["critique"]}, False),  # a peer's odd body
        ("need", None, False),
        ("need", "critique", False),
        ("offer", {"urgency": "critique"}, False),
    ],
)
def test_which_needs_are_urgent(col: str, body: object, urgent: bool) -> None:
    assert is_urgent(col, body, TODAY) is urgent


def test_most_urgent_then_soonest_first() -> None:
    bodies = [
        {"urgency": "haute", "due_date": "2026-12-05"},
        {"urgency": "critique"},
        {"urgency": "critique", "due_date": "2026-12-20"},
        {"urgency": "haute", "due_date": "2026-12-03"},
    ]
    ordered = sorted(bodies, key=order_key)
    assert ordered == [bodies[2], bodies[1], bodies[3], bodies[0]]
