"""A small stand-in for the search index (``search(params) -> SearchResult``) and a few
French offers, for the tests of the pages, the feeds and the browser."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from node.app import create_app
from node.appkeys import SEARCH
from node.settings import Settings
from protocol import vocabulary as vocab
from search.model import Facet, Hit, Place, SearchParams, SearchResult

HOSTILE = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'

PROFILE = {
    "name": "Fablab de Périgueux",
    "summary": "Atelier de fabrication numérique ouvert à tous.",
    "families": ["fablab"],
    "address": {"street": "2 rue des Ateliers", "postcode": "24000", "city": "Périgueux"},
    "department": "24",
    "geo": {"lat": "45.1846", "lon": "0.7214"},
    "website": "https://fablab-perigueux.example.fr",
    "contact": {"email": "contact@fablab-perigueux.example.fr", "phone": "05 53 00 00 00"},
    "opening_hours": "Tu-Sa 10:00-18:00",
    "access": "public",
    "equipment": [{"type": "Découpeuse laser", "make": "Trotec", "quantity": 1}],
}

OFFERS = [
    ("laser", "Découpe laser sur bois et acrylique", "production.prototypage", "tarif", "25.00"),
    ("arduino", "Formation Arduino pour les jeunes", "formation.initiation", "gratuit", None),
    ("couture", "Couture en petite série", "production.textile", "devis", None),
    ("visieres", "Visières de protection, 500 pièces", "production.petite-serie", "tarif", "2.50"),
]


def offer_body(title: str, category: str, pricing: str, price: str | None) -> dict[str, Any]:
    conditions: dict[str, Any] = {
        "pricing": pricing,
        "limits": {"lead_time_days": 10},
        "audiences": ["collectivites", "entreprises"],
    }
    if price:
        conditions.update(price=price, unit="heure")
    return {
        "title": title,
        "description": f"{title} : nous accompagnons les projets du territoire.",
        "category": category,
        "tags": ["atelier"],
        "enjeux": ["transition-ecologique"],
        "conditions": conditions,
        "valid_until": "2030-06-30",
    }


class FakeIndex:
    """Matches when every word of ``q`` is in the title (case-insensitive)."""

    def __init__(self, did: str, place: str = "Fablab de Périgueux", extra: list[Hit] = ()):
        self.hits = [
            Hit(
                author=did,
                col="offer",
                rid=rid,
                title=title,
                snippet=f"<mark>{title.split()[0]}</mark> &amp; plus",
                place=Place(name=place, city="Périgueux", department="24", did=did),
                category=category,
                category_label=vocab.CATEGORIES.label(category),
                url=f"/lieux/{did}/offer/{rid}",
                updated="2026-11-27T08:00:00Z",
                valid_until="2030-06-30",
                body=offer_body(title, category, pricing, price),
            )
            for rid, title, category, pricing, price in OFFERS
        ] + list(extra)
        self.calls: list[SearchParams] = []

    @property
    def generation(self) -> int:
        """A new one after every search: answers of this fake are never reused
        (node.web.answer_cache), as each test changes its hits at will."""
        return len(self.calls)

    def claimants(self, author: str) -> dict[str, tuple[str, str]]:
        return {}

    def match(self, author: str, rid: str, **_: object) -> None:
        return None  # no need is matched here (tests/web/test_match_*.py use a real index)

    def needs_for_offer(self, author: str, rid: str, **_: object) -> list:
        return []

    def search(self, params: SearchParams, trust: object = None) -> SearchResult:
        self.calls.append(params)
        words = params.q.casefold().split()
        found = [
            h
            for h in self.hits
            if all(w in h.title.casefold() for w in words)
            and (params.category is None or h.category == params.category)
            and (params.col is None or h.col == params.col)
        ]
        start = (params.page - 1) * params.per_page
        counts: dict[str, int] = {}
        for h in found:
            counts[h.category] = counts.get(h.category, 0) + 1
        facets = {
            "category": [Facet(c, vocab.CATEGORIES.label(c), n) for c, n in counts.items()],
            "department": [Facet("24", "Dordogne", len(found))] if found else [],
            "enjeu": [],
        }
        suggestion = "laser" if not found and "lazer" in words else None
        return SearchResult(
            total=len(found),
            page=params.page,
            per_page=params.per_page,
            hits=found[start : start + params.per_page],
            facets=facets,
            suggestion=suggestion,
        )


def with_index(app: web.Application, make: Any) -> None:
    """Put ``make(app)`` under the search key once the app has started (after its own index)."""

    async def install(app: web.Application) -> None:
        app[SEARCH] = make(app)

    app.on_startup.append(install)


async def serve_with_index(settings: Settings, make: Any) -> TestClient:
    app = create_app(settings)
    with_index(app, make)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client
