"""Turning :class:`SearchParams` into whoosh queries, and the helpers of answering them.

* :func:`text_query` parses ``q`` (quoted phrases, AND/OR/NOT and their French ET/OU/SAUF,
  ``-word`` to exclude, ``word~`` for a fuzzy match, ``prefix*``) over the combined text
  field; it never raises: a query the parser cannot read is searched word by word. What
  one search may cost is capped here, never refused: a wildcard with fewer than
  :data:`MIN_PREFIX` letters before it (``a*`` names half the vocabulary), and the
  expanding terms (``*``, ``?``, ``~``) after the first :data:`MAX_EXPANDING`, are searched
  as plain words. (A refusal could not be stated in the API's description of ``q``.)
* :func:`filter_query` gives the exact filters (col, category, enjeu, department, region and
  a radius is applied
  afterwards, from the coordinates column).
* the highlighted extract of a hit is ``search.highlight``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from whoosh import qparser
from whoosh import query as wq

from search.model import SearchParams
from search.schema import TEXT_FIELD

EARTH_RADIUS_KM = 6371.0088
#: ``+word`` / ``-word``: only at the start of a word, so that "tiers-lieux", "Saint-Étienne"
#: or "Auvergne-Rhône-Alpes" stay words (a hyphen inside a word excludes nothing).
_PLUS = r"(?<![^\s(])\+(?=\w)"
_MINUS = r"(?<![^\s(])-(?=\w)"
_OPERATORS = re.compile(
    rf'[()"~*?^\[\]{{}}:]|{_PLUS}|{_MINUS}|\b(?:AND|OR|NOT|ANDNOT|ET|OU|SAUF)\b'
)


#: Letters a wildcard term must start with to expand.
MIN_PREFIX = 2
#: Expanding terms (wildcard, prefix, fuzzy) one query may hold.
MAX_EXPANDING = 4
_WILDCARDS = re.compile(r"[*?]")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle (a prefilter only)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = math.cos(math.radians(lat))
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, dlat / cos_lat)
    return max(-90.0, lat - dlat), min(90.0, lat + dlat), lon - dlon, lon + dlon


def _parser(group: type[qparser.GroupNode]) -> qparser.QueryParser:
    parser = qparser.QueryParser(TEXT_FIELD, schema=None, group=group)
    for plugin in (qparser.FieldsPlugin, qparser.RangePlugin, qparser.SingleQuotePlugin):
        parser.remove_plugin_class(plugin)
    parser.replace_plugin(
        qparser.OperatorsPlugin(
            And=r"(?<=\s)(?:AND|ET)(?=\s)",
            Or=r"(?<=\s)(?:OR|OU)(?=\s)",
            AndNot=r"(?<=\s)ANDNOT(?=\s)",
            Not=r"(^|(?<=(\s|[()])))(?:NOT|SAUF)(?=\s)",
        )
    )
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=_PLUS, minusexpr=_MINUS))
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser


class _Parsers:
    def __init__(self, schema: Any) -> None:
        self.all_words = _parser(qparser.AndGroup)
        self.any_word = _parser(qparser.OrGroup.factory(0.9))
        for parser in (self.all_words, self.any_word):
            parser.schema = schema


_PARSERS: dict[int, _Parsers] = {}


def text_query(schema: Any, q: str, *, any_word: bool = False) -> wq.Query:
    """The query of free text ``q`` (``Every`` when it holds no searchable word)."""
    if not any_word:
        plain = _plain_words(schema, q)
        if plain is not None:
            return plain
    parsers = _PARSERS.get(id(schema))
    if parsers is None:
        parsers = _PARSERS[id(schema)] = _Parsers(schema)
    parser = parsers.any_word if any_word else parsers.all_words
    try:
        parsed = parser.parse(q)
        parsed = parsed.normalize()
    except Exception:  # typed by anyone: fall back to plain words
        parsed = parser.parse(_OPERATORS.sub(" ", q)).normalize()
    if parsed is wq.NullQuery or isinstance(parsed, wq.NullQuery.__class__):
        return wq.Every()
    return _capped(parsed)


_PLAIN_WORD = re.compile(r"\w+")


def _plain_words(schema: Any, q: str) -> wq.Query | None:
    """What the parser makes of plain words (each one term at most, none an operator),
    without it: an AND of their terms; whoosh's parser took ~0.5 ms of a search. None
    when ``q`` is not that simple (the parser answers it)."""
    words = q.split()
    if not words or len(words) > 16 or has_operators(q):
        return None
    field = schema[TEXT_FIELD]
    terms: list[wq.Query] = []
    for word in words:
        if not _PLAIN_WORD.fullmatch(word):
            return None
        found = list(field.process_text(word, mode="query"))
        if len(found) > 1:
            return None
        terms += [wq.Term(TEXT_FIELD, t) for t in found]
    if not terms:
        return wq.Every()
    return (terms[0] if len(terms) == 1 else wq.And(terms)).normalize()


def _capped(query: wq.Query) -> wq.Query:
    """``query`` with the expanding terms past the caps (module docstring) as plain words."""
    seen = 0

    def cap(node: wq.Query) -> wq.Query:
        nonlocal seen
        if not isinstance(node, wq.FuzzyTerm | wq.Prefix | wq.Wildcard):
            return node
        seen += 1
        text = node.text
        short = not isinstance(node, wq.FuzzyTerm) and len(_WILDCARDS.split(text)[0]) < MIN_PREFIX
        if seen <= MAX_EXPANDING and not short:
            return node
        word = _WILDCARDS.sub("", text)
        return wq.Term(node.fieldname, word) if word else wq.NullQuery

    capped = query.accept(cap).normalize()
    return wq.Every() if capped is wq.NullQuery else capped


def has_operators(q: str) -> bool:
    return bool(_OPERATORS.search(q))


def filter_query(params: SearchParams) -> wq.Query | None:
    """The exact filters of ``params`` (None when there are none)."""
    terms: list[wq.Query] = []
    for field, value in (
        ("col", params.col),
        ("category", params.category),
        ("enjeux", params.enjeu),
        ("department", params.department),
        ("region", params.region),
    ):
        if value:
            terms.append(wq.Term(field, value))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else wq.And(terms)
