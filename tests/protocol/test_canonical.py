from __future__ import annotations

import json

import orjson
import pytest
import rfc8785
from hypothesis import given

from protocol.canonical import (
    MAX_SAFE_INTEGER,
    canonicalize,
    lexical_depth_exceeds,
    loads_profile,
    parse_canonical,
)
from protocol.errors import ProtocolError
from tests.support.strategies import profile_values


def code_of(data: bytes) -> str:
    with pytest.raises(ProtocolError) as caught:
        parse_canonical(data)
    return caught.value.code


@given(profile_values)
def test_round_trip_through_rfc8785(value) -> None:
    data = canonicalize(value)
    assert data == rfc8785.dumps(value)
    assert parse_canonical(data, max_bytes=None) == value


@given(profile_values)
def test_fast_serialiser_agrees_with_rfc8785_when_names_are_in_the_bmp(value) -> None:
    """The fast path's premise: orjson with sorted keys *is* JCS inside the profile."""
    names = [k for k in _names(value)]
    if all(max(k, default="\0") <= "\uffff" for k in names):
        assert orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == rfc8785.dumps(value)


def _names(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names(item)


def test_member_names_sort_by_utf16_code_units() -> None:
    value = {"\ufb33": 1, "😂": 2, "a": 3}
    data = canonicalize(value)
    assert data.decode() == '{"a":3,"😂":2,"דּ":1}'
    assert parse_canonical(data) == value
    code_point_order = json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()
    assert code_of(code_point_order) == "not-canonical"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "bad-json"),
        (b"{", "bad-json"),
        (b'{"a":1}x', "bad-json"),
        (b'{"a":NaN}', "bad-json"),
        (b'{"a":Infinity}', "bad-json"),
        (b'{"a":"\xff"}', "bad-json"),
        (b'{"a":"\\ud800"}', "bad-json"),
        (b'\xef\xbb\xbf{"a":1}', "bad-json"),
        (b'{"a":"\x01"}', "bad-json"),
        (b'{"a":1,"a":1}', "duplicate-key"),
        (b'{"a":{"b":1,"b":2}}', "duplicate-key"),
        (b'{"a":1.5}', "bad-number"),
        (b'{"a":1e3}', "bad-number"),
        (b'{"a":1.0}', "bad-number"),
        (b'{"a":9007199254740992}', "bad-number"),
        (b'{"a":-9007199254740992}', "bad-number"),
        (b'{"a":123456789012345678901234567890}', "bad-number"),
        (b'{"a": 1}', "not-canonical"),
        (b'{"b":1,"a":2}', "not-canonical"),
        (b'{"a":-0}', "not-canonical"),
        (b'{"a":"\\u00e9"}', "not-canonical"),
        (b'{"a":"\\/"}', "not-canonical"),
        (b'{"a":"\\u001F"}', "not-canonical"),
        (b'{"a":1}\r', "not-canonical"),
        (b' {"a":1}', "not-canonical"),
        (b'{"a":1,"a":1.5}', "duplicate-key"),
        (b'{"a":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}', "too-deep"),
    ],
)
def test_each_rule_has_its_code(data: bytes, code: str) -> None:
    assert code_of(data) == code


def test_order_of_checks() -> None:
    deep_and_broken = b"[" * 17 + b"1" + b"]" * 16
    assert code_of(deep_and_broken) == "too-deep"
    assert code_of(b'{"a":1.5,"a":2} ') == "duplicate-key"
    assert code_of(b'{"b":1.5,"a":2}') == "bad-number"
    assert code_of(b"x" * 70000) == "too-large"


def test_integers_at_the_limits_are_accepted() -> None:
    for n in (MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 0, -1):
        assert parse_canonical(f'{{"n":{n}}}'.encode()) == {"n": n}


def test_numbers_inside_strings_are_only_text() -> None:
    data = canonicalize({"price": "25.50", "note": "ratio:1.5, [2e3", "phone": "0612345678901234"})
    assert parse_canonical(data)["note"] == "ratio:1.5, [2e3"


def test_depth_is_lexical_and_ignores_brackets_in_strings() -> None:
    assert not lexical_depth_exceeds(canonicalize({"s": "[" * 100 + "{" * 100}))
    assert lexical_depth_exceeds(b"[" * 17)
    assert not lexical_depth_exceeds(b"[" * 16 + b"]" * 16 + b"[" * 16)
    # an escaped quote does not end the string: the brackets after it are string content
    assert not lexical_depth_exceeds(b'["\\"' + b"[" * 20)
    assert lexical_depth_exceeds(b'["\\\\"' + b"[" * 20)  # an escaped backslash does not
    nested: list = []
    inner = nested
    for _ in range(15):
        inner.append([])
        inner = inner[0]
    assert parse_canonical(canonicalize(nested)) == nested  # depth 16 is allowed


def test_deep_hostile_input_is_refused_without_recursion() -> None:
    assert code_of(b"[" * 60000) == "too-deep"


def test_canonicalize_refuses_what_is_outside_the_profile() -> None:
    for value, code in [
        ({"a": 1.5}, "bad-number"),
        ({"a": 2**53}, "bad-number"),
        ({"a": "\ud800"}, "bad-json"),
        ({1: "a"}, "bad-json"),
        ({"a": object()}, "bad-json"),
    ]:
        with pytest.raises(ProtocolError) as caught:
            canonicalize(value)
        assert caught.value.code == code


def test_loads_profile_accepts_human_layout_but_not_duplicates() -> None:
    assert loads_profile('{\n  "b": 1,\n  "a": "é"\n}') == {"a": "é", "b": 1}
    with pytest.raises(ProtocolError, match="duplicate-key"):
        loads_profile('{"a": 1, "a": 2}')
    with pytest.raises(ProtocolError, match="bad-number"):
        loads_profile('{"a": 1.5}')
