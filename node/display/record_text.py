"""What the pages show of a record: plain dicts of French text, built from untrusted bodies.

Bodies come from peers and may be malformed or hostile: every accessor here checks types and
falls back to nothing, links are kept only with a safe scheme (http, https, mailto, tel), and
the templates escape every value. Nothing here touches the network or the store.
"""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

from markupsafe import Markup, escape

from protocol import geography
from protocol import vocabulary as vocab

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
_URL = re.compile(r"https?://[^\s/?#@<>\"']+[^\s<>\"']*", re.ASCII)
_EMAIL = re.compile(r"[^\s@<>\"':/]+@[^\s@<>\"':/]+\.[^\s@<>\"':/]+")
_PHONE = re.compile(r"\+?[0-9][0-9 .()-]{3,28}[0-9]")
_MARK = re.compile(r"(</?mark>)")
LISTING_COLS = ("offer", "need", "listing")
COL_LABELS = {"offer": "Offre", "need": "Besoin", "listing": "Lieu recensé", "profile": "Lieu"}


def text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def texts(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def safe_url(value: object) -> str | None:
    """``value`` when it is an http(s) URL without anything odd in it, else None."""
    url = text(value)
    return url if _URL.fullmatch(url) else None


def mailto(value: object) -> str | None:
    email = text(value)
    return f"mailto:{email}" if _EMAIL.fullmatch(email) else None


def tel(value: object) -> str | None:
    phone = text(value)
    return "tel:" + re.sub(r"[^0-9+]", "", phone) if _PHONE.fullmatch(phone) else None


def french_date(value: object) -> str:
    """``2026-06-30`` → ``30 juin 2026`` (the text itself when it is not a date)."""
    raw = text(value)[:10]
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return text(value)
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def expired(value: object, today: datetime.date | None = None) -> bool:
    try:
        day = datetime.date.fromisoformat(text(value)[:10])
    except ValueError:
        return False
    return day < (today or datetime.date.today())


def number(value: int) -> str:
    """``1123`` → ``1 123``: thousands apart by a narrow no-break space, as in French."""
    return f"{value:,}".replace(",", "\u202f")


def price(value: object) -> str:
    """``"25.00"`` → ``25,00 €``."""
    raw = text(value)
    return f"{raw.replace('.', ',')} €" if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", raw) else ""


def snippet(value: str) -> Markup:
    """The index's highlighted snippet, re-escaped: only ``<mark>`` and ``</mark>`` survive."""
    parts, depth = [], 0
    for part in _MARK.split(value or ""):
        if part == "<mark>" and depth == 0:
            parts.append(part)
            depth = 1
        elif part == "</mark>" and depth == 1:
            parts.append(part)
            depth = 0
        elif part not in ("<mark>", "</mark>"):
            parts.append(str(escape(html.unescape(part))))
    if depth:
        parts.append("</mark>")
    return Markup("".join(parts))


def plain(value: str) -> str:
    """The snippet as plain text (for Atom summaries)."""
    return html.unescape(_MARK.sub("", value or ""))


def conditions_short(body: dict[str, Any]) -> list[str]:
    """Conditions of intervention in a few words each, for a result card."""
    conditions = mapping(body.get("conditions"))
    out = []
    pricing = text(conditions.get("pricing"))
    amount = price(conditions.get("price"))
    unit = text(conditions.get("unit"))
    if pricing or amount:
        parts = [vocab.PRICING.label(pricing)] if pricing else []
        if amount:
            parts.append(amount + (f" ({vocab.PRICE_UNITS.label(unit).lower()})" if unit else ""))
        out.append(" · ".join(parts))
    lead = whole(mapping(conditions.get("limits")).get("lead_time_days"))
    if lead is not None:
        out.append(f"Délai : {lead} jour{'s' if lead > 1 else ''}")
    audiences = vocab.AUDIENCES.labels(texts(conditions.get("audiences")))
    if audiences:
        out.append("Pour : " + ", ".join(audiences))
    return out


def conditions_full(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Every condition of intervention as (French label, value) rows."""
    conditions = mapping(body.get("conditions"))
    rows: list[tuple[str, str]] = []

    def add(label: str, value: str | None) -> None:
        if value:
            rows.append((label, value))

    pricing = text(conditions.get("pricing"))
    add("Tarification", vocab.PRICING.label(pricing) if pricing else None)
    add("Prix", price(conditions.get("price")))
    unit = text(conditions.get("unit"))
    add("Unité", vocab.PRICE_UNITS.label(unit) if unit else None)
    limits = mapping(conditions.get("limits"))
    for key, label, one, many in (
        ("min_quantity", "Quantité minimale", "", ""),
        ("max_quantity", "Quantité maximale", "", ""),
        ("lead_time_days", "Délai de réalisation", " jour", " jours"),
        ("notice_days", "Prévenir", " jour à l'avance", " jours à l'avance"),
    ):
        count = whole(limits.get(key))
        add(label, None if count is None else f"{number(count)}{one if count < 2 else many}")
    people = mapping(conditions.get("people_available"))
    hours = text(people.get("hours_per_month"))
    add("Temps disponible", f"{hours.replace('.', ',')} h par mois" if hours else None)
    for key, label in (("volunteers", "Bénévoles"), ("paid_staff", "Salariés")):
        count = whole(people.get(key))
        add(label, None if count is None else number(count))
    add("Proposition de valeur", text(conditions.get("value_proposition")))
    add("Publics", ", ".join(vocab.AUDIENCES.labels(texts(conditions.get("audiences")))))
    channel = text(conditions.get("channel"))
    add("Modalité", vocab.CHANNELS.label(channel) if channel else None)
    area = mapping(body.get("area"))
    departments = [geography.department_label(d) for d in texts(area.get("departments"))]
    add("Départements", ", ".join(departments))
    radius = whole(area.get("radius_km"))
    add("Rayon d'intervention", None if radius is None else f"{radius} km autour du lieu")
    return rows


def mobilisation(body: dict[str, Any]) -> str:
    """An offer's ``mobilisable`` in French (« Répond aux appels à mobilisation : jusqu'à
    300 pièces par semaine »), or "" when it does not say it (or says it with a wrong type)."""
    if not isinstance(body.get("mobilisable"), dict):
        return ""
    said = body["mobilisable"]
    capacity = whole(said.get("capacity_per_week"))
    if capacity is None or capacity < 1:
        return "Répond aux appels à mobilisation"
    unit = text(said.get("unit"))[:40]
    amount = f"{number(capacity)} {unit}" if unit else number(capacity)
    return f"Répond aux appels à mobilisation : jusqu'à {amount} par semaine"


def listing(author: str, col: str, rid: str, body: dict[str, Any] | None) -> dict[str, Any]:
    """An offer, a need or a listing, ready for a template."""
    body = body or {}
    mobilisable = mobilisation(body) if col == "offer" else ""
    category = text(body.get("category"))
    quantity = whole(body.get("quantity"))
    urgency = text(body.get("urgency"))
    return {
        "author": author,
        "col": col,
        "col_label": COL_LABELS.get(col, col),
        "rid": rid,
        "url": f"/lieux/{author}/{col}/{rid}",
        "title": text(body.get("title")) or text(body.get("name")) or rid,
        "description": text(body.get("description")),
        "category": category,
        "category_label": vocab.CATEGORIES.label(category) if category else "",
        "tags": texts(body.get("tags")),
        "enjeux": vocab.ENJEUX.labels(texts(body.get("enjeux"))),
        "short": conditions_short(body) + ([mobilisable] if mobilisable else []),
        "conditions": conditions_full(body)
        + ([("Mobilisation", mobilisable)] if mobilisable else []),
        "mobilisable": mobilisable,
        "valid_until": french_date(body.get("valid_until")),
        "expired": expired(body.get("valid_until")),
        "quantity": f"{quantity} {text(body.get('unit'))}".strip() if quantity else "",
        "due_date": french_date(body.get("due_date")),
        "urgency": vocab.URGENCIES.label(urgency) if urgency else "",
        "withheld": not body,
    }


def place_short(body: dict[str, Any]) -> list[str]:
    """A place in short, for a search card: its kinds, then its street address."""
    address = mapping(body.get("address"))
    families = ", ".join(vocab.FAMILIES.labels(texts(body.get("families"))))
    street = text(address.get("street"))
    town = " ".join(t for t in (text(address.get("postcode")), text(address.get("city"))) if t)
    where = ", ".join(t for t in (street, town) if t) if street else ""
    return [line for line in (families, where) if line]


def place(did: str, profile: dict[str, Any] | None) -> dict[str, Any]:
    """A place's profile, ready for a template (links only with a safe scheme)."""
    body = profile or {}
    address = mapping(body.get("address"))
    contact = mapping(body.get("contact"))
    geo = mapping(body.get("geo"))
    access = text(body.get("access"))
    status = text(body.get("status"))
    equipment = []
    for item in body.get("equipment") or []:
        item = mapping(item)
        name = text(item.get("type"))
        if name:
            detail = " ".join(t for t in (text(item.get("make")), text(item.get("model"))) if t)
            count = whole(item.get("quantity"))
            equipment.append({"type": name, "detail": detail, "quantity": count})
    return {
        "did": did,
        "url": f"/lieux/{did}",
        "name": text(body.get("name")) or ("Lieu sans nom" if profile else "Nœud sans profil"),
        "given_name": text(body.get("name")),  # the name itself, never a placeholder
        "claimed": bool(profile),
        "summary": text(body.get("summary")),
        "description": text(body.get("description")),
        "families": vocab.FAMILIES.labels(texts(body.get("families"))),
        "street": text(address.get("street")),
        "postcode": text(address.get("postcode")),
        "city": text(address.get("city")),
        "department": text(body.get("department")),
        "lat": text(geo.get("lat")),
        "lon": text(geo.get("lon")),
        "opening_hours": text(body.get("opening_hours")),
        "access": vocab.ACCESS.label(access) if access else "",
        "status": vocab.STATUSES.label(status) if status else "",
        "equipment": equipment,
        "website": safe_url(body.get("website")),
        "contact_name": text(contact.get("name")),
        "email": mailto(contact.get("email")),
        "phone": tel(contact.get("phone")),
        "phone_text": text(contact.get("phone")),
        "contact_url": safe_url(contact.get("url")),
        "node_urls": [u for u in map(safe_url, texts(body.get("node_urls"))) if u],
    }
