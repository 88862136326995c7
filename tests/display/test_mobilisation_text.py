"""How an offer's ``mobilisable`` reads (bodies from peers: wrong types ignored)."""

from __future__ import annotations

import pytest

from node.display.record_text import listing, mobilisation

SAID = "Répond aux appels à mobilisation"


@pytest.mark.parametrize(
    ("mobilisable", "text"),
    [
        ({"capacity_per_week": 300, "unit": "pièces"}, f"{SAID} : jusqu'à 300 pièces par semaine"),
        ({"capacity_per_week": 1500}, f"{SAID} : jusqu'à 1\u202f500 par semaine"),
        ({}, SAID),
        ({"capacity_per_week": "300", "unit": 4}, SAID),
        ({"capacity_per_week": 0}, SAID),
        (True, ""),
        ("oui", ""),
    ],
)
def test_mobilisation_reads_in_french(mobilisable: object, text: str) -> None:
    assert mobilisation({"mobilisable": mobilisable}) == text


def test_an_offer_shows_it_on_its_card_and_page_a_need_does_not() -> None:
    body = {"title": "Visières", "mobilisable": {"capacity_per_week": 300, "unit": "pièces"}}
    offer = listing("did:key:z", "offer", "v", body)
    assert offer["short"][-1].startswith(SAID)
    assert offer["conditions"][-1] == ("Mobilisation", offer["mobilisable"])
    assert listing("did:key:z", "need", "v", body)["mobilisable"] == ""
