"""The fields of a search document, and how a document is keyed.

One document per current record of an indexed collection (``INDEXED_COLS``). Text fields
use the French analyzer (``search.analysis``); codes are exact ``ID``/``KEYWORD`` terms,
filterable and sortable through columns (the index answers facets and sorts from them).
"""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search import patches  # noqa: F401  (whoosh's length readers, see there)
from search.analysis import FastAnalyzer, french_analyzer

#: The collections that become documents; listings (issue 6) are indexed like profiles.
INDEXED_COLS = frozenset({"profile", "offer", "need", "listing"})
#: Collections whose record *is* a place (its name and town come from the record itself).
PLACE_COLS = frozenset({"profile", "listing"})
#: The one free-text field searched: title, tags, category label, description, place name,
#: town, the names of its department and region ("formation arduino Gironde") and the
#: labels of enjeux, pricing and audiences, copied together at indexing time (one field to
#: match is several times faster than an OR over eight). Each part has a weight: a word of
#: the title counts three times, a tag twice (see :class:`CombinedText`).
TEXT_FIELD = "all"
TEXT_PARTS: dict[str, int] = {
    "title": 3,
    "tags": 2,
    "category_label": 1,
    "description": 1,
    "place_name": 1,
    "city": 1,
    "area": 1,
    "extra": 1,
}


class CombinedText(TEXT):
    """The combined text field: its value is a list of ``(text, weight)`` parts.

    Each part is analysed once (:class:`search.analysis.FastAnalyzer`, the same terms as
    the field's whoosh analyzer, which queries use) with positions running on from part to
    part; a term's weight is the sum of the weights of its occurrences, so a title word
    scores as if the title were repeated, for the cost of analysing it once. A plain
    string is one part of weight 1. Given a set as ``words``, :meth:`index` adds to it the
    words of the terms, unstemmed: the « did you mean » vocabulary (``WORDS_FIELD``), made
    in the same pass (:class:`search.bulk.CompactWriter` posts them).
    """

    _fast = FastAnalyzer()
    collects_words = True

    def index(self, value, words=None, **kwargs):  # type: ignore[no-untyped-def]
        parts = [(value, 1)] if isinstance(value, str) else value
        positions: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        state: tuple[int, int | None] = (0, None)
        for text, weight in parts:
            terms, state = self._fast.terms(text, state, words)
            for term, pos in terms:
                if term in positions:
                    positions[term].append(pos)
                    weights[term] += weight
                else:
                    positions[term] = [pos]
                    weights[term] = weight
        encode, boost = self.format.encode, self.format.field_boost
        return [
            (term.encode("utf-8"), len(poses), weights[term] * boost, encode(poses))
            for term, poses in positions.items()
        ]


#: The « did you mean » vocabulary: the distinct words of the text field, folded, not
#: stemmed, without stop words. Its terms only need to exist somewhere: one posting per
#: term and segment (:class:`search.bulk.CompactWriter`).
WORDS_FIELD = "words"


class Code(ID):
    """An exact code kept only as a column, one value per document, never as terms.

    Searches read codes from the columns (``search.segments``: the sets of each filter
    value, the per-document values), never from postings; indexing them as terms too cost
    each document a dozen postings to pool, sort and write at commit for nothing."""

    indexed = False


class Codes(KEYWORD):
    """Comma-separated codes kept only as a column (as :class:`Code`)."""

    indexed = False


def build_schema() -> Schema:
    # Only key (updates, deletions), author (a place's documents: deletions, hiding), the
    # text and the words are indexed as terms; the codes are columns (see Code).
    return Schema(
        key=ID(unique=True, stored=True),
        author=ID(stored=True, sortable=True),  # a column: the statistics' places by network
        col=Code(stored=True, sortable=True),
        rid=STORED(),
        all=CombinedText(analyzer=french_analyzer()),
        # a hit's title, text and category label are read from its body (search.documents
        # ``shown``): stored apart too, they were a third of what each hit decompressed
        category=Code(stored=True, sortable=True),
        enjeux=Codes(commas=True, sortable=True),
        # profiles and listings: their families of place, the statistics' by_family
        families=Codes(commas=True, sortable=True),
        place_name=STORED(),
        city=STORED(),
        department=Code(stored=True, sortable=True),
        region=Code(sortable=True),
        lat=STORED(),
        lon=STORED(),
        geo=Code(sortable=True),  # "lat,lon" or "": exact distances, read from the column
        updated=Code(stored=True, sortable=True),
        valid_until=STORED(),
        # the last day the record is current, "" if it never expires (search.expiry): kept
        # as one set of documents per day, so hiding the expired is a few set unions
        expires=Code(stored=True, sortable=True),
        # a need's due date (AAAA-MM-JJ) or "": the order « échéance » reads the column
        due=Code(sortable=True),
        # WORDS_FIELD: made from the text field as it is indexed, never given
        words=KEYWORD(lowercase=False, commas=False, scorable=False),
        body=STORED(),
        # profiles and listings: website, name and author, to find claims (search.claims)
        claim=Code(sortable=True),
    )


def doc_key(author: str, col: str, rid: str) -> str:
    """The unique key of a document (author ids and rids contain no space)."""
    return f"{author} {col} {rid}"
