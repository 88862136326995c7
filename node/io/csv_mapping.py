"""From one row of a CSV file of places to the body of a ``listing`` record.

A :class:`Mapping` says which CSV column feeds which field, and what to credit (source,
licence, date). :data:`CGET_2019` is the mapping of the 2019 census of tiers-lieux (CGET,
Mission Coworking); :func:`load_mapping` reads one from a JSON file (format documented in
``docs/import.md``). :func:`row_to_listing` builds and checks a body, or raises
:class:`RowError` with the reason in French.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from protocol import vocabulary as vocab
from protocol.header import RID_RE
from protocol.records import RecordError, validate_record

FIELDS = (
    "source_id", "name", "summary", "description", "street", "postcode", "city", "insee_code",
    "department", "region", "lat", "lon", "website", "families",
)  # fmt: skip
LABELS = {
    "name": "nom",
    "summary": "résumé",
    "description": "description",
    "address.street": "adresse",
    "address.postcode": "code postal",
    "address.city": "commune",
    "address.insee_code": "code commune INSEE",
    "department": "département",
    "region": "région",
    "geo.lat": "latitude",
    "geo.lon": "longitude",
    "website": "site web",
    "provenance.source": "source",
    "provenance.date": "date de la source",
}
_BARE_DOMAIN = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:/\S*)?")
_URL = re.compile(r"https?://[^\s/?#@]+\S*", re.IGNORECASE)


class MappingError(ValueError):
    """The mapping file cannot be used; the message says why, in French."""


class RowError(ValueError):
    """A row cannot become a listing; the message says why, in French."""


@dataclass(frozen=True)
class Mapping:
    """Where each field comes from (field → CSV columns, the first non-empty wins)."""

    columns: dict[str, tuple[str, ...]]
    source: str
    prefix: str
    licence: str | None = None
    date: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    families: dict[str, list[str]] = field(default_factory=dict)

    def value(self, row: dict[str, str | None], name: str) -> str:
        for column in self.columns.get(name, ()):
            text = (row.get(column) or "").strip()
            if text:
                return text
        return ""

    def missing_columns(self, header: list[str]) -> list[str]:
        """Columns named by the mapping that the CSV header lacks (one of a list suffices)."""
        return [
            " ou ".join(columns)
            for columns in self.columns.values()
            if not any(column in header for column in columns)
        ]


CGET_2019 = Mapping(
    columns={
        "source_id": ("ID",),
        "name": ("NOM_TL",),
        "street": ("ADRESSE",),
        "postcode": ("CP",),
        "city": ("NOMCOM", "COMINIT"),
        "insee_code": ("INSEECOM",),
        "department": ("INSEEDEP",),
        "region": ("INSEEREG",),
        "lat": ("LAT",),
        "lon": ("LONG",),
        "website": ("WEB",),
        "families": ("TYPO",),
    },
    source="CGET — Mission Coworking, données du 13 juin 2019",
    licence="Licence Ouverte / Open Licence 2.0",
    date="2019-06-13",
    prefix="cget-2019",
)


def load_mapping(path: Path) -> Mapping:
    """The mapping described by the JSON file at ``path``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"impossible de lire {path} : {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(f"{path} n'est pas un fichier JSON valide : {exc}") from None
    if not isinstance(data, dict):
        raise MappingError(f"{path} doit contenir un objet JSON {{ … }}")
    known = {"columns", "source", "prefix", "licence", "date", "delimiter", "encoding", "families"}
    if unknown := sorted(set(data) - known):
        raise MappingError(f"clé inconnue dans {path} : {', '.join(unknown)}")
    for key in ("source", "prefix"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise MappingError(f"« {key} » est obligatoire dans {path} (du texte)")
    if not RID_RE.fullmatch(f"{data['prefix']}-1"):
        raise MappingError("« prefix » : lettres, chiffres, points, tirets seulement")
    columns = data.get("columns")
    if not isinstance(columns, dict):
        raise MappingError(f"« columns » est obligatoire dans {path} : champ → colonne")
    if unknown := sorted(set(columns) - set(FIELDS)):
        raise MappingError(f"champ inconnu dans « columns » : {', '.join(unknown)}")
    for required in ("source_id", "name"):
        if required not in columns:
            raise MappingError(f"« columns » doit indiquer la colonne de « {required} »")
    parsed: dict[str, tuple[str, ...]] = {}
    for name, spec in columns.items():
        names = [spec] if isinstance(spec, str) else spec
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise MappingError(f"« columns.{name} » : un nom de colonne, ou une liste de noms")
        parsed[name] = tuple(names)
    families = data.get("families", {})
    if not isinstance(families, dict) or not all(
        isinstance(codes, list) and all(vocab.is_valid_code(c) for c in codes)
        for codes in families.values()
    ):
        raise MappingError('« families » : valeur du fichier → liste de codes, ex. ["fablab"]')
    options = {k: data[k] for k in ("licence", "date", "delimiter", "encoding") if k in data}
    if not all(isinstance(v, str) for v in options.values()):
        raise MappingError("« licence », « date », « delimiter », « encoding » : du texte")
    if len(options.get("delimiter", ",")) != 1:
        raise MappingError('« delimiter » doit être un seul caractère, par exemple ";"')
    return Mapping(
        columns=parsed,
        source=data["source"].strip(),
        prefix=data["prefix"],
        families={_fold(k): v for k, v in families.items()},
        **options,
    )


def _fold(text: str) -> str:
    """Lowercase, without accents, hyphens as spaces: for matching family names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_text.lower().replace("-", " ").split())


def families_of(text: str, table: dict[str, list[str]] | None = None) -> list[str]:
    """Family codes named in ``text`` ("Tiers lieux à dominante fablab" → ``["fablab"]``)."""
    table = table or {}
    found: list[str] = []
    items = [text] if _fold(text) in table else re.split(r"[,;|/]", text)
    for item in items:
        folded = _fold(item)
        if not folded:
            continue
        codes = table.get(folded) or [c for c in vocab.FAMILIES if f" {_fold(c)} " in f" {folded} "]
        codes = codes or [c for c, label in vocab.FAMILIES.items() if _fold(label) == folded]
        if not codes and vocab.is_valid_code(item.strip()):
            codes = [item.strip()]  # a code this version does not know: kept
        found += [c for c in codes if c not in found]
    return found


def normalise_website(text: str) -> str | None:
    """A web address from ``text`` (a bare domain gets ``https://``); None if there is none."""
    for token in re.split(r"[\s|]+", text.strip()):
        if _URL.fullmatch(token):
            scheme, rest = token.split("://", 1)
            return f"{scheme.lower()}://{rest}"
        if "@" not in token and _BARE_DOMAIN.fullmatch(token):
            return f"https://{token}"
    return None


def _code(text: str, width: int) -> str | None:
    """A code column: blank or all zeros means unknown; lost leading zeros are restored."""
    if not text.strip("0"):
        return None
    return text.zfill(width) if text.isdigit() and len(text) < width else text


def _decimal(text: str, label: str) -> str:
    try:
        number = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise RowError(f"{label} illisible : « {text} »") from None
    if not number.is_finite():
        raise RowError(f"{label} illisible : « {text} »")
    return format(number, "f")


def _geo(lat: str, lon: str) -> dict[str, str] | None:
    if not lat and not lon:
        return None
    if not lat or not lon:
        raise RowError("coordonnées incomplètes : latitude et longitude vont ensemble")
    geo = {"lat": _decimal(lat, "latitude"), "lon": _decimal(lon, "longitude")}
    if Decimal(geo["lat"]) == 0 and Decimal(geo["lon"]) == 0:
        return None  # 0, 0 is "not geocoded", not a place in the Gulf of Guinea
    return geo


def row_to_listing(row: dict[str, Any], mapping: Mapping) -> tuple[str, dict[str, Any], str]:
    """``(rid, body, note)`` for one CSV row; ``note`` tells what was left out, or is ``""``.

    Raises :class:`RowError` when the row cannot be a listing (no id, no name, coordinates
    or codes that break the rules…).
    """
    value = mapping.value
    source_id = value(row, "source_id")
    if not source_id:
        raise RowError("identifiant manquant")
    rid = f"{mapping.prefix}-{source_id}"
    if not RID_RE.fullmatch(rid):
        raise RowError(f"identifiant « {source_id} » : lettres, chiffres, . _ : - seulement")
    body: dict[str, Any] = {"name": value(row, "name")}
    if not body["name"]:
        raise RowError("nom du lieu manquant")
    for name in ("summary", "description"):
        if text := value(row, name):
            body[name] = text
    body["families"] = families_of(value(row, "families"), mapping.families)
    address = {
        "street": value(row, "street"),
        "postcode": _code(value(row, "postcode"), 5),
        "city": value(row, "city"),
        "insee_code": _code(value(row, "insee_code"), 5),
    }
    if address := {k: v for k, v in address.items() if v}:
        body["address"] = address
    for name, width in (("department", 2), ("region", 2)):
        if code := _code(value(row, name), width):
            body[name] = code
    if geo := _geo(value(row, "lat"), value(row, "lon")):
        body["geo"] = geo
    note = ""
    if raw := value(row, "website"):
        website = normalise_website(raw)
        if website:
            body["website"] = website
        else:
            note = f"site web ignoré : « {raw} »"
    body["status"] = "actif"
    provenance = {"source": mapping.source, "licence": mapping.licence, "date": mapping.date}
    body["provenance"] = {k: v for k, v in provenance.items() if v} | {"source_id": source_id}
    try:
        validate_record("listing", body)
    except RecordError as exc:
        reasons = [f"{LABELS.get(path, path)} : {message}" for path, message in exc.errors]
        raise RowError(" ; ".join(reasons)) from None
    return rid, body, note
