"""Records as a volunteer reads them in a terminal: French labels, French dates."""

from __future__ import annotations

import datetime
import json
from typing import Any

from node.cli.terminal import shown
from protocol import vocabulary as vocab

_PROFILE_FIELDS = {
    "name",
    "summary",
    "description",
    "families",
    "address",
    "department",
    "region",
    "geo",
    "website",
    "contact",
    "opening_hours",
    "access",
    "equipment",
    "node_urls",
    "status",
}


def french_date(text: str) -> str:
    """``"2026-12-31"`` → ``"31/12/2026"`` (anything else is returned unchanged)."""
    try:
        return datetime.date.fromisoformat(text).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return str(text)


def validity(valid_until: Any, feminine: bool, today: datetime.date | None = None) -> str:
    """How long a listing stays valid, in words."""
    if not valid_until:
        return "sans date de fin"
    try:
        expired = datetime.date.fromisoformat(valid_until) < (today or datetime.date.today())
    except (TypeError, ValueError):
        expired = False
    if expired:
        return f"expiré{'e' if feminine else ''} depuis le {french_date(valid_until)}"
    return f"valable jusqu'au {french_date(valid_until)}"


def listing_line(rid: str, body: dict[str, Any] | None, feminine: bool) -> str:
    """One line: rid — title — category label — validity."""
    if body is None:
        return f"{shown(rid)} — (contenu retiré)"
    title = " ".join(str(body.get("title", "(sans titre)")).split())
    category = body.get("category")
    label = vocab.CATEGORIES.label(category) if isinstance(category, str) else "(sans catégorie)"
    parts = [rid, title, label]
    if body.get("due_date"):  # a need: when it is wanted says more than how long it stays
        parts.append(f"pour le {french_date(body['due_date'])}")
    if body.get("valid_until") or not body.get("due_date"):
        parts.append(validity(body.get("valid_until"), feminine))
    return shown(" — ".join(parts))


def profile_lines(body: dict[str, Any]) -> list[str]:
    """The profile of a place, one labelled line per field it fills."""
    from protocol.records import RecordError, validate_record  # pydantic: only when shown

    try:
        validate_record("profile", body)
    except RecordError:
        return [json.dumps(body, ensure_ascii=False, indent=2)]
    lines: list[str] = []

    def add(label: str, value: Any) -> None:
        if value:
            lines.append(shown(f"{label} : {value}"))

    add("Nom", body.get("name"))
    add("Résumé", body.get("summary"))
    add("Types de lieu", ", ".join(vocab.FAMILIES.labels(body.get("families", []))))
    address = body.get("address") or {}
    town = " ".join(p for p in (address.get("postcode"), address.get("city")) if p)
    place = ", ".join(p for p in (address.get("street"), town) if p)
    if address.get("insee_code"):
        place += f" (code commune {address['insee_code']})"
    add("Adresse", place)
    add("Département", body.get("department"))
    add("Région", body.get("region"))
    geo = body.get("geo") or {}
    add("Coordonnées", geo and f"latitude {geo.get('lat')}, longitude {geo.get('lon')}")
    add("Site web", body.get("website"))
    contact = body.get("contact") or {}
    add(
        "Contact", " · ".join(contact[k] for k in ("name", "email", "phone", "url") if k in contact)
    )
    add("Horaires", body.get("opening_hours"))
    add("Accès", body.get("access") and vocab.ACCESS.label(body["access"]))
    add("État", body.get("status") and vocab.STATUSES.label(body["status"]))
    for item in body.get("equipment", []):
        words = [item.get("type"), item.get("make"), item.get("model")]
        count = f" × {item['quantity']}" if item.get("quantity") else ""
        add("Équipement", " ".join(w for w in words if w) + count)
    add("Adresses du nœud", ", ".join(body.get("node_urls", [])))
    for name in sorted(set(body) - _PROFILE_FIELDS):
        add(f"{name} (champ libre)", json.dumps(body[name], ensure_ascii=False))
    if body.get("description"):
        lines.append("Description :")
        lines.extend(f"  {shown(line)}" for line in str(body["description"]).splitlines())
    return lines
