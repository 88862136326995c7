"""What one search may cost (search/query.py): expanding terms past the caps are searched as
plain words, never refused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from whoosh import query as wq

from search.query import MAX_EXPANDING, text_query
from search.schema import build_schema

SCHEMA = build_schema()


def expanding(query: wq.Query) -> list[wq.Query]:
    kinds = wq.FuzzyTerm | wq.Prefix | wq.Wildcard
    return [q for q in [query, *query.leaves()] if isinstance(q, kinds)]


def test_a_short_wildcard_is_a_word():
    assert text_query(SCHEMA, "a*") == wq.Term("all", "a")
    assert text_query(SCHEMA, "?aser") == wq.Term("all", "as")
    assert isinstance(text_query(SCHEMA, "at*"), wq.Prefix)
    assert isinstance(text_query(SCHEMA, "*"), wq.Every)


def test_past_four_expanding_terms_the_rest_are_words():
    parsed = text_query(SCHEMA, "ab* cd* ef* gh~ ij? kl*")
    assert len(expanding(parsed)) == MAX_EXPANDING
    assert wq.Term("all", "ij") in parsed.leaves() and wq.Term("all", "kl") in parsed.leaves()


@given(
    st.lists(st.sampled_from(["a*", "lo*", "ate*", "b?", "laser~", "x*y", "*", "mot"]), max_size=12)
)
def test_no_query_holds_more_than_the_cap(words):
    parsed = text_query(SCHEMA, " ".join(words))
    assert len(expanding(parsed)) <= MAX_EXPANDING
    for node in expanding(parsed):
        if not isinstance(node, wq.FuzzyTerm):
            assert len(node.text.split("*")[0].split("?")[0]) >= 2
