"""Hypothesis strategies for JSON values inside the Maillage profile."""

from __future__ import annotations

from hypothesis import strategies as st

from protocol.canonical import MAX_SAFE_INTEGER

# Every code point but surrogates, weighted towards what records carry, with control
# characters and astral characters mixed in.
text = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list('éèàçôœ’«» "\\/\n\t\x00\x1f\x7f\u2028\ufb33😂€')),
    ),
    max_size=20,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    text,
)


def json_values(max_leaves: int = 30) -> st.SearchStrategy:
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(text, children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


def depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


profile_values = json_values().filter(lambda v: depth(v) <= 16)
bodies = st.dictionaries(text, json_values(15), max_size=6).filter(lambda v: depth(v) <= 12)
