"""A parameter's rule and its description agree: ``Param.read`` accepts exactly the values its
JSON Schema (``Param.schema``, as the API description states it) allows."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.federation import api_params
from node.settings import Settings
from search.model import SEARCH_PARAMS
from search.params import Param, ParamError

jsonschema_rs = pytest.importorskip("jsonschema_rs")  # ECMA-262 patterns, as schemathesis reads

PARAMS = [
    *SEARCH_PARAMS,
    *api_params.entries_params(Settings.model_construct(page_max=1000, page_default=500)),
    *api_params.CHALLENGE_PARAMS,
    api_params.CALLBACK,
]
TEXT = st.text(st.characters(codec="utf-8"), max_size=80)


def _reads(param: Param, raw: str) -> bool:
    try:
        param.read(raw)
    except ParamError:
        return False
    return True


def _allows(param: Param, raw: str) -> bool:
    """Whether the description allows ``raw`` as sent in a URL (an integer as digits)."""
    schema = param.schema()
    if param.type == "integer":
        if not re.fullmatch(r"-?[0-9]{1,30}", raw):  # what a query string can say of a number
            return False
        return jsonschema_rs.validator_for(schema).is_valid(int(raw))
    return jsonschema_rs.validator_for(schema).is_valid(raw)


def _samples(param: Param) -> st.SearchStrategy[str]:
    if param.type == "integer":
        return st.integers(-10, 2**54).map(str) | TEXT
    if param.pattern is not None:
        return st.from_regex(re.compile(param.pattern), fullmatch=True) | TEXT
    return st.sampled_from(param.enum) | TEXT if param.enum else TEXT


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_rule_reads_what_the_description_allows_and_nothing_else(param: Param, data):
    raw = data.draw(_samples(param))
    assert _reads(param, raw) == _allows(param, raw), raw


def test_an_error_names_the_parameter_in_french():
    with pytest.raises(ParamError) as caught:
        api_params.LEASE.read("-1")
    assert caught.value.param == "lease_seconds" and "entier" in caught.value.message
