"""A live node with places in and out of the map, for the map's tests (GeoJSON, /carte, the
browser): a fablab in Périgueux with four offers, three unclaimed listings with a position
(Nontron and Bordeaux in metropolitan France, Saint-Denis de La Réunion overseas) and one
without."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.support.live_nodes import LiveNode, until
from tests.support.pages import OFFERS, PROFILE, offer_body


def listing(name: str, city: str, department: str, geo: dict[str, str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "families": ["tiers-lieu-rural"],
        "address": {"city": city},
        "department": department,
        "provenance": {"source": "Recensement de test", "licence": "Licence Ouverte 2.0"},
    }
    if geo is not None:
        body["geo"] = geo
    return body


LISTINGS = {
    "grange": listing("La Grange numérique", "Nontron", "24", {"lat": "45.5294", "lon": "0.6618"}),
    "bordeaux": listing("Atelier Bastide", "Bordeaux", "33", {"lat": "44.8378", "lon": "-0.5792"}),
    "reunion": listing("Kaz Lab", "Saint-Denis", "974", {"lat": "-20.8823", "lon": "55.4504"}),
    "nulle-part": listing("Atelier sans adresse", "Libourne", "33", None),
}
#: What the whole node holds: 1 profile + 4 offers + 4 listings; all but one located, and
#: one of the located (La Réunion) off the map of metropolitan France.
TOTAL, LOCATED, ON_MAP = 9, 8, 7


async def map_node(root: Path, **settings: Any) -> LiveNode:
    node = await LiveNode(root, "Fablab de Périgueux", **settings).start()
    await node.put("profile", PROFILE, col="profile")
    for rid, title, category, pricing, price in OFFERS:
        await node.put(rid, offer_body(title, category, pricing, price))
    for rid, body in LISTINGS.items():
        await node.put(rid, body, col="listing")

    async def indexed() -> bool:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{node.url}/api/search") as answer,
        ):
            return answer.status == 200 and (await answer.json())["total"] == TOTAL

    await until(indexed, timeout=20, what="the records in the index")
    return node
