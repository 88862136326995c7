"""Read a record file a person wrote, and say what is wrong with it in plain French.

:func:`read_record` returns the validated body of a record, or raises
:class:`RecordFileError`: ``unreadable`` is true when the file could not be read at all
(missing, not allowed, a directory), false when its content was refused. Each problem is a
``(field, message)`` pair; the field is ``""`` when the problem concerns the whole file.

The parse that decides is :func:`protocol.canonical.loads_profile` (no duplicate member
names, no floats, integers within ±(2^53−1), no lone surrogates, depth at most 16). When it
refuses a file, a second parse here finds *where*: the line and column of a syntax error, or
the field holding the duplicate or the float.
"""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path
from typing import Any

from protocol.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, loads_profile
from protocol.errors import ProtocolError
from protocol.records import RecordError, record_to_body, validate_record

MAX_FILE_BYTES = 1024 * 1024  # far above what fits in one entry (64 KiB)

_SYNTAX = {
    "Expecting value": "valeur attendue (texte entre guillemets, nombre, liste, objet…)",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points « : » attendu après le nom du champ",
    "Expecting property name enclosed in double quotes": (
        "nom de champ entre guillemets droits attendu (une virgule en trop avant « } » ?)"
    ),
    "Unterminated string starting at": "texte non terminé : guillemet fermant manquant",
    "Invalid control character at": (
        "caractère de contrôle dans un texte (un retour à la ligne s'écrit \\n)"
    ),
    "Invalid \\escape": "séquence d'échappement invalide après « \\ »",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Extra data": "contenu en trop après la fin de l'objet JSON",
}
_ERRNO = {
    errno.ENOENT: "fichier introuvable",
    errno.EACCES: "lecture non autorisée",
    errno.EPERM: "lecture non autorisée",
    errno.EISDIR: "c'est un dossier, pas un fichier",
}


class RecordFileError(Exception):
    """A record file was refused; ``problems`` lists ``(field, message_fr)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]], *, unreadable: bool = False) -> None:
        super().__init__("\n".join(f"{f} : {m}" if f else m for f, m in problems))
        self.problems = problems
        self.unreadable = unreadable


def read_record(source: str, col: str) -> dict[str, Any]:
    """The body read from ``source`` (a path, or ``-`` for stdin), validated for ``col``."""
    value = parse_record_json(read_bytes(source))
    if not isinstance(value, dict):
        raise RecordFileError([("", "le fichier doit contenir un objet JSON, entre accolades { }")])
    try:
        model = validate_record(col, value)
    except RecordError as exc:
        raise RecordFileError(exc.errors) from None
    return value if model is None else record_to_body(model)


def read_bytes(source: str) -> bytes:
    try:
        if source == "-":
            return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        with Path(source).open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = _ERRNO.get(exc.errno or 0) or exc.strerror or str(exc)
        name = "l'entrée standard" if source == "-" else source
        problem = [("", f"impossible de lire {name} : {reason}")]
        raise RecordFileError(problem, unreadable=True) from None
    if len(data) > MAX_FILE_BYTES:
        raise RecordFileError([("", f"fichier trop gros (plus de {MAX_FILE_BYTES} octets)")])
    return data


def parse_record_json(data: bytes) -> Any:
    """``loads_profile(data)``, with errors located and explained in French."""
    if data.startswith(b"\xef\xbb\xbf"):  # a byte order mark, as some editors write
        data = data[3:]
    if not data.strip():
        raise RecordFileError([("", "le fichier est vide : il doit contenir un objet JSON { }")])
    try:
        return loads_profile(data)
    except ProtocolError as exc:
        raise RecordFileError(_diagnose(data, exc)) from None


def _diagnose(data: bytes, error: ProtocolError) -> list[tuple[str, str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data[: exc.start].decode("utf-8", "replace"))
        return [("", f"ligne {line}, colonne {column} : le fichier n'est pas encodé en UTF-8")]
    if error.code == "too-deep":
        return [("", f"imbrication trop profonde (au plus {MAX_DEPTH} niveaux d'objets et listes)")]
    try:
        value = json.loads(
            text,
            object_pairs_hook=_Object.from_pairs,
            parse_float=_Float,
            parse_int=_integer,
            parse_constant=_Constant,
        )
    except json.JSONDecodeError as exc:
        message = next((fr for en, fr in _SYNTAX.items() if exc.msg.startswith(en)), exc.msg)
        return [("", f"JSON invalide, ligne {exc.lineno}, colonne {exc.colno} : {message}")]
    except RecursionError:
        return [("", f"imbrication trop profonde (au plus {MAX_DEPTH} niveaux)")]
    found: list[tuple[str, str]] = []
    _walk(value, "", found)
    return found or [("", f"JSON refusé ({error.code}) : {error.message}")]


class _Object(dict):
    duplicates: list[str]

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _Object:
        obj = cls(pairs)
        names = [name for name, _ in pairs]
        obj.duplicates = sorted({n for n in names if names.count(n) > 1}, key=names.index)
        return obj


class _Float(str):
    """A number with a fraction or an exponent, kept as its token."""


class _BigInteger(str):
    """An integer beyond ±(2^53−1), kept as its token."""


class _Constant(str):
    """``NaN``, ``Infinity`` or ``-Infinity``: not JSON."""


def _integer(token: str) -> int | _BigInteger:
    if len(token) > 17 or abs(int(token)) > MAX_SAFE_INTEGER:
        return _BigInteger(token if len(token) <= 30 else token[:27] + "…")
    return int(token)


def _walk(value: Any, path: str, found: list[tuple[str, str]]) -> None:
    if isinstance(value, _Object):
        for name in value.duplicates:
            found.append((_join(path, name), "champ écrit deux fois : n'en gardez qu'un"))
        for name, item in value.items():
            _check_text(name, _join(path, name), found, "nom de champ")
            _walk(item, _join(path, name), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", found)
    elif isinstance(value, _Float):
        found.append(
            (path, f'les nombres à virgule sont interdits : écrivez "{value}" entre guillemets')
        )
    elif isinstance(value, _BigInteger):
        found.append((path, f"nombre entier trop grand : {value} (au plus {MAX_SAFE_INTEGER})"))
    elif isinstance(value, _Constant):
        found.append((path, f"{value} n'est pas une valeur JSON"))
    elif isinstance(value, str):
        _check_text(value, path, found, "texte")


def _check_text(text: str, path: str, found: list[tuple[str, str]], what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        found.append((path, f"{what} invalide : demi-caractère \\uD800–\\uDFFF isolé"))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _position(prefix: str) -> tuple[int, int]:
    """Line and column (from 1) of the character right after ``prefix``."""
    return prefix.count("\n") + 1, len(prefix) - prefix.rfind("\n")
