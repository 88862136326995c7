"""Record bodies (the ``body`` of a ``put`` entry), as pydantic models.

Collections ``profile``, ``offer``, ``need`` and ``follow`` have a model here. Field names
are English, values are French vocabulary codes (see :mod:`protocol.vocabulary`). Rules:

* no floats: decimals are strings (``"25.00"``), integers stay within ±(2^53−1);
* forward compatibility: unknown members are kept (``extra="allow"``) and unknown vocabulary
  codes are kept as long as their syntax is that of a code;
* records of collections this version does not know are *not* modelled: :func:`parse_record`
  and :func:`validate_record` return ``None`` for them, and the node keeps their bodies as
  plain dicts (still signed, stored, replicated and served unchanged).

:func:`validate_record` reports problems as :class:`RecordError`, a list of
``(field_path, message_fr)`` written for a volunteer, e.g.
``conditions.price : doit être un nombre décimal écrit en texte, par exemple "25.00"``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from protocol import vocabulary as vocab
from protocol.record_parts import (
    Address,
    Area,
    Conditions,
    Contact,
    DateString,
    DepartmentCode,
    Equipment,
    Geo,
    RecordPart,
    RegionCode,
    Url,
    code,
    integer,
    text,
)

__all__ = [
    "RECORD_MODELS",
    "Follow",
    "Listing",
    "Need",
    "Offer",
    "Profile",
    "RecordError",
    "french_errors",
    "parse_record",
    "record_to_body",
    "validate_record",
]

Description = text(20_000)
Tag = text(64, required=True)


class Profile(RecordPart):
    """The profile of a place (collection ``profile``, rid ``profile``)."""

    name: text(200, required=True)
    summary: text(280) | None = None
    description: Description | None = None
    families: Annotated[list[code("fablab")], Field(max_length=20)] = Field(default_factory=list)
    address: Address | None = None
    department: DepartmentCode | None = None
    region: RegionCode | None = None
    geo: Geo | None = None
    website: Url | None = None
    contact: Contact | None = None
    opening_hours: text(1000) | None = None  # OpenStreetMap opening_hours syntax, not parsed
    access: code("public") | None = None
    equipment: Annotated[list[Equipment], Field(max_length=500)] = Field(default_factory=list)
    node_urls: Annotated[list[Url], Field(max_length=20)] = Field(default_factory=list)
    status: code("actif") | None = None

    @property
    def family_labels(self) -> list[str]:
        """French labels of :attr:`families` (unknown codes shown as themselves)."""
        return vocab.FAMILIES.labels(self.families)

    @property
    def access_label(self) -> str | None:
        """French label of :attr:`access`."""
        return None if self.access is None else vocab.ACCESS.label(self.access)

    @property
    def status_label(self) -> str | None:
        """French label of :attr:`status`."""
        return None if self.status is None else vocab.STATUSES.label(self.status)


class Listing(RecordPart):
    """The shape shared by offers and needs."""

    title: text(200, required=True)
    description: Description | None = None
    category: code("production.prototypage")
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(default_factory=list)
    enjeux: Annotated[list[code("transition-ecologique")], Field(max_length=20)] = Field(
        default_factory=list
    )
    conditions: Conditions | None = None
    area: Area | None = None
    valid_until: DateString | None = None

    @property
    def category_label(self) -> str:
        """French label of :attr:`category` (the code itself when unknown)."""
        return vocab.CATEGORIES.label(self.category)

    @property
    def category_group(self) -> str:
        """The common-core group code of the category: ``accueil``, ``production``…"""
        return vocab.category_group(self.category)

    @property
    def category_group_label(self) -> str:
        """French label of :attr:`category_group`."""
        return vocab.CATEGORY_GROUPS.label(self.category_group)

    @property
    def enjeu_labels(self) -> list[str]:
        """French labels of :attr:`enjeux`, in order."""
        return vocab.ENJEUX.labels(self.enjeux)


class Offer(Listing):
    """What a place offers (collection ``offer``)."""


class Need(Listing):
    """What a place needs (collection ``need``): an offer's shape plus quantity and urgency.

    ``unit`` is free text naming what ``quantity`` counts ("pièces", "mètres", "heures"); it
    is not the price unit of :class:`~protocol.record_parts.Conditions`.
    """

    quantity: integer(1) | None = None
    unit: text(40) | None = None
    due_date: DateString | None = None
    urgency: code("haute") | None = None

    @property
    def urgency_label(self) -> str | None:
        """French label of :attr:`urgency`."""
        return None if self.urgency is None else vocab.URGENCIES.label(self.urgency)


class Follow(RecordPart):
    """The body of a follow entry (its rid is the followed did): where to fetch that feed."""

    url: Url
    name: text(200) | None = None


#: The model of each known collection. Other collections are kept as plain dicts.
RECORD_MODELS: dict[str, type[RecordPart]] = {
    "profile": Profile,
    "offer": Offer,
    "need": Need,
    "follow": Follow,
}


def parse_record(col: str, body: Any) -> RecordPart | None:
    """The model of ``body`` for collection ``col``.

    Returns ``None`` for a collection without a model: the node keeps such bodies as plain
    dicts. Raises ``pydantic.ValidationError`` when the body breaks the model's rules; use
    :func:`validate_record` for French messages.
    """
    model = RECORD_MODELS.get(col)
    if model is None:
        return None
    return model.model_validate(body)


def record_to_body(record: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready body of ``record``; ``parse_record(col, record_to_body(m))`` equals ``m``.

    Members left at their default (None, empty list) are omitted so bodies stay small;
    unknown members are kept as received; integers stay ints and decimals stay strings.
    A plain dict (record of an unknown collection) is returned as a shallow copy.
    """
    if isinstance(record, dict):
        return dict(record)
    return record.model_dump(mode="json", exclude_defaults=True)


