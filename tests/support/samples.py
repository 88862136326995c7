"""Small builders shared by the tests."""

from __future__ import annotations

import hashlib
from typing import Any

from protocol.entries import Entry
from protocol.keys import SigningKey
from protocol.signing import sign_log

TS = "2026-11-27T08:00:00Z"


def key(label: str) -> SigningKey:
    """A fixed key per label: tests are reproducible."""
    return SigningKey.from_seed(hashlib.sha256(label.encode()).digest())


def chain(signer: SigningKey, bodies: list[tuple[str, str, dict[str, Any] | None]]) -> list[Entry]:
    """Entries seq 1..n of ``signer``; a None body makes a del."""
    return sign_log(signer, bodies, ts=TS)


OFFER = {
    "title": "Découpe laser sur bois et acrylique",
    "description": "Notre découpeuse laser (CO2, 60 W) découpe et grave bois, carton, acrylique.",
    "category": "production.prototypage",
    "tags": ["laser", "bois", "acrylique"],
    "enjeux": ["transition-ecologique"],
    "conditions": {"pricing": "tarif", "price": "25.00", "unit": "heure"},
}
