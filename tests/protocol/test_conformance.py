"""Conformance against data written by other projects (../shared/vectors)."""

from __future__ import annotations

import json

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.canonical import parse_canonical
from protocol.errors import ProtocolError
from tests.conftest import SHARED, shared_path

JCS_NAMES = ["arrays", "french", "structures", "unicode", "values", "weird"]


@pytest.mark.parametrize("name", JCS_NAMES)
def test_rfc8785_reference_output_matches_byte_for_byte(name: str) -> None:
    source = shared_path("vectors", "jcs", "input", f"{name}.json").read_bytes()
    expected = shared_path("vectors", "jcs", "output", f"{name}.json").read_bytes()
    assert rfc8785.dumps(json.loads(source)) == expected


@pytest.mark.parametrize("name", JCS_NAMES)
def test_reference_outputs_through_the_entry_profile(name: str) -> None:
    """Our parser accepts every reference output inside the profile, and only those."""
    expected = shared_path("vectors", "jcs", "output", f"{name}.json").read_bytes()
    value = json.loads(expected)
    has_float = any(isinstance(v, float) for v in _walk(value))
    if has_float:
        with pytest.raises(ProtocolError) as caught:
            parse_canonical(expected)
        assert caught.value.code == "bad-number"
    else:
        assert parse_canonical(expected) == value


def _walk(value):
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _wycheproof_cases():
    path = SHARED / "vectors" / "wycheproof" / "ed25519_test.json"
    if not path.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"peer data absent: {path}"))]
    data = json.loads(path.read_text())
    return [
        pytest.param((group["publicKey"]["pk"], case), id=f"tc{case['tcId']}")
        for group in data["testGroups"]
        for case in group["tests"]
    ]


@pytest.mark.parametrize("item", _wycheproof_cases())
def test_wycheproof_ed25519(item) -> None:
    """Every Wycheproof case gets its expected result from the library we verify with."""
    public_hex, case = item
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(case["sig"]), bytes.fromhex(case["msg"]))
        outcome = "valid"
    except (InvalidSignature, ValueError):
        outcome = "invalid"
    assert outcome == case["result"], case["comment"]


def test_wycheproof_case_count() -> None:
    data = json.loads(shared_path("vectors", "wycheproof", "ed25519_test.json").read_text())
    assert sum(len(g["tests"]) for g in data["testGroups"]) == data["numberOfTests"] == 151
