"""Record ids derived from titles: ``"Découpe laser"`` → ``"decoupe-laser"``.

A slug is lowercase ASCII letters, digits and single dashes (accents folded, everything else
a separator), at most :data:`MAX_SLUG` characters, so it always matches the wire-format rid
pattern. :func:`unique_slug` appends ``-2``, ``-3``… until the slug is not among the ids
already used, so that a deleted record's id is never given to a new one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

MAX_SLUG = 60

# Letters that Unicode decomposition does not reduce to ASCII.
_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
    }
)
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "fiche", max_length: int = MAX_SLUG) -> str:
    """The slug of ``text``; ``fallback`` (itself slugified) when nothing is left."""
    folded = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    slug = _SEPARATORS.sub("-", ascii_text).strip("-")
    slug = _shorten(slug, max_length)
    if not slug:
        return slugify(fallback, "fiche", max_length) if fallback != text else "fiche"
    return slug


def unique_slug(base: str, taken: Collection[str], max_length: int = MAX_SLUG) -> str:
    """``base``, or ``base-2``, ``base-3``… : the first one not in ``taken``."""
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = _shorten(base, max_length - len(suffix)) + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _shorten(slug: str, max_length: int) -> str:
    """``slug`` cut to ``max_length``, at a dash when one is near the end."""
    if len(slug) <= max_length:
        return slug
    cut = slug[:max_length]
    dash = cut.rfind("-")
    if dash >= max_length // 2:
        cut = cut[:dash]
    return cut.strip("-")
