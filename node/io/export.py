"""Export every current record a node holds: CSV, GeoJSON (RFC 7946), JSON-LD (schema.org).

What is exported (``maillage export``, issue 6):

* every *current* record of every feed held, the node's own and those it replicated: a
  deleted record is not current, so it is absent; a record whose body was withheld (the
  author dropped it) has nothing to export and is counted as such;
* **not** the records of a feed frozen after a fork: two signed versions of its history
  exist and nobody can tell which one the place meant; the search index leaves them out
  too (``search.index``). Their number is reported, so the operator knows.

:func:`gather` reads a :class:`~node.store.Store` once; everything else is a pure function
of the :class:`Export` it returns: :func:`row` (the flat fields of a record, the CSV columns
and the GeoJSON properties), :func:`csv_chunks`, :func:`geojson_chunks`,
:func:`jsonld_document`. Bodies come from peers: every member is read defensively, as in
:mod:`node.display.record_text`, and the exact record is always there too (column ``body``).

CSV choices (for a spreadsheet opened in France): UTF-8 *with* a byte order mark, so Excel
recognises the encoding (LibreOffice does too); ``;`` between columns by default, Excel's
separator in a French locale (``--delimiter ,`` for RFC 4180 commas); CRLF line ends;
fields quoted when needed (a newline or a quote inside a description stays in its cell);
decimals keep their point (``44.8378``), as in the records. A cell that a spreadsheet would
read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
gets a leading ``'`` (OWASP, "CSV injection"); a plain number such as ``-1.5528`` is left
alone, it cannot be a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from node.display import record_text as views
from node.io.export_columns import COLUMN_NAMES
from node.store.database import Store
from protocol import vocabulary as vocab
from protocol.canonical import canonicalize
from protocol.state import Record

#: Collections whose record *is* a place: its address and position are its own.
PLACE_COLS = frozenset({"profile", "listing"})
#: Collections located at their author's place when they have no position of their own.
AT_AUTHOR_COLS = frozenset({"offer", "need"})
#: Export order of the collections; others follow, in alphabetical order.
COL_ORDER = ("profile", "listing", "offer", "need", "follow")
COL_LABELS = {**views.COL_LABELS, "follow": "Suivi"}
LIST_SEPARATOR = " ; "
#: Collections with a schema.org counterpart in the JSON-LD export.

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Item:
    """One exported record (its body is never withheld) and the date its entry declares."""

    record: Record
    updated: str


@dataclass
class Export:
    """What :func:`gather` read: the records to export and what was left out, and why."""

    items: list[Item] = field(default_factory=list)
    #: The current profile body of each author of an exported record (when it has one).
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Base of the page addresses (the node's ``public_url``), without a final ``/``.
    base: str = ""
    feeds: int = 0
    forked_feeds: int = 0
    forked_records: int = 0
    withheld: int = 0

    def counts(self) -> Counter[str]:
        """Exported records per collection."""
        return Counter(item.record.col for item in self.items)


def col_rank(col: str) -> tuple[int, str]:
    return (COL_ORDER.index(col) if col in COL_ORDER else len(COL_ORDER), col)


def gather(
    store: Store,
    cols: Sequence[str] | None = None,
    base: str = "",
    progress: Callable[[int, int], None] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> Export:
    """Every current record of ``store`` to export (only ``cols`` when given), none of the
    places ``hidden`` (those this node hides, ``node.hidden``).

    ``progress(done, total)`` is called every 500 records and at the end.
    """
    export = Export(base=base.rstrip("/"))
    forked = {f.author for f in store.feeds() if store.fork(f.author) is not None}
    export.feeds = len(store.feeds()) - len(forked)
    export.forked_feeds = len(forked)
    wanted = None if cols is None else set(cols)
    records = [
        r for r in store.records() if (wanted is None or r.col in wanted) and r.author not in hidden
    ]
    for record in store.records(col="profile"):
        if record.author in hidden:
            continue
        if record.rid == "profile" and record.body and record.author not in forked:
            export.places[record.author] = record.body
    total = len(records)
    for done, record in enumerate(records, start=1):
        if record.author in forked:
            export.forked_records += 1
        elif record.body is None:
            export.withheld += 1
        else:
            export.items.append(Item(record, _updated(store, record)))
        if progress is not None and (done % 500 == 0 or done == total):
            progress(done, total)
    export.items.sort(key=lambda i: (col_rank(i.record.col), i.record.author, i.record.rid))
    return export


def _updated(store: Store, record: Record) -> str:
    line = store.line(record.author, record.seq)
    if line is None:
        return ""
    ts = orjson.loads(line)["header"].get("ts")
    return ts if isinstance(ts, str) else ""


# -- the flat fields of a record ----------------------------------------------------------


def _joined(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(values)


def _coordinates(body: dict[str, Any] | None) -> tuple[str, str] | None:
    """The ``(lat, lon)`` decimal strings of ``body["geo"]``, when both are valid."""
    geo = views.mapping((body or {}).get("geo"))
    lat, lon = views.text(geo.get("lat")), views.text(geo.get("lon"))
    if not (_NUMBER.fullmatch(lat) and _NUMBER.fullmatch(lon)):
        return None
    if abs(float(lat)) > 90 or abs(float(lon)) > 180:
        return None
    return lat, lon


def page_path(record: Record) -> str:
    """The path of the record's page on a node ("" for collections without a page)."""
    if record.col == "profile":
        return f"/lieux/{record.author}"
    if record.col in views.LISTING_COLS:
        return f"/lieux/{record.author}/{record.col}/{record.rid}"
    return ""


