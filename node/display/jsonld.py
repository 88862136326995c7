"""schema.org JSON-LD of the pages: LocalBusiness or Organization, Offer, Demand, ItemList.

A place is a ``LocalBusiness`` (an Organization and a Place) when it has an address,
coordinates or opening hours, else an ``Organization``: either can offer (``makesOffer``,
``offeredBy``), seek (``seeks``) and follow (``agent``, ``followee``), which schema.org
gives to an Organization or a Person only. An offer is an ``Offer`` and a need a ``Demand``;
what is offered or sought is a ``Service`` (its ``serviceType`` is the common-core category,
its ``category`` the tags: ``keywords`` belongs to CreativeWork). The same place has an
``@id`` on every node that shows it; its did is its ``identifier`` (a ``PropertyValue``) and
``sameAs`` names its page on its own node (:mod:`node.display.identity`).

Built as dicts and serialised with :func:`json.dumps`; :func:`dumps` then escapes ``<``,
``>`` and ``&`` as ``\\u003c``… so that no peer text can close the ``<script>`` element
(a ``</script>`` in a title stays inert data). The values are those of
:mod:`node.display.record_text`.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from node.display import identity

CONTEXT = "https://schema.org"


def dumps(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` element, safe inside HTML."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    raw = raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(raw.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def place_type(view: dict[str, Any]) -> str:
    """LocalBusiness when the place is somewhere (address, coordinates, opening hours)."""
    located = view["street"] or view["city"] or view["lat"] or view["opening_hours"]
    return "LocalBusiness" if located else "Organization"


def did_identifier(did: str) -> dict[str, str]:
    return {"@type": "PropertyValue", "propertyID": "did", "value": did}


def place(
    view: dict[str, Any],
    base: str,
    offers: list[dict[str, Any]] = (),
    needs=(),
    *,
    members: list[dict[str, Any]] = (),
    networks: list[dict[str, Any]] = (),
) -> dict:
    """A place (a profile, or a listing when ``view["url"]`` is the listing's page); its page
    on its own node (:func:`identity.own_url`) is in ``sameAs`` when it is not this one.
    A network's ``members`` (the places it endorses) are its schema.org ``member``, and the
    networks that endorse a place its ``memberOf`` (each ``{"did", "name", "url"}``)."""
    is_listing = view["url"] != f"/lieux/{view['did']}"  # a listing is not its publisher
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
    page = base + view["url"]
    canonical = identity.own_url(base, view["url"], view)
    same_as = [url for url in (canonical, view["website"]) if url and url != page]
    return _clean(
        {
            "@context": CONTEXT,
            "@type": place_type(view),
            "@id": page,
            "url": page,
            "name": view["given_name"],
            "identifier": None if is_listing else did_identifier(view["did"]),
            "description": view["summary"] or view["description"],
            "address": address if len(address) > 1 else None,
            "geo": geo,
            "openingHours": view["opening_hours"],
            "sameAs": same_as,
            "email": (view["email"] or "").removeprefix("mailto:"),
            "telephone": view["phone_text"],
            "makesOffer": [_ref("Offer", item, base) for item in offers],
            "seeks": [_ref("Demand", item, base) for item in needs],
            "member": [_organization(m, base) for m in members],
            "memberOf": [_organization(n, base) for n in networks],
        }
    )


def _organization(item: dict[str, Any], base: str) -> dict[str, Any]:
    """A member or a network, by its page, its name and its did."""
    return {
        "@type": "Organization",
        "@id": base + item["url"],
        "name": item["name"],
        "identifier": did_identifier(item["did"]),
    }


def party(view: dict[str, Any], base: str) -> dict[str, Any]:
    """A place as the party of an offer, a need or a follow: typed, named, identified."""
    return _clean(
        {
            "@type": place_type(view),
            "@id": base + view["url"],
            "name": view["given_name"],
            "identifier": did_identifier(view["did"]),
        }
    )


def _ref(kind: str, item: dict[str, Any], base: str) -> dict[str, Any]:
    return {"@type": kind, "@id": base + item["url"], "name": item["title"]}


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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
    valid = body.get("valid_until") if isinstance(body.get("valid_until"), str) else None
    need = item["col"] == "need"
    service = _clean(
        {
            "@type": "Service",
            "name": item["title"],
            "serviceType": item["category_label"],
            "category": item["tags"],
        }
    )
    quantity = _whole(body.get("quantity")) if need else None
    amount = None
    if quantity is not None:
        unit_text = body.get("unit") if isinstance(body.get("unit"), str) else None
        amount = _clean({"@type": "QuantitativeValue", "value": quantity, "unitText": unit_text})
    data = {
        "@context": CONTEXT,
        "@type": "Demand" if need else "Offer",
        "@id": base + item["url"],
        "url": base + item["url"],
        "name": item["title"],
        "description": item["description"],
        "category": None if need else item["category_label"],
        "itemOffered": service,
        "eligibleQuantity": amount,
        "priceSpecification": spec,
        "validThrough": valid,
        "areaServed": owner["city"],
    }
    canonical = identity.own_url(base, item["url"], owner)
    if canonical != data["url"]:
        data["sameAs"] = canonical
    if need:
        data["@reverse"] = {"seeks": party(owner, base)}
    else:
        data["offeredBy"] = party(owner, base)
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
