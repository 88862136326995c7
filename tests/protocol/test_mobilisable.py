"""An offer may say it answers calls for mobilisation: ``mobilisable`` (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protocol.records import Offer, RecordError, parse_record, record_to_body, validate_record

OFFER = {"title": "Visières en PETG", "category": "production.petite-serie"}
EXAMPLE = Path(__file__).parents[2] / "docs" / "exemples" / "offre.json"


def test_mobilisable_with_a_capacity_and_a_unit() -> None:
    body = {**OFFER, "mobilisable": {"capacity_per_week": 300, "unit": "pièces"}}
    offer = validate_record("offer", body)
    assert isinstance(offer, Offer) and offer.mobilisable is not None
    assert offer.mobilisable.capacity_per_week == 300
    assert record_to_body(offer) == body


def test_presence_alone_means_yes_and_absence_no() -> None:
    offer = validate_record("offer", {**OFFER, "mobilisable": {}})
    assert isinstance(offer, Offer) and offer.mobilisable is not None
    plain = validate_record("offer", OFFER)
    assert isinstance(plain, Offer) and plain.mobilisable is None


@pytest.mark.parametrize(
    ("mobilisable", "path", "message"),
    [
        ({"capacity_per_week": 0}, "mobilisable.capacity_per_week", "supérieur ou égal à 1"),
        ({"capacity_per_week": 2.5}, "mobilisable.capacity_per_week", "nombre entier"),
        ({"capacity_per_week": "300"}, "mobilisable.capacity_per_week", "nombre entier"),
        ({"unit": "x" * 41}, "mobilisable.unit", "40 caractères"),
        (True, "mobilisable", "objet JSON"),
    ],
)
def test_bad_values_are_said_in_french(mobilisable: object, path: str, message: str) -> None:
    with pytest.raises(RecordError) as caught:
        validate_record("offer", {**OFFER, "mobilisable": mobilisable})
    problems = dict(caught.value.errors)
    assert message in problems[path]


def test_a_need_keeps_it_as_an_unknown_member() -> None:
    need = parse_record("need", {**OFFER, "mobilisable": {"capacity_per_week": 3}})
    assert need is not None and not hasattr(type(need), "mobilisable")


def test_the_documented_example_is_mobilisable() -> None:
    offer = validate_record("offer", json.loads(EXAMPLE.read_text("utf-8")))
    assert isinstance(offer, Offer) and offer.mobilisable is not None
