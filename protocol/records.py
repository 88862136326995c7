"""Record bodies (the ``body`` of a ``put`` entry), as pydantic models.

Collections ``profile``, ``listing``, ``offer``, ``need``, ``follow``, ``endorse`` and
``blocklist`` have a model here.
Field names are English, values are French vocabulary codes (see :mod:`protocol.vocabulary`).
Rules:

* no floats: decimals are strings (``"25.00"``), integers stay within ±(2^53−1);
* forward compatibility: unknown members are kept (``extra="allow"``) and unknown vocabulary
  codes are kept as long as their syntax is that of a code;
* records of collections this version does not know are *not* modelled: :func:`parse_record`
  and :func:`validate_record` return ``None`` for them, and the node keeps their bodies as
  plain dicts (still signed, stored, replicated and served unchanged).

:func:`validate_record` reports problems as :class:`RecordError`, a list of
``(field_path, message_fr)`` written for a volunteer (see :mod:`protocol.record_errors`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, ValidationError
from pydantic_core import PydanticCustomError

from protocol import vocabulary as vocab
from protocol.errors import ProtocolError
from protocol.keys import public_bytes_from_did
from protocol.record_errors import RecordError, french_errors
from protocol.record_parts import (
    Address,
    Area,
    Conditions,
    Contact,
    DateString,
    DepartmentCode,
    Equipment,
    Geo,
    Mobilisable,
    RecordPart,
    RegionCode,
    Url,
    code,
    integer,
    text,
)

__all__ = [
    "RECORD_MODELS",
    "Blocked",
    "Blocklist",
    "Endorse",
    "Follow",
    "Listing",
    "Need",
    "Offer",
    "OfferShape",
    "Profile",
    "Provenance",
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


class Provenance(RecordPart):
    """Where an imported record comes from: the source to credit, its licence and date."""

    source: text(300, required=True)
    licence: text(200) | None = None
    date: DateString | None = None
    source_id: text(128) | None = None


class Listing(Profile):
    """A place listed by another node from open data (collection ``listing``).

    The shape of a profile plus its ``provenance``; the place itself runs no node (yet).
    """

    provenance: Provenance


class OfferShape(RecordPart):
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


class Offer(OfferShape):
    """What a place offers (collection ``offer``). ``mobilisable``: the place answers calls
    for mobilisation (an urgent need), with its capacity per week if it says one."""

    mobilisable: Mobilisable | None = None


class Need(OfferShape):
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


#: At most this many scopes (categories) in an endorsement.
MAX_SCOPES = 20


class Endorse(RecordPart):
    """The body of an endorsement (col ``endorse``, its rid the endorsed did): this place
    vouches for that one, publicly. ``note`` says why, in a sentence; ``scopes`` are the
    common-core categories (or groups: ``production``) the endorsement is about, none for
    all. A network's members are the places it endorses (``docs/confiance.md``). No URL: an
    endorsed feed is fetched from the peers that hold it."""

    note: text(500) | None = None
    scopes: Annotated[list[code("production.prototypage")], Field(max_length=MAX_SCOPES)] = Field(
        default_factory=list
    )
    name: text(200) | None = None

    @property
    def scope_labels(self) -> list[str]:
        """French labels of :attr:`scopes` (a group code by its group's label)."""
        return [vocab.scope_label(scope) for scope in self.scopes]


def _did(value: str) -> str:
    try:
        public_bytes_from_did(value)
    except ProtocolError:
        raise PydanticCustomError(
            "maillage_did", "doit être l'identifiant d'un lieu : did:key:z…"
        ) from None
    return value


#: The did of a place (``did:key:z…``), checked as a feed's author is (SPEC §2).
Did = Annotated[str, Field(max_length=100), AfterValidator(_did)]


class Blocked(RecordPart):
    """One place of a blocklist: its did and why it is listed (free French text)."""

    did: Did
    reason: text(200) | None = None


class Blocklist(RecordPart):
    """A list of places its publisher advises to mute (collection ``blocklist``, rid the
    list's name, e.g. ``principale``). Publishing it mutes nothing: another node applies it
    only if its operator chooses to (``maillage apply-blocklist``), and a did listed twice
    counts once (the first reason)."""

    title: text(200) | None = None
    places: Annotated[list[Blocked], Field(max_length=vocab.BLOCKLIST_MAX_PLACES)] = Field(
        default_factory=list
    )


#: The model of each known collection. Other collections are kept as plain dicts.
RECORD_MODELS: dict[str, type[RecordPart]] = {
    "profile": Profile,
    "listing": Listing,
    "offer": Offer,
    "need": Need,
    "follow": Follow,
    "endorse": Endorse,
    "blocklist": Blocklist,
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


def validate_record(col: str, body: Any) -> RecordPart | None:
    """Like :func:`parse_record`, but raise :class:`RecordError` with French messages."""
    try:
        return parse_record(col, body)
    except ValidationError as exc:
        raise RecordError(french_errors(exc)) from None
