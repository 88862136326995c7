"""The admin forms: from a record body to form values and back (see node.admin_fields).

Editing starts from the stored body: members the form does not show (written by a newer
version, or by hand) are kept, and so are vocabulary codes this version does not know.

:func:`parse` turns a submitted form into a validated body, or into French problems by field
with every value kept, so that the form can be shown again with nothing lost.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from node.admin.fields import EQUIPMENT_PARTS, MAX_EQUIPMENT, SPARE_ROWS, Field, fields
from protocol.records import RecordError, record_to_body, validate_record

Values = dict[str, Any]
Problems = dict[str, str]
_INTEGER = re.compile(r"-?[0-9]{1,16}")
_DECIMAL = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")
_INDEX = re.compile(r"\[[0-9]+\]")
_BARE_SITE = re.compile(r"[^\s/:@]+\.[^\s/:@]+(?:/\S*)?")
#: A day as French people write it (« 11/12/2026 », « 11-12-2026 »): read as AAAA-MM-JJ.
_FRENCH_DAY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
#: A problem found on a whole object is shown next to the field it is about.
_OBJECT_FIELDS = {"conditions.limits": "conditions.limits.max_quantity"}


# -- body → form values -------------------------------------------------------------------


def _get(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body.get(part) if isinstance(body, dict) else None
    return body


def values_of(col: str, body: dict[str, Any] | None) -> Values:
    """The form values showing ``body`` (a new record: empty values)."""
    body = body or {}
    values: Values = {}
    for field in fields(col):
        value = _get(body, field.path)
        if field.kind == "checks":
            values[field.path] = [v for v in value if isinstance(v, str)] if value else []
        elif field.kind == "flag":
            values[field.path] = "1" if isinstance(value, dict) else ""
        elif field.kind in ("words", "lines"):
            items = [str(v) for v in value] if isinstance(value, list) else []
            values[field.path] = (", " if field.kind == "words" else "\n").join(items)
        elif value is None or isinstance(value, dict | list):
            values[field.path] = ""
        else:
            values[field.path] = str(value)
    if col == "profile":
        items = body.get("equipment")
        for index, item in enumerate(items if isinstance(items, list) else []):
            item = item if isinstance(item, dict) else {}
            for part, _ in EQUIPMENT_PARTS:
                value = item.get(part)
                values[f"equipment[{index}].{part}"] = "" if value is None else str(value)
    return values


def equipment_rows(values: Values) -> int:
    """How many equipment rows the form shows: the filled ones and a few spare."""
    used = {
        int(m[1])
        for name, value in values.items()
        if (m := re.match(r"equipment\[([0-9]+)\]", name)) and str(value).strip()
    }
    return min(MAX_EQUIPMENT, (max(used) + 1 if used else 0) + SPARE_ROWS)


# -- form → body ----------------------------------------------------------------------------


def _convert(field: Field, raw: str) -> tuple[Any, str | None]:
    """The body value of one submitted field (None: leave it out), or a problem."""
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        return None, None
    if field.kind == "int":
        compact = text.replace(" ", "").replace("\u202f", "")
        if not _INTEGER.fullmatch(compact):
            return None, "doit être un nombre entier, sans virgule, par exemple 3"
        return int(compact), None
    if field.kind == "decimal":
        compact = text.replace(" ", "").replace("\u202f", "").replace(",", ".")
        if not _DECIMAL.fullmatch(compact):
            return None, "doit être un nombre, par exemple 25,50"
        return compact, None
    french_day = _FRENCH_DAY.fullmatch(text) if field.kind == "date" else None
    if french_day:
        day, month, year = french_day.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}", None
    if field.kind == "url" and not re.match(r"(?i)https?://", text) and _BARE_SITE.fullmatch(text):
        return "https://" + text, None  # "fablab.fr" means https://fablab.fr
    if field.kind in ("words", "lines"):
        separator = r"[,;\n]" if field.kind == "words" else r"\n"
        items = [item.strip() for item in re.split(separator, text) if item.strip()]
        if field.path == "area.departments":
            items = [item.upper() for item in items]
        return list(dict.fromkeys(items)) or None, None
    return text, None


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in ``body`` (None removes it, and the objects it leaves empty)."""
    *parents, name = path.split(".")
    chain = [body]
    for part in parents:
        child = chain[-1].get(part)
        if not isinstance(child, dict):
            if value is None:
                return
            child = chain[-1][part] = {}
        chain.append(child)
    if value is None:
        chain[-1].pop(name, None)
        for parent, part in zip(reversed(chain[:-1]), reversed(parents), strict=True):
            if parent.get(part) == {}:
                del parent[part]
    else:
        chain[-1][name] = value


