"""Building blocks of record bodies: constrained value types and nested models.

Every value type here carries its own plain-French error message (raised as a
``PydanticCustomError`` whose type starts with ``maillage_``), so that
:func:`protocol.records.validate_record` can tell a volunteer what is wrong.

The wire format has no floats: decimals (prices, coordinates, hours) are strings such as
``"25.00"`` or ``"-1.5056"``, and integers stay within ±(2^53−1). All models are strict
(no silent coercion: ``3.0`` is not an integer, ``25`` is not a decimal string) and keep
unknown members (``extra="allow"``) so that records written by newer peers survive intact.
Vocabulary codes are checked for syntax only; unknown codes are kept.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from protocol import vocabulary as vocab

MAX_SAFE_INTEGER = 2**53 - 1

DECIMAL_PATTERN = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
URL_PATTERN = r"^https?://[^\s/?#@]+[^\s]*$"
POSTCODE_PATTERN = r"^[0-9]{5}$"
INSEE_PATTERN = r"^(?:[0-9]{2}|2[AB])[0-9]{3}$"
DEPARTMENT_PATTERN = r"^(?:0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-8]|98[0-9])$"
REGION_PATTERN = r"^[0-9]{2}$"
EMAIL_PATTERN = r"^[^\s@]+@[^\s@]+\.[^\s@]+$"
PHONE_PATTERN = r"^\+?[0-9][0-9 .()-]{3,28}[0-9]$"


def _french(message: str) -> WrapValidator:
    """Replace whatever error the wrapped type raises by one French ``message``."""

    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("maillage_format", message) from None

    return WrapValidator(validate)


def _formatted(pattern: str, max_length: int, message: str) -> Any:
    """A string type with a syntax (anchored regex), a length limit and a French message."""
    return Annotated[
        str, StringConstraints(pattern=pattern, max_length=max_length), _french(message)
    ]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("maillage_blank", "ne doit pas être vide")
    return value


def text(max_length: int, *, required: bool = False) -> Any:
    """Free text of at most ``max_length`` characters; ``required`` text must not be blank."""
    if required:
        return Annotated[
            str, StringConstraints(min_length=1, max_length=max_length), AfterValidator(_not_blank)
        ]
    return Annotated[str, StringConstraints(max_length=max_length)]


def decimal_string(example: str, *, minimum: str | None = None, maximum: str | None = None) -> Any:
    """A decimal written as a JSON string (``"25.00"``), optionally bounded (inclusive)."""
    low = None if minimum is None else Decimal(minimum)
    high = None if maximum is None else Decimal(maximum)

    def check_range(value: str) -> str:
        number = Decimal(value)
        if low is not None and high is not None and not low <= number <= high:
            raise PydanticCustomError(
                "maillage_range",
                "doit être compris entre {minimum} et {maximum}",
                {"minimum": minimum, "maximum": maximum},
            )
        if low is not None and number < low:
            if low == 0:
                raise PydanticCustomError("maillage_range", "ne doit pas être négatif")
            raise PydanticCustomError(
                "maillage_range", "doit être au moins {minimum}", {"minimum": minimum}
            )
        if high is not None and number > high:
            raise PydanticCustomError(
                "maillage_range", "doit être au plus {maximum}", {"maximum": maximum}
            )
        return value

    message = f'doit être un nombre décimal écrit en texte, par exemple "{example}"'
    return Annotated[
        str,
        StringConstraints(pattern=DECIMAL_PATTERN, max_length=40),
        _french(message),
        AfterValidator(check_range),
    ]


def code(example: str) -> Any:
    """A vocabulary code: syntax checked, membership not (unknown codes are kept)."""
    return _formatted(
        vocab.CODE_PATTERN,
        vocab.CODE_MAX_LENGTH,
        "doit être un code en minuscules, sans accent ni espace (lettres, chiffres, points "
        f'et tirets), par exemple "{example}"',
    )


def integer(minimum: int = 0) -> Any:
    """A JSON integer (never a float) between ``minimum`` and 2^53−1."""
    return Annotated[int, Field(strict=True, ge=minimum, le=MAX_SAFE_INTEGER)]


def _real_date(value: str) -> str:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "maillage_format", "n'est pas une date qui existe (format AAAA-MM-JJ)"
        ) from None
    return value


DateString = Annotated[
    _formatted(
        DATE_PATTERN, 10, 'doit être une date au format AAAA-MM-JJ, par exemple "2025-06-30"'
    ),
    AfterValidator(_real_date),
]
Url = _formatted(
    URL_PATTERN,
    2048,
    "doit être une adresse web commençant par http:// ou https://, par exemple "
    '"https://fablab.example.fr"',
)
Postcode = _formatted(
    POSTCODE_PATTERN, 5, 'doit être un code postal à 5 chiffres, par exemple "24000"'
)
InseeCode = _formatted(
    INSEE_PATTERN,
    5,
    'doit être un code commune INSEE à 5 caractères, par exemple "24322" (ou "2A004" en Corse)',
)
DepartmentCode = _formatted(
    DEPARTMENT_PATTERN, 3, 'doit être un code de département, par exemple "24", "2A" ou "971"'
)
RegionCode = _formatted(
    REGION_PATTERN, 2, 'doit être un code de région à 2 chiffres, par exemple "75"'
)
Email = _formatted(
    EMAIL_PATTERN, 254, 'doit être une adresse électronique, par exemple "contact@exemple.fr"'
)
Phone = _formatted(
    PHONE_PATTERN, 30, 'doit être un numéro de téléphone, par exemple "05 53 00 00 00"'
)


def _bad_number(value: Any, path: str) -> PydanticCustomError | None:
    """An error for the first float or unsafe integer inside an unknown (extra) member."""
    if isinstance(value, float):
        return PydanticCustomError(
            "maillage_extra",
            'les nombres à virgule sont interdits : écrivez-les en texte, par exemple "25.00"',
            {"field": path},
        )
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        return PydanticCustomError(
            "maillage_extra", "nombre entier trop grand (au plus 2^53−1)", {"field": path}
        )
    if isinstance(value, dict):
        for key, item in value.items():
            found = _bad_number(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _bad_number(item, f"{path}[{index}]")
            if found:
                return found
    return None


class RecordPart(BaseModel):
    """Base of every record model: strict, keeps unknown members, no float anywhere."""

    model_config = ConfigDict(strict=True, extra="allow")

    @model_validator(mode="after")
    def _check_extra_numbers(self) -> RecordPart:
        for key, value in (self.__pydantic_extra__ or {}).items():
            found = _bad_number(value, key)
            if found:
                raise found
        return self


class Address(RecordPart):
    """Postal address of a place."""

    street: text(200) | None = None
    postcode: Postcode | None = None
    city: text(100) | None = None
    insee_code: InseeCode | None = None


class Geo(RecordPart):
    """WGS 84 coordinates as decimal strings (``"45.1846"``, ``"0.7214"``)."""

    lat: decimal_string("45.1846", minimum="-90", maximum="90")
    lon: decimal_string("0.7214", minimum="-180", maximum="180")


class Contact(RecordPart):
    """How to reach a place; every member is optional."""

    name: text(200) | None = None
    email: Email | None = None
    phone: Phone | None = None
    url: Url | None = None


class Equipment(RecordPart):
    """A machine or tool of a place (``type`` is free text such as "Découpeuse laser")."""

    type: text(100, required=True)
    make: text(100) | None = None
    model: text(100) | None = None
    quantity: integer(1) | None = None


class Limits(RecordPart):
    """Limits of the service: quantities, lead time and notice (in days)."""

    min_quantity: integer() | None = None
    max_quantity: integer() | None = None
    lead_time_days: integer() | None = None
    notice_days: integer() | None = None

    @model_validator(mode="after")
    def _check_order(self) -> Limits:
        low, high = self.min_quantity, self.max_quantity
        if low is not None and high is not None and high < low:
            raise PydanticCustomError(
                "maillage_order",
                "la quantité maximale doit être supérieure ou égale à la quantité minimale",
            )
        return self


class PeopleAvailable(RecordPart):
    """The people available for the service: hours per month, volunteers, paid staff."""

    hours_per_month: decimal_string("20", minimum="0") | None = None
    volunteers: integer() | None = None
    paid_staff: integer() | None = None


class Conditions(RecordPart):
    """The conditions of intervention of an offer or a need."""

    pricing: code("prix-libre") | None = None
    price: decimal_string("25.00", minimum="0") | None = None
    unit: code("heure") | None = None
    limits: Limits | None = None
    people_available: PeopleAvailable | None = None
    value_proposition: text(2000) | None = None
    audiences: Annotated[list[code("collectivites")], Field(max_length=20)] = Field(
        default_factory=list
    )
    channel: code("sur-place") | None = None

    @property
    def pricing_label(self) -> str | None:
        """French label of :attr:`pricing` (the code itself when unknown)."""
        return None if self.pricing is None else vocab.PRICING.label(self.pricing)

    @property
    def unit_label(self) -> str | None:
        """French label of the price :attr:`unit`."""
        return None if self.unit is None else vocab.PRICE_UNITS.label(self.unit)

    @property
    def audience_labels(self) -> list[str]:
        """French labels of :attr:`audiences`, in order."""
        return vocab.AUDIENCES.labels(self.audiences)

    @property
    def channel_label(self) -> str | None:
        """French label of :attr:`channel`."""
        return None if self.channel is None else vocab.CHANNELS.label(self.channel)


class Mobilisable(RecordPart):
    """An offer's answer to calls for mobilisation (its presence means yes): how much the
    place can make a week, and of what (« 300 pièces »). Both are optional."""

    capacity_per_week: integer(1) | None = None
    unit: text(40) | None = None


class Area(RecordPart):
    """Where an offer or need applies: departments, and/or a radius around the place."""

    departments: Annotated[list[DepartmentCode], Field(max_length=120)] = Field(
        default_factory=list
    )
    radius_km: integer(1) | None = None