class RecordError(ValueError):
    """A record body broke the rules. ``errors`` lists ``(field_path, message_fr)`` pairs.

    ``field_path`` is dotted with list indices in brackets (``equipment[0].quantity``), or
    ``""`` when the problem concerns the whole record.
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{path} : {msg}" if path else msg for path, msg in errors))


def validate_record(col: str, body: Any) -> RecordPart | None:
    """Like :func:`parse_record`, but raise :class:`RecordError` with French messages."""
    try:
        return parse_record(col, body)
    except ValidationError as exc:
        raise RecordError(french_errors(exc)) from None


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}{'s' if isinstance(count, int) and count > 1 else ''}"


def _french_message(error: Any) -> str:
    """One pydantic error (an ``ErrorDetails`` dict) as a plain French sentence."""
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    if kind.startswith("maillage_"):
        return error["msg"]
    if isinstance(value, float) and kind in ("int_type", "int_from_float"):
        return "doit être un nombre entier, sans virgule, par exemple 3"
    if isinstance(value, float) and kind == "string_type":
        return 'doit être du texte ; un nombre à virgule s\'écrit en texte, par exemple "25.00"'
    if isinstance(value, float):
        return "les nombres à virgule sont interdits ici"
    if kind == "missing":
        return "champ obligatoire manquant"
    if kind in ("string_type", "string_sub_type"):
        return "doit être du texte (entre guillemets)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "doit être un nombre entier, écrit sans guillemets, par exemple 3"
    if kind == "bool_type":
        return "doit valoir true ou false"
    if kind in ("list_type", "tuple_type"):
        return "doit être une liste, entre crochets [ ]"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "doit être un objet JSON, entre accolades { }"
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "ne doit pas être vide"
        return f"doit contenir au moins {_plural(ctx.get('min_length'), 'caractère')}"
    if kind == "string_too_long":
        size = f" (ici {len(value)})" if isinstance(value, str) else ""
        return f"ne doit pas dépasser {_plural(ctx.get('max_length'), 'caractère')}{size}"
    if kind == "too_short":
        return f"doit contenir au moins {_plural(ctx.get('min_length'), 'élément')}"
    if kind == "too_long":
        return f"ne doit pas contenir plus de {_plural(ctx.get('max_length'), 'élément')}"
    if kind == "string_pattern_mismatch":
        return "n'a pas le format attendu"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {
            "greater_than_equal": ("supérieur ou égal à", "ge"),
            "greater_than": ("strictement supérieur à", "gt"),
            "less_than_equal": ("inférieur ou égal à", "le"),
            "less_than": ("strictement inférieur à", "lt"),
        }[kind]
        return f"doit être {words[0]} {ctx.get(words[1])}"
    if kind in ("literal_error", "enum"):
        return f"doit être l'une des valeurs suivantes : {ctx.get('expected')}"
    if kind == "extra_forbidden":
        return "champ inconnu, non autorisé ici"
    return error["msg"]  # rare cases: pydantic's own (English) message


def french_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """The errors of ``exc`` as ``(field_path, message_fr)`` pairs, in pydantic's order."""
    found: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        ctx = error.get("ctx") or {}
        if error["type"] == "maillage_extra":
            extra = str(ctx.get("field", ""))
            base = _path(loc)
            path = f"{base}.{extra}" if base else extra
        else:
            path = _path(loc)
        pair = (path, _french_message(error))
        if pair not in found:
            found.append(pair)
    return found
