"""Plain words skip whoosh's parser (``search.query._plain_words``): the query must be the
one the parser makes, or searches would change."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from search import query as q
from search.schema import build_schema

SCHEMA = build_schema()
CASES = [
    "vélos",
    "Vélo  électrique",
    "le la les",
    "de",
    "atelier atelier",
    "Découpe LASER",
    "2024 fablab",
    "x_y",
    "été",
    "Périgueux bois",
    "œuvre cœur",
    "formation arduino Gironde",
]


def _parsed(text: str) -> wq.Query:
    parsed = q._Parsers(SCHEMA).all_words.parse(text).normalize()
    if parsed is wq.NullQuery or isinstance(parsed, wq.NullQuery.__class__):
        return wq.Every()
    return q._capped(parsed)


@pytest.mark.parametrize("text", CASES)
def test_plain_words_make_the_parsers_query(text: str) -> None:
    fast = q._plain_words(SCHEMA, text)
    assert fast is not None
    assert fast == _parsed(text) and repr(fast) == repr(_parsed(text))


@pytest.mark.parametrize("text", ["imprimante-3d", "l'atelier", "vélo OR bois", '"bois"', "-x a"])
def test_anything_else_goes_to_the_parser(text: str) -> None:
    assert q._plain_words(SCHEMA, text) is None
