"""What a page says of itself to search engines and link previews: ``<meta name=
"description">`` and the OpenGraph tags (og:title, og:description, og:type, og:url,
og:locale, og:site_name), rendered in the ``<head>`` of ``base.html``.

``og:url`` is the page's ``<link rel="canonical">`` when it has one (a place's own node),
else this page's address. Descriptions come from the record (a place's summary, else the
start of its description), else a French sentence; peer text is plain text here (the
template escapes it).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import SETTINGS
from node.federation.feed_routes import base_url

#: Characters of a description (search engines show about 155).
DESCRIPTION_CHARS = 160


def tags(request: web.Request, title: str, description: str) -> dict[str, str]:
    """The context of the head's meta tags for this page."""
    return {
        "title": title,
        "description": shorten(description),
        "type": "website",
        "url": base_url(request) + request.rel_url.path_qs,
        "site_name": f"Maillage · {request.app[SETTINGS].name}",
    }


def shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def search_page(request: web.Request, q: str, total: int | None) -> dict[str, str]:
    name = request.app[SETTINGS].name
    if not q:
        title = f"Annuaire des tiers-lieux · {name}"
        text = (
            f"Trouvez les tiers-lieux proches de chez vous sur le nœud {name} du réseau "
            "Maillage : fablabs, ateliers partagés, coworkings, repair cafés ; ce qu'ils "
            "proposent, ce qu'il leur faut, à quelles conditions."
        )
        return tags(request, title, text)
    found = "" if total is None else f"{total} résultat{'s' if total > 1 else ''} : "
    text = (
        f"Recherche « {q} » dans l'annuaire des tiers-lieux du nœud {name} : {found}"
        "offres, besoins et lieux, avec leurs conditions d'intervention."
    )
    return tags(request, f"{q} · Rechercher", text)


def place_page(request: web.Request, place: dict[str, Any]) -> dict[str, str]:
    where = f" à {place['city']}" if place.get("city") else ""
    text = (
        place.get("summary")
        or place.get("description")
        or f"{place['name']}, tiers-lieu{where} : ses offres, ses besoins et ses conditions "
        "d'intervention, dans l'annuaire Maillage."
    )
    return tags(request, place["name"], text)


def listing_page(request: web.Request, item: dict[str, Any], place: dict[str, Any]) -> dict:
    kind = item["col_label"] + (f" ({item['category_label']})" if item["category_label"] else "")
    text = item.get("description") or f"{kind} de {place['name']} dans l'annuaire Maillage."
    return tags(request, f"{item['title']} · {place['name']}", text)
