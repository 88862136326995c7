"""A small corpus of three places for the search tests: profiles, offers and needs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from node.store.database import Store
from protocol.entries import Entry
from protocol.keys import SigningKey

PLACES: dict[str, dict[str, Any]] = {
    "perigueux": {
        "name": "La Fabrique du Périgord",
        "summary": "Fablab associatif au cœur de Périgueux.",
        "address": {"city": "Périgueux"},
        "department": "24",
        "region": "75",
        "geo": {"lat": "45.1846", "lon": "0.7214"},
    },
    "bordeaux": {
        "name": "Le Hangar Numérique",
        "summary": "Tiers-lieu bordelais : couture, électronique et formations.",
        "address": {"city": "Bordeaux"},
        "department": "33",
        "region": "75",
        "geo": {"lat": "44.8378", "lon": "-0.5792"},
    },
    "lyon": {
        "name": "Atelier Partagé des Pentes",
        "summary": "Repair café et atelier vélo.",
        "address": {"city": "Lyon"},
        "department": "69",
        "region": "84",
        "geo": {"lat": "45.7640", "lon": "4.8357"},
    },
}

# (place, col, rid, ts, body)
LISTINGS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    (
        "perigueux",
        "offer",
        "laser",
        "2024-03-01T10:00:00Z",
        {
            "title": "Découpes au laser",
            "description": "Découpe laser de contreplaqué, medium et plexiglas jusqu'à 60 × 40 cm.",
            "category": "production.prototypage",
            "tags": ["découpe laser", "bois"],
            "enjeux": ["transition-ecologique"],
            "conditions": {"pricing": "tarif", "price": "25.00", "unit": "heure"},
        },
    ),
    (
        "perigueux",
        "offer",
        "impression",
        "2024-03-05T10:00:00Z",
        {
            "title": "Impressions 3D",
            "description": "Impression de pièces en PLA et PETG, petites séries.",
            "category": "production.petite-serie",
            "enjeux": ["resilience-crise", "transition-ecologique"],
        },
    ),
    (
        "perigueux",
        "need",
        "elastique",
        "2024-03-02T10:00:00Z",
        {
            "title": "Élastique pour 500 visières",
            "description": "Nous cherchons de l'élastique plat pour fabriquer des visières.",
            "category": "production.textile",
            "enjeux": ["resilience-crise"],
        },
    ),
    (
        "bordeaux",
        "offer",
        "couture",
        "2024-02-01T10:00:00Z",
        {
            "title": "Couture en petite série",
            "description": "Confection de sacs et de masques en tissu, sur mesure.",
            "category": "production.textile",
            "enjeux": ["emploi-insertion"],
            "conditions": {"pricing": "devis"},
        },
    ),
    (
        "bordeaux",
        "offer",
        "arduino",
        "2024-04-01T10:00:00Z",
        {
            "title": "Formation Arduino pour les jeunes",
            "description": "Initiation à l'électronique et à la programmation, de 12 à 17 ans.",
            "category": "formation.initiation",
            "enjeux": ["jeunesse-education", "inclusion-numerique"],
        },
    ),
    (
        "bordeaux",
        "offer",
        "atelier",
        "2024-01-15T10:00:00Z",
        {
            "title": "L'atelier électronique du mercredi",
            "description": "Soudure, réparation de cartes, oscilloscope.",
            "category": "accueil.acces-libre",
            "enjeux": ["inclusion-numerique"],
        },
    ),
    (
        "lyon",
        "offer",
        "velos",
        "2024-05-01T10:00:00Z",
        {
            "title": "Réparation de vélos",
            "description": "Atelier d'autoréparation de vélos, outils et conseils.",
            "category": "production.reparation",
            "enjeux": ["mobilite-teletravail", "transition-ecologique"],
            "conditions": {"pricing": "prix-libre"},
        },
    ),
]


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The test's own great-circle distance (km), independent of the index's."""
    r = 6371.0088
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


def coordinates(place: str) -> tuple[float, float]:
    geo = PLACES[place]["geo"]
    return float(geo["lat"]), float(geo["lon"])


def fill(store: Store) -> tuple[dict[str, SigningKey], list[Entry]]:
    """Write the corpus into ``store``; the key of each place and the entries written."""
    keys = {place: SigningKey.generate() for place in PLACES}
    entries = []
    for place, body in PLACES.items():
        entries.append(
            store.append_own(
                keys[place], col="profile", rid="profile", body=body, ts="2024-01-01T00:00:00Z"
            )
        )
    for place, col, rid, ts, body in LISTINGS:
        entries.append(store.append_own(keys[place], col=col, rid=rid, body=body, ts=ts))
    return keys, entries


def new_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.sqlite3")
