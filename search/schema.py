"""The fields of a search document, and how a document is keyed.

One document per current record of an indexed collection (``INDEXED_COLS``). Text fields
use the French analyzer (``search.analysis``); codes are exact ``ID``/``KEYWORD`` terms,
filterable and sortable through columns (the index answers facets and sorts from them).
"""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search.analysis import french_analyzer, plain_analyzer

#: The collections that become documents; listings (issue 6) are indexed like profiles.
INDEXED_COLS = frozenset({"profile", "offer", "need", "listing"})
#: Collections whose record *is* a place (its name and town come from the record itself).
PLACE_COLS = frozenset({"profile", "listing"})
#: Free-text fields searched by default, with their boosts.
TEXT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "tags": 2.0,
    "category_label": 1.0,
    "description": 1.0,
    "place_name": 1.0,
    "city": 1.0,
    "extra": 0.5,
}


def build_schema() -> Schema:
    text = french_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        author=ID(stored=True),
        col=ID(stored=True, sortable=True),
        rid=ID(stored=True),
        title=TEXT(analyzer=text, stored=True, field_boost=1.0),
        description=TEXT(analyzer=text, stored=True),
        tags=TEXT(analyzer=text),
        category=ID(stored=True, sortable=True),
        category_label=TEXT(analyzer=text, stored=True),
        enjeux=KEYWORD(stored=True, commas=True, sortable=True),
        extra=TEXT(analyzer=text),  # enjeux and pricing labels, families, audiences
        place_name=TEXT(analyzer=text, stored=True),
        city=TEXT(analyzer=text, stored=True),
        department=ID(stored=True, sortable=True),
        region=ID(stored=True, sortable=True),
        pricing=ID(stored=True),
        lat=NUMERIC(float, stored=True, signed=True),  # the bounding-box prefilter of radius
        lon=NUMERIC(float, stored=True, signed=True),
        geo=ID(sortable=True),  # "lat,lon" or "": exact distances, read from the column
        updated=ID(stored=True, sortable=True),
        valid_until=ID(stored=True),
        words=TEXT(analyzer=plain_analyzer(), phrase=False),  # "did you mean" vocabulary
        body=STORED(),
    )


def doc_key(author: str, col: str, rid: str) -> str:
    """The unique key of a document (author ids and rids contain no space)."""
    return f"{author} {col} {rid}"
