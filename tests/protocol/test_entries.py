from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from protocol.encoding import b64url_decode, b64url_encode, hash_ref
from protocol.entries import SIGNING_DOMAIN, entry_id
from protocol.errors import ProtocolError
from protocol.keys import SigningKey
from protocol.signing import sign_entry
from protocol.verification import verify_line
from tests.support.samples import OFFER, TS, chain, key
from tests.support.strategies import bodies

ALICE = key("alice")


def code_of(line: bytes) -> str:
    with pytest.raises(ProtocolError) as caught:
        verify_line(line)
    return caught.value.code


def resign(header: dict, body, signer: SigningKey = ALICE, sig: str | None = None) -> bytes:
    """A line built by hand: signed over whatever header we give, no checks."""
    if sig is None:
        sig = b64url_encode(signer.sign(SIGNING_DOMAIN + rfc8785.dumps(header)))
    return rfc8785.dumps({"header": header, "body": body, "sig": sig})


def good() -> tuple[dict, dict]:
    entry = chain(ALICE, [("offer", "laser", OFFER)])[0]
    return dict(entry.header), dict(entry.body)


def test_sign_then_verify() -> None:
    entry = chain(ALICE, [("offer", "laser", OFFER)])[0]
    again = verify_line(entry.line)
    assert again == entry
    assert entry.id == entry_id(entry.header) == hash_ref(rfc8785.dumps(entry.header))
    assert entry.header["body_hash"] == hash_ref(rfc8785.dumps(OFFER))
    assert entry.line == rfc8785.dumps({"header": entry.header, "body": OFFER, "sig": entry.sig})


def test_signature_is_domain_separated() -> None:
    entry = chain(ALICE, [("offer", "laser", OFFER)])[0]
    public = ALICE._private.public_key()
    public.verify(b64url_decode(entry.sig), SIGNING_DOMAIN + rfc8785.dumps(entry.header))


def test_del_and_withheld_body() -> None:
    put, delete = chain(ALICE, [("offer", "laser", OFFER), ("offer", "laser", None)])
    assert delete.body is None and delete.header["body_hash"] is None
    withheld = put.without_body()
    assert verify_line(withheld.line).withheld
    assert withheld.id == put.id and withheld.sig == put.sig


@settings(max_examples=60, deadline=None)
@given(bodies)
def test_any_body_signs_and_verifies(body) -> None:
    entry = sign_entry(ALICE, seq=1, prev=None, col="offer", rid="x", body=body, ts=TS)
    assert verify_line(entry.line).body == body


LINE = chain(ALICE, [("offer", "laser", OFFER)])[0].line


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(LINE) - 1), st.integers(1, 255))
def test_any_byte_change_is_detected(position: int, delta: int) -> None:
    changed = bytearray(LINE)
    changed[position] = (changed[position] + delta) % 256
    with pytest.raises(ProtocolError):
        verify_line(bytes(changed))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(LINE) - 1), st.binary(min_size=0, max_size=3))
def test_any_splice_is_detected(position: int, replacement: bytes) -> None:
    changed = LINE[:position] + replacement + LINE[position + 1 :]
    assume(changed != LINE)
    with pytest.raises(ProtocolError):
        verify_line(changed)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"v": 2}, "bad-header"),
        ({"v": True}, "bad-header"),
        ({"seq": 0}, "bad-header"),
        ({"seq": "1"}, "bad-header"),
        ({"prev": "sha256-" + "A" * 43}, "bad-header"),  # seq 1 with a prev
        ({"ts": "2026-11-27 08:00:00"}, "bad-header"),
        ({"ts": "2026-02-30T08:00:00Z"}, "bad-header"),
        ({"ts": "٢٠٢٦-11-27T08:00:00Z"}, "bad-header"),
        ({"op": "patch"}, "bad-header"),
        ({"col": "Offer"}, "bad-header"),
        ({"col": "a" * 33}, "bad-header"),
        ({"rid": ""}, "bad-header"),
        ({"rid": "a b"}, "bad-header"),
        ({"rid": "x" * 129}, "bad-header"),
        ({"body_hash": None}, "bad-header"),
        ({"body_hash": "sha256-" + "A" * 42 + "B"}, "bad-header"),  # non-canonical base64
        ({"author": 7}, "bad-header"),
        ({"author": "did:key:zNotAKey"}, "bad-author"),
        ({"rid": "other"}, "bad-signature"),
    ],
)
def test_header_rules(change: dict, code: str) -> None:
    header, body = good()
    original = dict(header)
    header.update(change)
    if code == "bad-signature":  # keep the old signature over the old header
        sig = json.loads(LINE)["sig"]
        assert code_of(resign(header, body, sig=sig)) == code
        return
    assert code_of(resign(header, body)) == code, (original, change)


def test_missing_and_extra_members() -> None:
    header, body = good()
    del header["ts"]
    assert code_of(resign(header, body)) == "bad-header"
    header, body = good()
    header["extra"] = 1
    assert code_of(resign(header, body)) == "bad-header"
    header, body = good()
    line = rfc8785.dumps({"header": header, "body": body, "sig": "x", "more": 1})
    assert code_of(line) == "bad-header"
    assert code_of(b"[]") == "bad-header"


def test_body_must_match_op() -> None:
    header, body = good()
    header.update(op="del", body_hash=None)
    assert code_of(resign(header, body)) == "bad-header"
    header, _ = good()
    assert code_of(resign(header, ["not", "an", "object"])) == "bad-header"


def test_body_hash_mismatch_and_signature_faults() -> None:
    header, body = good()
    assert code_of(resign(header, dict(body, title="Autre chose"))) == "body-hash-mismatch"
    assert code_of(resign(header, body, signer=key("mallory"))) == "bad-signature"
    sig = json.loads(LINE)["sig"]
    assert code_of(resign(header, body, sig=sig[:-1] + "B")) == "bad-signature"  # unused bits
    assert code_of(resign(header, body, sig=sig[:-2])) == "bad-signature"
    assert code_of(resign(header, body, sig="")) == "bad-signature"


def test_body_hash_is_checked_before_the_signature() -> None:
    header, body = good()
    line = resign(header, dict(body, title="x"), signer=key("mallory"))
    assert code_of(line) == "body-hash-mismatch"


def test_entry_over_64_kib_cannot_be_signed() -> None:
    with pytest.raises(ProtocolError) as caught:
        sign_entry(ALICE, seq=1, prev=None, col="offer", rid="x", body={"d": "é" * 40000})
    assert caught.value.code == "too-large"


def test_put_needs_a_body_and_del_none() -> None:
    with pytest.raises(ValueError):
        sign_entry(ALICE, seq=1, prev=None, col="offer", rid="x", op="put", body=None)
    with pytest.raises(ValueError):
        sign_entry(ALICE, seq=1, prev=None, col="offer", rid="x", op="del", body={})
