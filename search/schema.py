"""The fields of a search document, and how a document is keyed.

One document per current record of an indexed collection (``INDEXED_COLS``). Text fields
use the French analyzer (``search.analysis``); codes are exact ``ID``/``KEYWORD`` terms,
filterable and sortable through columns (the index answers facets and sorts from them).
"""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search import patches  # noqa: F401  (whoosh's length readers, see there)
from search.analysis import french_analyzer

#: The collections that become documents; listings (issue 6) are indexed like profiles.
INDEXED_COLS = frozenset({"profile", "offer", "need", "listing"})
#: Collections whose record *is* a place (its name and town come from the record itself).
PLACE_COLS = frozenset({"profile", "listing"})
#: The one free-text field searched: title, tags, category label, description, place name,
#: town and the labels of enjeux, pricing and audiences, copied together at indexing time
#: (one field to match is several times faster than an OR over seven). The relative weight
#: of each part is kept by repetition: the title counts three times, the tags twice.
TEXT_FIELD = "all"
TEXT_PARTS: dict[str, int] = {
    "title": 3,
    "tags": 2,
    "category_label": 1,
    "description": 1,
    "place_name": 1,
    "city": 1,
    "extra": 1,
}


def build_schema() -> Schema:
    return Schema(
        key=ID(unique=True, stored=True),
        author=ID(stored=True),
        col=ID(stored=True, sortable=True),
        rid=ID(stored=True),
        all=TEXT(analyzer=french_analyzer()),
        title=STORED(),
        description=STORED(),
        category=ID(stored=True, sortable=True),
        category_label=STORED(),
        enjeux=KEYWORD(stored=True, commas=True, sortable=True),
        place_name=STORED(),
        city=STORED(),
        department=ID(stored=True, sortable=True),
        region=ID(stored=True, sortable=True),
        pricing=ID(stored=True),
        lat=STORED(),
        lon=STORED(),
        geo=ID(sortable=True),  # "lat,lon" or "": exact distances, read from the column
        updated=ID(stored=True, sortable=True),
        valid_until=ID(stored=True),
        # "did you mean" vocabulary: the distinct folded words, not stemmed (documents.py)
        words=KEYWORD(lowercase=False, commas=False, scorable=False),
        body=STORED(),
    )


def doc_key(author: str, col: str, rid: str) -> str:
    """The unique key of a document (author ids and rids contain no space)."""
    return f"{author} {col} {rid}"
