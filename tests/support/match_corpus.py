"""The issue's case for the matching tests: 500 visors within 10 days in Dordogne.

A town hall in Périgueux needs 500 visors by 11 December (``TODAY`` is 1 December); places
near and far offer to make them, with different capacities, lead times and validity dates.
"""

from __future__ import annotations

import datetime
from typing import Any

from aiohttp.test_utils import TestClient

from node.appkeys import WRITER
from node.home import Node
from node.store.database import Store
from protocol.keys import SigningKey
from tests.support.http_servers import serve
from tests.support.samples import key

TODAY = datetime.date(2026, 12, 1)
TS = "2026-11-30T08:00:00Z"


def _place(name: str, city: str, department: str, lat: str, lon: str, **more: Any) -> dict:
    return {
        "name": name,
        "address": {"city": city},
        "department": department,
        "geo": {"lat": lat, "lon": lon},
        **more,
    }


PLACES: dict[str, dict[str, Any]] = {
    "mairie": _place("Mairie de Périgueux", "Périgueux", "24", "45.1846", "0.7214"),
    "proche": _place("Fablab de Boulazac", "Boulazac", "24", "45.1766", "0.7706"),
    "mobile": _place("Atelier de Mussidan", "Mussidan", "24", "45.0353", "0.3622"),
    "partiel": _place("Atelier de Sarlat", "Sarlat-la-Canéda", "24", "44.8897", "1.2166"),
    "lent": _place("Ressourcerie de Bergerac", "Bergerac", "24", "44.8510", "0.4820"),
    "loin": _place("Fablab de Lille", "Lille", "59", "50.6292", "3.0573"),
    "nontron": _place("Tiers-lieu de Nontron", "Nontron", "24", "45.5290", "0.6618"),
    "thiviers": _place(
        "Coworking de Thiviers", "Thiviers", "24", "45.4157", "0.9196",
        summary="Coworking rural ; en 2020 nous avons imprimé des visières.",
    ),
    "ferme": _place(
        "Fablab fermé d'Excideuil", "Excideuil", "24", "45.3372", "1.0478", status="ferme"
    ),
}  # fmt: skip

NEED = {
    "title": "500 visières de protection sous 10 jours",
    "description": "Pour les agents d'accueil de la mairie et des écoles.",
    "category": "production.petite-serie",
    "tags": ["visière", "protection"],
    "quantity": 500,
    "unit": "pièces",
    "due_date": "2026-12-11",
    "urgency": "critique",
    "area": {"departments": ["24"]},
}


def _offer(title: str, category: str, limits: dict[str, int], **more: Any) -> dict[str, Any]:
    return {
        "title": title,
        "description": f"{title}, pour les collectivités et les entreprises.",
        "category": category,
        "conditions": {"pricing": "devis", "limits": limits},
        "valid_until": "2027-06-30",
        **more,
    }


PETITE_SERIE = "production.petite-serie"
# (place, rid, body)
OFFERS: list[tuple[str, str, dict[str, Any]]] = [
    ("proche", "visieres", _offer(
        "Visières de protection en petite série", PETITE_SERIE,
        {"max_quantity": 1000, "lead_time_days": 3, "notice_days": 2},
        area={"departments": ["24"]},
    )),
    ("mobile", "appels", _offer(
        "Fabrication de visières à la demande", PETITE_SERIE, {"lead_time_days": 1},
        mobilisable={"capacity_per_week": 400, "unit": "visières"},
    )),
    ("partiel", "impression", _offer(
        "Impression 3D de visières", "production.prototypage",
        {"max_quantity": 200, "lead_time_days": 2},
    )),
    ("lent", "visieres", _offer(
        "Visières en série", PETITE_SERIE, {"max_quantity": 1000, "lead_time_days": 15},
    )),
    ("loin", "visieres", _offer(
        "Visières de protection", PETITE_SERIE, {"max_quantity": 5000, "lead_time_days": 3},
        area={"departments": ["59"]},
    )),
    ("nontron", "visieres", _offer(
        "Visières de protection", PETITE_SERIE, {"max_quantity": 1000, "lead_time_days": 2},
        valid_until="2026-11-15",
    )),
    ("nontron", "cuisine", _offer("Cours de cuisine", "formation.initiation", {})),
    ("ferme", "visieres", _offer(
        "Visières de protection", PETITE_SERIE, {"max_quantity": 1000, "lead_time_days": 2},
    )),
]  # fmt: skip

#: The order /api/match must answer (author label, rid).
EXPECTED = [
    ("proche", "visieres"),
    ("mobile", "appels"),
    ("loin", "visieres"),
    ("partiel", "impression"),
    ("lent", "visieres"),
    ("thiviers", "profile"),
]


def keys() -> dict[str, SigningKey]:
    return {place: key(f"match-{place}") for place in PLACES}


def fill(store: Store, *, own: SigningKey | None = None) -> dict[str, SigningKey]:
    """Write the case into ``store`` (the town hall's feed signed with ``own`` if given: the
    node's own key); the key of each place."""
    signers = keys()
    if own is not None:
        signers["mairie"] = own
    for place, body in PLACES.items():
        store.append_own(signers[place], col="profile", rid="profile", body=body, ts=TS)
    store.append_own(signers["mairie"], col="need", rid="visieres", body=NEED, ts=TS)
    for place, rid, body in OFFERS:
        store.append_own(signers[place], col="offer", rid=rid, body=body, ts=TS)
    return signers


async def serve_case(node: Node, monkeypatch: Any) -> tuple[TestClient, dict[str, SigningKey]]:
    """``node`` (the town hall's own node) holding the case, served, its clock at ``TODAY``
    (``node.web.match_api.today``, the one clock of the match routes); client and keys."""
    from node.web import match_api

    monkeypatch.setattr(match_api, "today", lambda: TODAY)
    keys = fill(node.store, own=node.key)
    client = await serve(node.settings)
    await client.app[WRITER].catch_up()
    return client, keys
