"""Realistic signed feeds for benchmarks: French offers of a few dozen places."""

from __future__ import annotations

import hashlib
import random

from protocol.entries import Entry
from protocol.keys import SigningKey
from protocol.signing import sign_log

WORDS = [
    "atelier",
    "fabrication",
    "découpe",
    "laser",
    "impression",
    "3D",
    "bois",
    "métal",
    "textile",
    "couture",
    "réparation",
    "électronique",
    "arduino",
    "formation",
    "initiation",
    "jeunes",
    "adultes",
    "association",
    "collectivité",
    "entreprise",
    "prototype",
    "petite",
    "série",
    "visière",
    "masque",
    "matériel",
    "machine",
    "accompagnement",
    "numérique",
    "médiation",
    "inclusion",
    "transition",
    "écologique",
    "réemploi",
    "recyclage",
    "low-tech",
    "coworking",
    "salle",
    "réunion",
    "événement",
    "animation",
    "territoire",
    "rural",
    "commune",
    "département",
    "bénévoles",
    "adhérents",
    "tarif",
    "devis",
    "gratuit",
    "prix",
    "libre",
    "délai",
    "semaine",
    "jour",
    "heure",
    "pièce",
]
CATEGORIES = (
    "production.prototypage",
    "production.petite-serie",
    "formation.initiation",
    "accueil.coworking",
    "production.reparation",
    "production.textile",
)


def offer_body(rng: random.Random, i: int) -> dict:
    def sentence(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    return {
        "title": sentence(5)[:-1],
        "description": " ".join(sentence(rng.randint(8, 16)) for _ in range(rng.randint(4, 9))),
        "category": rng.choice(CATEGORIES),
        "tags": rng.sample(WORDS, 4),
        "enjeux": ["transition-ecologique", "emploi-insertion"][: rng.randint(1, 2)],
        "conditions": {
            "pricing": "tarif",
            "price": f"{rng.randint(5, 90)}.00",
            "unit": "heure",
            "limits": {"lead_time_days": rng.randint(1, 30), "max_quantity": rng.randint(1, 500)},
            "audiences": ["citoyens", "associations", "entreprises"][: rng.randint(1, 3)],
            "channel": "sur-place",
        },
        "area": {"departments": [f"{rng.randint(1, 95):02d}"]},
        "valid_until": "2027-06-30",
    }


def make_feeds(authors: int, per_author: int, seed: int = 1) -> list[Entry]:
    """``authors`` chains of ``per_author`` offer puts each, interleaved."""
    rng = random.Random(seed)
    feeds: list[list[Entry]] = []
    for a in range(authors):
        key = SigningKey.from_seed(hashlib.sha256(f"bench-{seed}-{a}".encode()).digest())
        records = [("offer", f"offre-{i}", offer_body(rng, i)) for i in range(per_author)]
        entries = sign_log(key, records, ts="2026-11-27T08:00:00Z")
        feeds.append(entries)
    return [feed[i] for i in range(per_author) for feed in feeds]
