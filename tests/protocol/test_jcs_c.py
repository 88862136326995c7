"""The C validator of canonical JSON vouches only for what the exact Python path accepts."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import verification
from protocol.canonical import parse_canonical
from protocol.errors import ProtocolError
from tests.conftest import SHARED
from tests.support.strategies import profile_values

jcs = verification._jcs
pytestmark = pytest.mark.skipif(jcs is None, reason="C validator not built (no C compiler)")


def exact_accepts(data: bytes) -> bool:
    try:
        parse_canonical(data, max_bytes=None)
    except ProtocolError:
        return False
    return True


def sound(data: bytes) -> None:
    if jcs.check(data) is not None:
        assert exact_accepts(data), data


@settings(max_examples=400, deadline=None)
@given(profile_values)
def test_vouches_for_canonical_values(value) -> None:
    data = rfc8785.dumps(value)
    assert jcs.check(data) is not None
    assert exact_accepts(data)


@settings(max_examples=400, deadline=None)
@given(profile_values, st.data())
def test_mutations_are_never_vouched_wrongly(value, data) -> None:
    original = rfc8785.dumps(value)
    if not original:
        return
    position = data.draw(st.integers(0, len(original) - 1))
    replacement = data.draw(
        st.binary(max_size=3)
        | st.sampled_from(
            [b" ", b"\\u00e9", b"1.5", b"-0", b'"', b"\\", b"\xff", b"\xed\xa0\x80", b"}", b"{"]
        )
    )
    sound(original[:position] + replacement + original[position + 1 :])


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_safe(data: bytes) -> None:
    sound(data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":1}',
        b'{"b":1,"a":2}',
        b'{"a": 1}',
        b'{"a":1.5}',
        b'{"a":1e3}',
        b'{"a":-0}',
        b'{"a":01}',
        b'{"a":9007199254740992}',
        b'{"a":"\\u00e9"}',
        b'{"a":"\\u001F"}',
        b'{"a":"\\/"}',
        b'{"a":"\x01"}',
        b'{"a":"\xc3"}',
        b'{"a":"\xed\xa0\x80"}',
        b'{"a":"\xc0\xaf"}',
        b'{"a":NaN}',
        b'{"a":tru}',
        b"[" * 17,
        b'{"a":1}x',
        b"",
        b'"abc',
        b'{"\xef\xac\xb3":1,"\xf0\x9f\x98\x82":2}',
    ],
)
def test_declines_what_is_not_canonical(data: bytes) -> None:
    assert jcs.check(data) is None
    assert not exact_accepts(data)


def test_member_order_is_utf16() -> None:
    value = {"\ufb33": 1, "😂": 2, "a": 3, "\u00e9": 4, "\n": 5}
    data = rfc8785.dumps(value)
    assert jcs.check(data) is not None
    code_point_order = json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()
    assert jcs.check(code_point_order) is None


def test_depth_limit() -> None:
    ok = b"[" * 16 + b"]" * 16
    assert jcs.check(ok) == () and exact_accepts(ok)
    assert jcs.check(b"[" * 17 + b"]" * 17) is None


def test_entry_offsets() -> None:
    line = b'{"body":{"a":[1]},"header":{"x":"y"},"sig":"s"}'
    start, body_end, header_start, header_end = jcs.check(line)
    assert line[start:body_end] == b'{"a":[1]}'
    assert line[header_start:header_end] == b'{"x":"y"}'
    assert jcs.check(b'{"body":null,"header":{},"sig":"s","z":1}') == ()


@pytest.mark.parametrize("name", ["arrays", "french", "structures", "unicode", "values", "weird"])
def test_rfc8785_reference_outputs(name: str) -> None:
    path = SHARED / "vectors" / "jcs" / "output" / f"{name}.json"
    if not path.exists():
        pytest.skip(f"peer data absent: {path}")
    data = path.read_bytes()
    assert (jcs.check(data) is not None) == exact_accepts(data)


def test_not_bytes() -> None:
    with pytest.raises(TypeError):
        jcs.check("text")


def test_entry_returns_signature_and_body_hash() -> None:
    from protocol.encoding import b64url_decode
    from protocol.signing import sign_entry
    from tests.support.samples import OFFER, TS, key

    put = sign_entry(key("a"), seq=1, prev=None, col="offer", rid="x", body=OFFER, ts=TS)
    _, header_start, header_end, signature, body_hash = jcs.entry(put.line)
    assert signature == b64url_decode(put.sig)
    assert body_hash == b64url_decode(put.header["body_hash"][len("sha256-") :])
    assert put.line[header_start:header_end] == rfc8785.dumps(put.header)
    withheld = jcs.entry(put.without_body().line)
    assert withheld is not None and withheld[4] is None
    delete = sign_entry(key("a"), seq=2, prev=put.id, col="offer", rid="x", op="del", ts=TS)
    assert jcs.entry(delete.line)[4] is None
    for old, new in [
        (b'"seq":2', b'"seq":1'),
        (b'"op":"del"', b'"op":"put"'),
        (b"T08:00:00Z", b"T24:00:00Z"),
        (b'"rid":"x"', b'"rid":"x y"'),
    ]:
        assert jcs.entry(delete.line.replace(old, new)) is None
