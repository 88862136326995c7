"""The body of an endorsement (col ``endorse``): a note, scopes, a name; rules in French."""

from __future__ import annotations

import pytest

from protocol import vocabulary as vocab
from protocol.records import Endorse, RecordError, record_to_body, validate_record


def test_an_endorsement_keeps_its_note_scopes_and_unknown_members() -> None:
    body = {"note": "Partenaire", "scopes": ["production.textile", "formation"], "since": "2020"}
    record = validate_record("endorse", body)
    assert isinstance(record, Endorse)
    assert record.scope_labels == ["Couture, textile", "Formation"]
    assert record_to_body(record) == body
    assert validate_record("endorse", {}) == Endorse()


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"note": "x" * 501}, "note"),
        ({"scopes": ["Pas Un Code"]}, "scopes[0]"),
        ({"scopes": ["formation"] * 21}, "scopes"),
        ({"note": 3}, "note"),
        ({"weight": 0.5}, "weight"),
    ],
)
def test_a_bad_endorsement_is_refused_in_french(body: dict, path: str) -> None:
    with pytest.raises(RecordError) as caught:
        validate_record("endorse", body)
    assert [p for p, _ in caught.value.errors] == [path]


def test_unknown_scopes_are_kept_and_shown_as_themselves() -> None:
    record = validate_record("endorse", {"scopes": ["soin.animaux"]})
    assert isinstance(record, Endorse) and record.scope_labels == ["soin.animaux"]


def test_networks_are_a_family_of_places() -> None:
    assert vocab.FAMILIES.label("reseau") == "Réseau de tiers-lieux"
