"""The ``blocklist`` record (SPEC §16): places by did with a reason, French errors."""

from __future__ import annotations

import pytest

from protocol import vocabulary as vocab
from protocol.records import Blocklist, RecordError, record_to_body, validate_record
from tests.support.samples import key

DID = key("listé").did


def test_a_list_keeps_its_places_and_unknown_members() -> None:
    body = {"title": "Faux lieux", "places": [{"did": DID, "reason": "usurpation"}], "v2": 1}
    record = validate_record("blocklist", body)
    assert isinstance(record, Blocklist) and record.places[0].did == DID
    assert record_to_body(record) == body
    assert record_to_body(validate_record("blocklist", {})) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"places": [{"did": "did:key:zPasUnDid"}]}, "places[0].did : doit être l'identifiant"),
        ({"places": [{"reason": "sans did"}]}, "places[0].did : champ obligatoire manquant"),
        ({"places": [{"did": DID, "reason": "x" * 201}]}, "places[0].reason"),
        ({"places": [{"did": DID}] * (vocab.BLOCKLIST_MAX_PLACES + 1)}, "places"),
        ({"places": "tous"}, "places"),
    ],
)
def test_a_bad_list_is_refused_in_french(body: dict, message: str) -> None:
    with pytest.raises(RecordError) as caught:
        validate_record("blocklist", body)
    assert message in str(caught.value)
