"""From a stored record to the fields of its search document.

Bodies come from peers: every member is read defensively (a wrong type is ignored, never an
error). The place of an offer or need (name, town, department, region, coordinates) comes
from its author's profile; a profile or listing is its own place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson

from protocol import vocabulary as vocab
from protocol.geography import DEPARTMENTS, REGIONS
from protocol.state import Record
from search.claims import claim_value
from search.expiry import due_day_text, last_day_text
from search.schema import PLACE_COLS, TEXT_FIELD, TEXT_PARTS, doc_key


@dataclass(frozen=True)
class PlaceInfo:
    name: str = ""
    city: str = ""
    department: str = ""
    region: str = ""
    lat: float | None = None
    lon: float | None = None


NO_PLACE = PlaceInfo()


def _str(value: Any, limit: int = 20_000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _member(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def _coordinate(value: Any, bound: float) -> float | None:
    try:
        number = float(value) if isinstance(value, str) and len(value) < 40 else None
    except ValueError:
        return None
    if number is None or not math.isfinite(number) or abs(number) > bound:
        return None
    return number


def place_of(body: dict[str, Any] | None) -> PlaceInfo:
    """The place described by a profile (or listing) body."""
    if not isinstance(body, dict):
        return NO_PLACE
    geo = body.get("geo")
    lat = _coordinate(_member(geo, "lat"), 90)
    lon = _coordinate(_member(geo, "lon"), 180)
    if lat is None or lon is None:
        lat = lon = None
    return PlaceInfo(
        name=_str(body.get("name"), 200),
        city=_str(_member(body.get("address"), "city"), 100),
        department=_str(body.get("department"), 3),
        region=_str(body.get("region"), 2),
        lat=lat,
        lon=lon,
    )


def shown(col: str, rid: str, body: dict[str, Any]) -> tuple[str, str]:
    """The title and the description of a record, as its document indexes them and its hit
    shows them (a hit reads them from the stored body rather than from fields of their own)."""
    if col in PLACE_COLS:
        description = "\n".join(
            part for part in (_str(body.get("summary")), _str(body.get("description"))) if part
        )
        return _str(body.get("name"), 200) or rid, description
    return _str(body.get("title"), 200) or rid, _str(body.get("description"))


def make_document(record: Record, ts: str, place: PlaceInfo) -> dict[str, Any]:
    """The fields of ``record``'s document (its body must not be withheld)."""
    body = record.body if isinstance(record.body, dict) else {}
    title, description = shown(record.col, record.rid, body)
    if record.col in PLACE_COLS:
        place = place_of(body)
        category = ""
        families = [f for f in _strings(body.get("families")) if "," not in f and f]
        extra = vocab.FAMILIES.labels(_strings(body.get("families")))
        extra += [f"{e.get('type', '')} {e.get('make', '')}" for e in _equipment(body)]
        tags: list[str] = []
        enjeux: list[str] = []
    else:
        families = []
        category = _str(body.get("category"), 64)
        tags = _strings(body.get("tags"))
        enjeux = [e for e in _strings(body.get("enjeux")) if "," not in e and e]
        conditions = body.get("conditions")
        pricing = _str(_member(conditions, "pricing"), 64)
        extra = vocab.ENJEUX.labels(enjeux)
        extra += vocab.AUDIENCES.labels(_strings(_member(conditions, "audiences")))
        if pricing:
            extra.append(vocab.PRICING.label(pricing))
        extra.append(_str(_member(conditions, "value_proposition"), 2000))
    category_label = vocab.CATEGORIES.label(category) if category else ""
    geo = "" if place.lat is None else f"{place.lat},{place.lon}"
    parts = {
        "title": title,
        "tags": " ".join(tags),
        "category_label": category_label,
        "description": description,
        "place_name": place.name,
        "city": place.city,
        "area": f"{DEPARTMENTS.get(place.department, '')} {REGIONS.get(place.region, '')}".strip(),
        "extra": " ".join(extra),
    }
    doc: dict[str, Any] = {
        "key": doc_key(record.author, record.col, record.rid),
        "author": record.author,
        "col": record.col,
        "rid": record.rid,
        TEXT_FIELD: [(parts[name], weight) for name, weight in TEXT_PARTS.items() if parts[name]],
        "category": category,
        "enjeux": ",".join(enjeux),
        "families": ",".join(families),
        "place_name": place.name,
        "city": place.city,
        "department": place.department,
        "region": place.region,
        "geo": geo,
        "updated": ts,
        "valid_until": _str(body.get("valid_until"), 10),
        "expires": last_day_text(record.col, body),
        "due": due_day_text(record.col, body),
        "body": orjson.dumps(body),
    }
    if record.col in PLACE_COLS:
        doc["claim"] = claim_value(record.author, body)
    if place.lat is not None:
        doc["lat"] = place.lat
        doc["lon"] = place.lon
    return doc


def _equipment(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("equipment")
    return [e for e in items if isinstance(e, dict)] if isinstance(items, list) else []


def ts_of_line(line: bytes | None) -> str:
    """The ``ts`` of an entry line's header ("" when unknown)."""
    if not line:
        return ""
    try:
        header = orjson.loads(line).get("header", {})
    except orjson.JSONDecodeError:
        return ""
    return ts_of_value(header.get("ts"))


def ts_of_value(value: Any) -> str:
    """A header's ``ts`` as a document keeps it ("" when it is not a string)."""
    return _str(value, 20)
