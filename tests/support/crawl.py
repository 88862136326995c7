"""A node holding a place with enough offers for its answers to be worth compressing, a
need, a listed place, and a stand-in index: what feed readers and crawlers are tested on."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from node.appkeys import KEY
from node.home import Node
from node.settings import Settings
from tests.support.pages import OFFERS, PROFILE, FakeIndex, offer_body, serve_with_index

#: Offers beyond the four of :data:`tests.support.pages.OFFERS`.
MORE_OFFERS = 20
NEED = {
    "title": "Tissu de coton pour masques",
    "description": "Nous cherchons du tissu de coton lavable pour coudre des masques.",
    "category": "production.textile",
    "quantity": 50,
    "unit": "mètres",
    "due_date": "2030-05-15",
    "urgency": "haute",
}
LISTED = {
    "name": "Atelier recensé de Bergerac",
    "summary": "Un atelier partagé recensé par le réseau.",
    "address": {"city": "Bergerac"},
    "provenance": {"source": "CGET", "licence": "Licence ouverte"},
}


def fill(node: Node) -> None:
    node.store.append_own(node.key, col="profile", rid="profile", body=PROFILE)
    for rid, title, category, pricing, price in OFFERS:
        body = offer_body(title, category, pricing, price)
        node.store.append_own(node.key, col="offer", rid=rid, body=body)
    for i in range(MORE_OFFERS):
        body = offer_body(f"Atelier numéro {i}", "formation.initiation", "gratuit", None)
        node.store.append_own(node.key, col="offer", rid=f"atelier-{i}", body=body)
    node.store.append_own(node.key, col="need", rid="tissu", body=NEED)
    node.store.append_own(node.key, col="need", rid="nu", body={"title": "Des bras"})
    node.store.append_own(node.key, col="listing", rid="atelier-bergerac", body=LISTED)


async def crawl_site(node: Node, **settings: object) -> TestClient:
    fill(node)
    loaded = Settings.load(node.settings.home, **settings) if settings else node.settings
    return await serve_with_index(loaded, lambda app: FakeIndex(app[KEY].did))
