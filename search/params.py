"""Request parameters declared once: the rule a handler reads a value with, and its description.

A :class:`Param` is one parameter of one operation: name, place (query or path), type, the
grammar of its value (a regular expression, a length, a range, a set of values), a French
description and an example. :meth:`Param.read` is what a handler parses the value with, and
raises :class:`ParamError` (French) for a value the grammar refuses; :meth:`Param.schema`
and :meth:`Param.openapi` are what ``node/web/openapi.py`` writes of it. Both come from the
same fields, so the API description cannot drift from the handlers: a value the document
allows is read, a value it forbids is refused.

The tables live beside what parses them: the search's in ``search/model.py``, the feed API's
and the inbox's in ``node.federation``. This module is in ``search``, the lowest layer that
reads request parameters, so that both can use it.

Patterns are written in the subset that Python's ``re`` and ECMA-262 (JSON Schema) read
alike: classes, ``\\uXXXX`` escapes, counted repetitions; no ``\\s``, ``\\d`` or lookaround.
A pattern matches the whole value (``fullmatch``; ``^(?:…)$`` in the document).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

#: Characters no text parameter may hold: C0 and C1 controls (and DEL).
NO_CONTROLS = "[^\\u0000-\\u001f\\u007f-\\u009f]"
_INTEGER = re.compile(r"-?[0-9]{1,30}")  # then its range


class ParamError(ValueError):
    """A parameter is malformed: ``param`` names it, ``message`` says why (French)."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param} : {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Param:
    """One parameter: its grammar, read by the handler and written in the API description."""

    name: str
    description: str
    type: Literal["string", "integer"] = "string"
    location: Literal["query", "path"] = "query"
    required: bool = False
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] = ()
    example: str | int | None = None
    default: str | int | None = None
    #: What a valid value looks like, in French, for the error message.
    expected: str = ""
    _compiled: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.pattern is not None:
            object.__setattr__(self, "_compiled", re.compile(self.pattern))

    def read(self, raw: str) -> str | int:
        """The value of ``raw`` (an integer for an integer parameter); ParamError if the
        grammar refuses it."""
        if self.type == "integer":
            if not _INTEGER.fullmatch(raw):
                raise self.refused()
            value = int(raw)
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise self.refused()
            return value
        if (
            (self.max_length is not None and len(raw) > self.max_length)
            or (self.min_length is not None and len(raw) < self.min_length)
            or (self.enum and raw not in self.enum)
            or (self._compiled is not None and not self._compiled.fullmatch(raw))
        ):
            raise self.refused()
        return raw

    def refused(self) -> ParamError:
        return ParamError(self.name, self.expected or self._expected())

    def _expected(self) -> str:
        if self.type == "integer":
            return f"nombre entier attendu, de {self.minimum} à {self.maximum}"
        if self.enum:
            return f"valeurs possibles : {', '.join(self.enum)}"
        if self.max_length is not None:
            return f"valeur trop longue ou illisible (au plus {self.max_length} caractères)"
        return "valeur invalide"

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the value, as the description states it."""
        schema: dict[str, Any] = {"type": self.type}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.pattern is not None:
            schema["pattern"] = f"^(?:{self.pattern})$"
        for key, value in (
            ("minLength", self.min_length),
            ("maxLength", self.max_length),
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("default", self.default),
        ):
            if value is not None:
                schema[key] = value
        return schema

    def openapi(self, example: str | int | None = None) -> dict[str, Any]:
        """The OpenAPI parameter object (``example`` overrides the table's)."""
        parameter: dict[str, Any] = {
            "name": self.name,
            "in": self.location,
            "required": self.required or self.location == "path",
            "description": self.description,
            "schema": self.schema(),
        }
        chosen = example if example is not None else self.example
        if chosen is not None:
            parameter["example"] = chosen
        return parameter


def single(values: list[str], param: Param) -> str | None:
    """The one value given for ``param`` (None if absent); ParamError if given twice."""
    if not values:
        return None
    if len(values) > 1:
        raise ParamError(param.name, "paramètre donné plusieurs fois")
    return values[0]
