"""schema.org JSON-LD of the pages: Place or LocalBusiness, Offer, Demand, ItemList.

Built as dicts and serialised with :func:`json.dumps`; :func:`dumps` then escapes ``<``,
``>`` and ``&`` as ``\\u003c``… so that no peer text can close the ``<script>`` element
(a ``</script>`` in a title stays inert data). The values are those of
:mod:`node.display.record_text`.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

CONTEXT = "https://schema.org"


def dumps(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` element, safe inside HTML."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    raw = raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(raw.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def place(view: dict[str, Any], base: str, offers: list[dict[str, Any]] = (), needs=()) -> dict:
    """A place: LocalBusiness when it has an address or coordinates, else Place."""
    located = bool(view["street"] or view["city"] or view["lat"])
    address = _clean(
        {
            "@type": "PostalAddress",
            "streetAddress": view["street"],
            "postalCode": view["postcode"],
            "addressLocality": view["city"],
            "addressCountry": "FR" if view["city"] or view["postcode"] else None,
        }
    )
    geo = None
    if view["lat"] and view["lon"]:
        geo = {"@type": "GeoCoordinates", "latitude": view["lat"], "longitude": view["lon"]}
    return _clean(
        {
            "@context": CONTEXT,
            "@type": "LocalBusiness" if located else "Place",
            "@id": base + view["url"],
            "url": base + view["url"],
            "name": view["name"],
            "description": view["summary"] or view["description"],
            "address": address if len(address) > 1 else None,
            "geo": geo,
            "openingHours": view["opening_hours"],
            "sameAs": view["website"],
            "email": (view["email"] or "").removeprefix("mailto:"),
            "telephone": view["phone_text"],
            "makesOffer": [_ref("Offer", item, base) for item in offers],
            "seeks": [_ref("Demand", item, base) for item in needs],
        }
    )


def _ref(kind: str, item: dict[str, Any], base: str) -> dict[str, Any]:
    return {"@type": kind, "@id": base + item["url"], "name": item["title"]}


def listing(item: dict[str, Any], body: dict[str, Any], owner: dict[str, Any], base: str) -> dict:
    """An offer (Offer, offered by the place) or a need (Demand, sought by the place)."""
    conditions = body.get("conditions") if isinstance(body.get("conditions"), dict) else {}
    price = conditions.get("price") if isinstance(conditions.get("price"), str) else None
    unit = conditions.get("unit") if isinstance(conditions.get("unit"), str) else None
    spec = None
    if price:
        spec = _clean(
            {
                "@type": "UnitPriceSpecification",
                "price": price,
                "priceCurrency": "EUR",
                "unitText": unit,
            }
        )
    party = {"@type": "Place", "@id": base + owner["url"], "name": owner["name"]}
    valid = body.get("valid_until") if isinstance(body.get("valid_until"), str) else None
    data = {
        "@context": CONTEXT,
        "@type": "Demand" if item["col"] == "need" else "Offer",
        "@id": base + item["url"],
        "url": base + item["url"],
        "name": item["title"],
        "description": item["description"],
        "category": item["category_label"],
        "keywords": ", ".join(item["tags"]),
        "priceSpecification": spec,
        "validThrough": valid,
        "areaServed": owner["city"],
    }
    if item["col"] == "need":
        data["@reverse"] = {"seeks": party}
    else:
        data["offeredBy"] = party
    return _clean(data)


def item_list(cards: list[dict[str, Any]], base: str, first: int, total: int) -> dict:
    """Search results as an ItemList of ListItems (position counts from the first page)."""
    return {
        "@context": CONTEXT,
        "@type": "ItemList",
        "numberOfItems": total,
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": first + i,
                "url": base + card["url"],
                "name": card["title"],
            }
            for i, card in enumerate(cards)
        ],
    }