def place_of(item: Item, places: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The body describing where ``item`` is: itself for a place, else its author's profile."""
    if item.record.col in PLACE_COLS:
        return item.record.body
    return places.get(item.record.author)


def location(item: Item, places: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """``(lat, lon)`` of ``item``: its own, else (offer, need) its author's place's."""
    own = _coordinates(item.record.body)
    if own is None and item.record.col in AT_AUTHOR_COLS:
        return _coordinates(places.get(item.record.author))
    return own


def row(item: Item, places: dict[str, dict[str, Any]], base: str = "") -> dict[str, str]:
    """The fields of ``item``, all text, keyed by :data:`COLUMN_NAMES` (in that order)."""
    record = item.record
    body = record.body or {}
    text, texts, mapping, whole = views.text, views.texts, views.mapping, views.whole
    place = place_of(item, places) or {}
    address = mapping(place.get("address"))
    contact = mapping(body.get("contact"))
    conditions = mapping(body.get("conditions"))
    provenance = mapping(body.get("provenance"))
    category = text(body.get("category"))
    enjeux = texts(body.get("enjeux"))
    quantity = whole(body.get("quantity"))
    point = location(item, places)
    path = page_path(record)
    email = views.mailto(contact.get("email"))
    fields = {
        "col": record.col,
        "col_label": COL_LABELS.get(record.col, record.col),
        "author": record.author,
        "rid": record.rid,
        "seq": str(record.seq),
        "updated": item.updated,
        "page": base + path if path else "",
        "title": text(body.get("title")) or text(body.get("name")),
        "summary": text(body.get("summary")),
        "description": text(body.get("description")),
        "category": category,
        "category_label": vocab.CATEGORIES.label(category) if category else "",
        "enjeux": _joined(enjeux),
        "enjeux_labels": _joined(vocab.ENJEUX.labels(enjeux)),
        "tags": _joined(texts(body.get("tags"))),
        "families": _joined(texts(body.get("families"))),
        "status": text(body.get("status")),
        "pricing": text(conditions.get("pricing")),
        "price": text(conditions.get("price")),
        "price_unit": text(conditions.get("unit")),
        "quantity": "" if quantity is None else str(quantity),
        "unit": text(body.get("unit")),
        "due_date": text(body.get("due_date")),
        "urgency": text(body.get("urgency")),
        "valid_until": text(body.get("valid_until")),
        "place_name": text(place.get("name")),
        "street": text(address.get("street")),
        "postcode": text(address.get("postcode")),
        "commune": text(address.get("city")),
        "insee_code": text(address.get("insee_code")),
        "department": text(place.get("department")),
        "region": text(place.get("region")),
        "lat": point[0] if point else "",
        "lon": point[1] if point else "",
        "website": views.safe_url(body.get("website")) or views.safe_url(body.get("url")) or "",
        "email": email.removeprefix("mailto:") if email else "",
        "phone": text(contact.get("phone")),
        "source": text(provenance.get("source")),
        "licence": text(provenance.get("licence")),
        "body": canonicalize(body).decode("utf-8"),
    }
    return fields


# -- CSV ----------------------------------------------------------------------------------


def spreadsheet_safe(value: str) -> str:
    """``value`` as a spreadsheet will not run it: a leading ``'`` before a would-be formula
    (OWASP), NUL characters dropped (LibreOffice stops reading at one)."""
    value = value.replace("\x00", "")
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_chunks(
    export: Export,
    delimiter: str = ";",
    columns: Sequence[str] = COLUMN_NAMES,
    *,
    quote_all: bool = False,
) -> Iterator[bytes]:
    """The CSV file of ``columns``, in chunks of UTF-8 (the first begins with the byte order
    mark). ``quote_all`` puts every cell in quotes: :class:`csv.Sniffer` (csvkit, pandas)
    then finds the separator from the quotes even in a sample shorter than three rows."""
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=quoting)

    def take() -> bytes:
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return data.encode("utf-8")

    writer.writerow(columns)
    yield "\ufeff".encode() + take()
    for number, item in enumerate(export.items, start=1):
        fields = row(item, export.places, export.base)
        writer.writerow([spreadsheet_safe(fields[name]) for name in columns])
        if number % 200 == 0:
            yield take()
    yield take()


# -- GeoJSON ------------------------------------------------------------------------------


def feature(item: Item, places: dict[str, dict[str, Any]], base: str = "") -> dict | None:
    """The GeoJSON Feature of ``item`` (a Point, ``[lon, lat]``), or None when unlocated."""
    point = location(item, places)
    if point is None:
        return None
    properties: dict[str, Any] = row(item, places, base)
    properties["body"] = item.record.body
    record = item.record
    return point_feature(
        f"{record.author}/{record.col}/{record.rid}", float(point[0]), float(point[1]), properties
    )


def point_feature(
    feature_id: str, lat: float, lon: float, properties: dict[str, Any]
) -> dict[str, Any]:
    """An RFC 7946 Point Feature: coordinates are ``[longitude, latitude]``, as numbers (the
    export and the map's ``/api/places.geojson`` write the same shape)."""
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def unlocated(export: Export) -> Counter[str]:
    """Per collection, the exported records without a position (left out of the GeoJSON)."""
    return Counter(i.record.col for i in export.items if location(i, export.places) is None)


def geojson_chunks(export: Export) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection, one feature per line, of the located records."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for item in export.items:
        data = feature(item, export.places, export.base)
        if data is None:
            continue
        yield (b"\n" if first else b",\n") + orjson.dumps(data)
        first = False
    yield b"\n]}\n"