def _equipment(
    form: Mapping[str, Any], base: dict[str, Any], values: Values, problems: Problems
) -> tuple[list[dict[str, Any]] | None, list[int]]:
    """The equipment list from the form rows (empty rows dropped) and each item's row."""
    old = base.get("equipment") if isinstance(base.get("equipment"), list) else []
    try:
        rows = min(MAX_EQUIPMENT, max(0, int(form.get("equipment_rows", "0"))))
    except ValueError:
        rows = 0
    items, origin = [], []
    for row in range(rows):
        raw = {part: str(form.get(f"equipment[{row}].{part}", "")) for part, _ in EQUIPMENT_PARTS}
        for part, value in raw.items():
            values[f"equipment[{row}].{part}"] = value
        if not any(v.strip() for v in raw.values()):
            continue
        item = copy.deepcopy(old[row]) if row < len(old) and isinstance(old[row], dict) else {}
        for part, _ in EQUIPMENT_PARTS:
            kind = "int" if part == "quantity" else "text"
            value, problem = _convert(Field(part, part, kind), raw[part])
            if problem:
                problems[f"equipment[{row}].{part}"] = problem
            _put(item, part, value)
        items.append(item)
        origin.append(row)
    return items or None, origin


def _flag(body: dict[str, Any], field: Field, values: Values, problems: Problems) -> None:
    """A ticked flag puts an object at its path (kept as it is if there is one); an unticked
    one removes it, unless the fields inside it were filled: then it says so, nothing lost."""
    if values[field.path]:
        if not isinstance(_get(body, field.path), dict):
            _put(body, field.path, {})
        return
    inside = [name for name, value in values.items() if name.startswith(field.path + ".")]
    if any(str(values[name]).strip() for name in inside):
        problems[field.path] = "cochez cette case pour donner la capacité, ou videz les champs"
        return
    _put(body, field.path, None)


def parse(
    col: str, form: Mapping[str, Any], base: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, Values, Problems]:
    """``(body, values, problems)`` from a submitted form; ``body`` is None on problems.

    ``form`` is the posted multidict; ``base`` the stored body being edited (its members
    that the form does not show are kept).
    """
    body: dict[str, Any] = copy.deepcopy(base) if base else {}
    values: Values = {}
    problems: Problems = {}
    flags: list[Field] = []
    for field in fields(col):
        if field.kind == "flag":
            values[field.path] = "1" if str(form.get(field.path, "")) == "1" else ""
            flags.append(field)
            continue
        if field.kind == "checks":
            getall = getattr(form, "getall", None)
            raw = [str(v) for v in (getall(field.path, []) if getall else [])]
            values[field.path] = raw
            value: Any = list(dict.fromkeys(v for v in raw if v)) or None
        else:
            raw_text = str(form.get(field.path, ""))
            values[field.path] = raw_text
            value, problem = _convert(field, raw_text)
            if problem:
                problems[field.path] = problem
        _put(body, field.path, value)
    for field in flags:
        _flag(body, field, values, problems)
    origin: list[int] = []
    if col == "profile":
        equipment, origin = _equipment(form, base or {}, values, problems)
        _put(body, "equipment", equipment)
    try:
        model = validate_record(col, body)
    except RecordError as exc:
        kinds = {field.path: field.kind for field in fields(col)}
        for path, message in exc.errors:
            name = _field_of(col, path, origin)
            if message == "champ obligatoire manquant":  # said for a JSON file
                message = "à choisir dans la liste" if kinds.get(name) == "select" else "à remplir"
            problems.setdefault(name, message)
        return None, values, problems
    if problems:
        return None, values, problems
    return (body if model is None else record_to_body(model)), values, problems


def _field_of(col: str, path: str, origin: Sequence[int]) -> str:
    """The form field that shows the problem at ``path`` (the path itself if none does)."""
    found = re.fullmatch(r"equipment\[([0-9]+)\](.*)", path)
    if found and int(found[1]) < len(origin):
        return f"equipment[{origin[int(found[1])]}]{found[2] or '.type'}"
    names = [field.path for field in fields(col)]
    if path in names:
        return path
    bare = _INDEX.sub("", path)
    if bare in names:
        return bare
    if bare in _OBJECT_FIELDS:
        return _OBJECT_FIELDS[bare]
    inside = [name for name in names if name.startswith(bare + ".")]
    return inside[0] if inside else path


def label_of(col: str, path: str) -> str:
    """The label of the field at ``path``, for the list of problems above the form."""
    found = re.fullmatch(r"equipment\[([0-9]+)\]\.(\w+)", path)
    if found:
        part = dict(EQUIPMENT_PARTS).get(found[2], found[2])
        return f"Équipement n° {int(found[1]) + 1}, {part.lower()}"
    return next((field.label for field in fields(col) if field.path == path), path or "Fiche")
