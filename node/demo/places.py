"""Sample places for ``make demo``: realistic French profiles, offers and needs."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
EXAMPLES = HERE.parent.parent / "docs" / "exemples"


def _example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _in_days(days: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def _offer(title: str, category: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "category": category, "description": description, **extra}


PLACES: list[dict[str, Any]] = [
    {
        "name": "La Fabrique du Périgord",
        "profile": lambda: json.loads((HERE / "perigord-profil.json").read_text("utf-8")),
        "records": lambda: [
            ("offer", _example("offre.json")),
            # due in two weeks whenever the demo runs: its banner and matches always show
            ("need", {**_example("besoin.json"), "due_date": _in_days(14)}),
            (
                "offer",
                _offer(
                    "Formation Arduino pour les jeunes",
                    "formation.initiation",
                    "Ateliers du mercredi pour les 11-17 ans : capteurs, moteurs et premiers "
                    "programmes, en petits groupes de huit.",
                    tags=["arduino", "électronique", "jeunesse"],
                    enjeux=["jeunesse-education", "inclusion-numerique"],
                    conditions={
                        "pricing": "adhesion",
                        "audiences": ["citoyens"],
                        "channel": "sur-place",
                    },
                ),
            ),
        ],
    },
    {
        "name": "L'Établi Bordelais",
        "profile": lambda: {
            "name": "L'Établi Bordelais",
            "summary": "Atelier partagé de couture et de menuiserie au cœur de Bordeaux.",
            "families": ["atelier-partage", "coworking"],
            "address": {
                "street": "4 quai des Chartrons",
                "postcode": "33000",
                "city": "Bordeaux",
                "insee_code": "33063",
            },
            "department": "33",
            "region": "75",
            "geo": {"lat": "44.8526", "lon": "-0.5693"},
            "access": "public",
            "status": "actif",
        },
        "records": lambda: [
            (
                "offer",
                _offer(
                    "Couture petite série sur mesure",
                    "production.textile",
                    "Confection de 50 à 500 pièces textiles (sacs, tabliers, masques) par notre "
                    "atelier de six couturières, sur patron fourni ou conçu avec vous.",
                    tags=["couture", "textile", "petite série", "masques"],
                    enjeux=["emploi-insertion", "resilience-crise"],
                    conditions={
                        "pricing": "devis",
                        "limits": {"min_quantity": 50, "max_quantity": 500, "lead_time_days": 10},
                        "audiences": ["entreprises", "collectivites", "associations"],
                        "channel": "sur-place",
                    },
                ),
            ),
            (
                "offer",
                _offer(
                    "Postes de coworking à la journée",
                    "accueil.coworking",
                    "Douze postes lumineux, fibre, salle de réunion, café : à la journée "
                    "ou au mois.",
                    tags=["coworking", "télétravail"],
                    enjeux=["mobilite-teletravail"],
                    conditions={
                        "pricing": "tarif",
                        "price": "15.00",
                        "unit": "jour",
                        "audiences": ["citoyens", "entreprises"],
                        "channel": "sur-place",
                    },
                ),
            ),
        ],
    },
    {
        "name": "Repair Café de Nontron",
        "profile": lambda: {
            "name": "Repair Café de Nontron",
            "summary": "Réparer ensemble plutôt que jeter : petit électroménager, vélos, textile.",
            "families": ["repair-cafe", "tiers-lieu-rural"],
            "address": {
                "street": "Place Paul Bert",
                "postcode": "24300",
                "city": "Nontron",
                "insee_code": "24311",
            },
            "department": "24",
            "region": "75",
            "geo": {"lat": "45.5290", "lon": "0.6617"},
            "access": "public",
            "status": "actif",
        },
        "records": lambda: [
            (
                "offer",
                _offer(
                    "Réparation de petit électroménager et de vélos",
                    "production.reparation",
                    "Chaque premier samedi du mois, des bénévoles réparent avec vous grille-pain, "
                    "lampes, vélos et vêtements. Prix libre.",
                    tags=["réparation", "réemploi", "vélo", "électroménager"],
                    enjeux=["transition-ecologique", "revitalisation-rurale"],
                    conditions={
                        "pricing": "prix-libre",
                        "audiences": ["citoyens"],
                        "channel": "sur-place",
                    },
                ),
            ),
            (
                "need",
                {
                    "title": "Bénévoles pour l'atelier vélo",
                    "category": "production.reparation",
                    "description": "Nous cherchons deux ou trois personnes à l'aise avec la "
                    "mécanique vélo, un samedi par mois.",
                    "enjeux": ["revitalisation-rurale"],
                    "urgency": "normale",
                },
            ),
        ],
    },
]
