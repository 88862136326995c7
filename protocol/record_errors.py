"""French error messages for record bodies, written for a volunteer.

:class:`RecordError` carries ``(field_path, message_fr)`` pairs; :func:`french_errors` turns
a pydantic ``ValidationError`` into such pairs, e.g.
``conditions.price : doit être un nombre décimal écrit en texte, par exemple "25.00"``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class RecordError(ValueError):
    """A record body broke the rules. ``errors`` lists ``(field_path, message_fr)`` pairs.

    ``field_path`` is dotted with list indices in brackets (``equipment[0].quantity``), or
    ``""`` when the problem concerns the whole record.
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{path} : {msg}" if path else msg for path, msg in errors))


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
