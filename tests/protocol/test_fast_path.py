"""The fast path of entry verification accepts only what the exact path accepts."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import verification
from protocol.errors import ProtocolError
from protocol.signing import sign_entry
from protocol.verification import _exact_check, _fast_check_c, _fast_check_py
from tests.support.samples import OFFER, TS, key
from tests.support.strategies import bodies

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "entries.json").read_text())


def vector_lines() -> list[bytes]:
    lines = [case["line"].encode() for case in VECTORS["valid"]]
    for case in VECTORS["invalid"]:
        lines.append(
            base64.b64decode(case["line_b64"]) if "line_b64" in case else case["line"].encode()
        )
    return lines


FAST_PATHS = [_fast_check_py] + ([_fast_check_c] if verification._jcs is not None else [])


def agree(line: bytes) -> None:
    """Whatever a fast path vouches for, the exact path accepts, with the same result."""
    for fast_check in FAST_PATHS:
        fast = fast_check(line)
        if fast is None:
            continue
        exact = _exact_check(line)  # must not raise
        assert fast[0] == exact[0] and fast[2:] == exact[2:]
        assert fast[0].body == exact[0].body and fast[0].header == exact[0].header


@pytest.mark.parametrize("line", vector_lines())
def test_fast_path_agrees_on_every_vector(line: bytes) -> None:
    agree(line)


def test_fast_path_takes_ordinary_entries() -> None:
    entry = sign_entry(key("a"), seq=1, prev=None, col="offer", rid="x", body=OFFER, ts=TS)
    for fast_check in FAST_PATHS:
        assert fast_check(entry.line) is not None
        assert fast_check(entry.without_body().line) is not None


@settings(max_examples=150, deadline=None)
@given(bodies)
def test_fast_path_agrees_on_any_body(body) -> None:
    line = sign_entry(key("a"), seq=1, prev=None, col="offer", rid="x", body=body, ts=TS).line
    agree(line)


LINE = sign_entry(
    key("a"),
    seq=2,
    prev="sha256-" + "A" * 43,
    col="offer",
    rid="x",
    body=dict(OFFER, quantity=12, n=[1, -2]),
    ts=TS,
).line


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(LINE) - 1), st.sampled_from(list(b'0123456789.eE-+:,[]{}"\\ x\xf0')))
def test_fast_path_agrees_on_mutations(position: int, byte: int) -> None:
    mutated = LINE[:position] + bytes([byte]) + LINE[position + 1 :]
    try:
        agree(mutated)
    except ProtocolError as error:  # the exact path refused what the fast path took
        pytest.fail(f"fast path accepted a line the exact path refuses: {error}")


@pytest.mark.parametrize(
    "value",
    [b"1.5", b"-1.5", b"1e+16", b"1e-7", b"[1.5]", b"[1,2.5]", b"-0.0", b"12345678901234567"],
)
def test_floats_in_body_never_take_the_fast_path(value: bytes) -> None:
    entry = sign_entry(key("a"), seq=1, prev=None, col="offer", rid="x", body={"n": 7}, ts=TS)
    forged = entry.line.replace(b'"n":7', b'"n":' + value)
    for fast_check in FAST_PATHS:
        assert fast_check(forged) is None
