"""Write ``tests/vectors/entries.json``: test vectors of the Maillage wire format, version 1.

Run from anywhere with the project's interpreter::

    .venv/bin/python tests/vectors/generate.py

The output is deterministic (fixed seeds, fixed timestamps, Ed25519 signatures are
deterministic). Valid entries are made with the project's own signer
(:func:`protocol.signing.sign_entry`); invalid lines are crafted by hand, byte by byte where
needed. Every case is checked against the reference verifier (:func:`protocol.stream.check_line`
for single lines, :func:`protocol.stream.verify_stream` for streams) before anything is
written: a case whose verdict differs from the one stated here stops the generator with an
error. ``tests/protocol/test_vectors.py`` checks that :func:`build` reproduces the committed
file byte for byte. The format is described in ``tests/vectors/README.md``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import base58
import rfc8785

from protocol.canonical import MAX_ENTRY_BYTES, canonicalize
from protocol.encoding import b64url_decode, b64url_encode, hash_ref
from protocol.entries import SIGNING_DOMAIN, Entry
from protocol.errors import ERROR_CODES, ProtocolError
from protocol.keys import DID_PREFIX, SigningKey, did_from_public_bytes
from protocol.signing import sign_entry
from protocol.stream import check_line, verify_stream

OUTPUT = Path(__file__).with_name("entries.json")
FORMAT = "maillage-vectors-1"
TS = "2024-03-15T09:30:00Z"
ED25519_L = 2**252 + 27742317777372353535851937790883648493
DROP = object()  # marks a header member to remove in :func:`craft`
COMPUTE = object()  # the default of ``sig`` in :func:`craft`: sign the header


class VectorError(AssertionError):
    """The reference implementation does not give a case the verdict stated for it."""


# --------------------------------------------------------------------------------------------
# Keys


def _label_seed(label: str) -> bytes:
    return hashlib.sha256(f"maillage-vectors-1 {label}".encode()).digest()


KEY_SEEDS: list[tuple[str, bytes]] = [
    ("a", bytes(range(32))),  # 0x00 0x01 ... 0x1f
    ("b", _label_seed("b")),
    ("c", _label_seed("c")),
    # Key rotation and recovery of a's feed (SPEC 10.4): the next key, the recovery key, the
    # key a recovery designates, and a thief's own key.
    ("n", _label_seed("n")),
    ("r", _label_seed("r")),
    ("m", _label_seed("m")),
    ("t", _label_seed("t")),
]
KEYS: dict[str, SigningKey] = {name: SigningKey.from_seed(seed) for name, seed in KEY_SEEDS}
A, B, C = KEYS["a"], KEYS["b"], KEYS["c"]


# --------------------------------------------------------------------------------------------
# Helpers


def jcs(value: Any) -> bytes:
    """RFC 8785 bytes without the profile checks: for crafting lines outside the profile."""
    return rfc8785.dumps(value)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def replace_once(line: bytes, old: bytes, new: bytes) -> bytes:
    if line.count(old) != 1:
        raise VectorError(f"{old!r} occurs {line.count(old)} times in {line[:80]!r}…")
    return line.replace(old, new)


def make_header(
    signer: SigningKey,
    *,
    seq: int = 1,
    prev: str | None = None,
    op: str = "put",
    col: str = "profile",
    rid: str = "profile",
    body: Any = None,
    ts: str = TS,
) -> dict[str, Any]:
    return {
        "v": 1,
        "author": signer.did,
        "seq": seq,
        "prev": prev,
        "ts": ts,
        "op": op,
        "col": col,
        "rid": rid,
        "body_hash": hash_ref(jcs(body)) if op == "put" and body is not None else None,
    }


def craft(
    header: dict[str, Any],
    body: Any,
    signer: SigningKey,
    *,
    sig: Any = COMPUTE,
    message: bytes | None = None,
    **changes: Any,
) -> bytes:
    """The JCS line of an entry with ``header`` updated by ``changes`` (``DROP`` removes).

    The signature is ``signer``'s over the signing input of the *changed* header, unless
    ``message`` (what to sign instead) or ``sig`` (the member's value as is) is given.
    """
    header = dict(header)
    for name, value in changes.items():
        if value is DROP:
            del header[name]
        else:
            header[name] = value
    if sig is COMPUTE:
        signed = message if message is not None else SIGNING_DOMAIN + jcs(header)
        sig = b64url_encode(signer.sign(signed))
    return jcs({"header": header, "body": body, "sig": sig})


def nest(depth: int, leaf: Any) -> Any:
    """``depth`` nested containers (objects and arrays alternately) around ``leaf``."""
    value = leaf
    for level in range(depth):
        value = {"n": value} if level % 2 == 0 else [value]
    return value


def flip_sig_bit(sig: str, byte: int = 0, bit: int = 0) -> str:
    raw = bytearray(b64url_decode(sig))
    raw[byte] ^= 1 << bit
    return b64url_encode(bytes(raw))


# Just enough edwards25519 arithmetic (affine, slow, exact) to craft signatures that the
# project's signer cannot make.
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
Point = tuple[int, int]
IDENTITY: Point = (0, 1)


def _add(p1: Point, p2: Point) -> Point:
    (x1, y1), (x2, y2) = p1, p2
    t = _D * x1 * x2 * y1 * y2 % _P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, _P - 2, _P) % _P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, _P - 2, _P) % _P
    return (x3, y3)


def _mul(n: int, point: Point) -> Point:
    result = IDENTITY
    while n:
        if n & 1:
            result = _add(result, point)
        point = _add(point, point)
        n >>= 1
    return result


def _x_from_y(y: int, sign: int) -> int | None:
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if x % 2 != sign else x


def _encode(point: Point) -> bytes:
    x, y = point
    return (y | (x & 1) << 255).to_bytes(32, "little")


_BASE: Point = (_x_from_y(4 * pow(5, _P - 2, _P) % _P, 0) or 0, 4 * pow(5, _P - 2, _P) % _P)


def _order_8_point() -> Point:
    for y in range(2, 1000):
        x = _x_from_y(y, 0)
        if x is None:
            continue
        torsion = _mul(ED25519_L, (x, y))  # removes the prime-order component
        if _mul(4, torsion) != IDENTITY:
            return torsion
    raise VectorError("no point of order 8 found")


def _h(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % ED25519_L


def mixed_order_r_signature(seed: bytes, message: bytes) -> bytes:
    """A signature valid for the cofactored equation [8][S]B = [8]R + [8][k]A only.

    R = [r]B + T with T of order 8 and S = r + k*a: then [S]B - [k]A = R - T, not R, so
    the cofactorless check of RFC 8032 (used by the reference) fails.
    """
    digest = hashlib.sha512(seed).digest()
    a = int.from_bytes(digest[:32], "little")
    a = (a & ~7 & ((1 << 254) - 1)) | (1 << 254)
    public = _encode(_mul(a, _BASE))
    if public != SigningKey.from_seed(seed).public_bytes:
        raise VectorError("edwards25519 helper disagrees with the signer")
    r = _h(b"maillage-vectors-1 mixed-order R", message)
    big_r = _add(_mul(r, _BASE), _order_8_point())
    k = _h(_encode(big_r), public, message)
    s = (r + k * a) % ED25519_L
    # Check the cofactored equation holds and the cofactorless one does not.
    lhs = _mul(8, _mul(s, _BASE))
    rhs = _mul(8, _add(big_r, _mul(k, _mul(a, _BASE))))
    if lhs != rhs or _mul(s, _BASE) == _add(big_r, _mul(k, _mul(a, _BASE))):
        raise VectorError("mixed-order R signature is not what it should be")
    return _encode(big_r) + s.to_bytes(32, "little")


def non_point_public_key() -> bytes:
    """The smallest y (little-endian, x sign bit 0) that is not the encoding of a point."""
    for y in range(2, 1000):
        if _x_from_y(y, 0) is None:
            return y.to_bytes(32, "little")
    raise VectorError("no non-point found")


# --------------------------------------------------------------------------------------------
# Record bodies (field names in English, vocabulary codes in French)

PROFILE_A = {
    "name": "La Fabrique du Toulon",
    "summary": "Fablab associatif à Périgueux : découpe laser, impression 3D, couture.",
    "families": ["fablab", "atelier-partage"],
    "address": {"postcode": "24000", "city": "Périgueux", "insee_code": "24322"},
    "department": "24",
    "region": "75",
    "geo": {"lat": "45.1846", "lon": "0.7214"},
    "access": "public",
    "status": "actif",
}
OFFER_A = {
    "title": "Découpe laser sur bois et acrylique",
    "category": "production.prototypage",
    "tags": ["laser", "bois"],
    "enjeux": ["transition-ecologique"],
    "conditions": {
        "pricing": "tarif",
        "price": "25.00",
        "unit": "heure",
        "limits": {"lead_time_days": 10},
        "audiences": ["citoyens", "entreprises"],
        "channel": "sur-place",
    },
    "area": {"departments": ["24"], "radius_km": 40},
    "valid_until": "2024-12-31",
}
OFFER_A_FORK = {
    "title": "Impression 3D grand format",
    "category": "production.prototypage",
    "conditions": {"pricing": "devis"},
}
NEED_B = {
    "title": "Visières de protection, 500 pièces sous 10 jours",
    "category": "production.petite-serie",
    "enjeux": ["resilience-crise", "sante"],
    "quantity": 500,
    "unit": "pièces",
    "due_date": "2024-03-25",
    "urgency": "haute",
}
FOLLOW_B = {"url": "https://noeud.fabrique-toulon.example/", "name": "La Fabrique du Toulon"}
ENDORSE_B = {
    "note": "Partenaire du réseau depuis 2020 : visières et masques au printemps",
    "scopes": ["production.textile", "formation"],
}

CONTROLS = "".join(chr(c) for c in range(0x20)) + '\x7f\u2028\u2029"\\/'


class Builder:
    def __init__(self) -> None:
        self.valid: list[dict[str, Any]] = []
        self.invalid: list[dict[str, Any]] = []
        self.streams: list[dict[str, Any]] = []
        self.entries: dict[str, Entry] = {}
        self._names: set[str] = set()

    def _name(self, name: str) -> str:
        if name in self._names:
            raise VectorError(f"duplicate case name {name}")
        self._names.add(name)
        return name

    # ---------------------------------------------------------------- valid

    def add_valid(
        self,
        name: str,
        description: str,
        key: str,
        entry: Entry,
        withheld_from: str | None = None,
    ) -> Entry:
        header_jcs = canonicalize(entry.header)
        body_jcs = None if entry.body is None else canonicalize(entry.body)
        checked = check_line(entry.line)
        if checked.id != entry.id or checked.id != hash_ref(header_jcs):
            raise VectorError(f"{name}: id differs")
        if entry.header["author"] != KEYS[key].did:
            raise VectorError(f"{name}: not signed by key {key}")
        if entry.line.count(b"\n"):
            raise VectorError(f"{name}: newline in line")
        as_stream = [_verdict_json(v) for v in verify_stream(io.BytesIO(entry.line))]
        if as_stream != [{"ok": True, "id": entry.id}]:
            raise VectorError(f"{name}: as a one-line stream gives {as_stream}")
        case: dict[str, Any] = {
            "name": self._name(name),
            "description": description,
            "key": key,
            "line": entry.line.decode("utf-8"),
            "header_jcs": header_jcs.decode("ascii"),
            "signing_input": (SIGNING_DOMAIN + header_jcs).decode("ascii"),
            "sig": entry.sig,
            "id": entry.id,
            "body_jcs": None if body_jcs is None else body_jcs.decode("utf-8"),
            "body_hash": entry.header["body_hash"],
        }
        if withheld_from is not None:
            case["withheld_from"] = withheld_from
        self.valid.append(case)
        self.entries[name] = entry
        return entry

    # ---------------------------------------------------------------- invalid

    def add_invalid(self, name: str, description: str, code: str, line: bytes) -> None:
        got = _line_verdict(line)
        if got != code:
            raise VectorError(f"invalid case {name}: expected {code}, reference gives {got}")
        if b"\n" in line:
            raise VectorError(f"{name}: a line cannot hold a newline")
        stream_got = [_verdict_json(v) for v in verify_stream(io.BytesIO(line + b"\n"))]
        if stream_got != [{"ok": False, "code": code}]:
            raise VectorError(f"invalid case {name}: as a one-line stream gives {stream_got}")
        case: dict[str, Any] = {"name": self._name(name), "description": description, "code": code}
        try:
            case["line"] = line.decode("utf-8")
        except UnicodeDecodeError:
            case["line_b64"] = b64(line)
        self.invalid.append(case)

    # ---------------------------------------------------------------- streams

    def add_stream(
        self,
        name: str,
        description: str,
        lines: list[bytes],
        verdicts: list[str],
        *,
        final_newline: bool = True,
    ) -> None:
        """``verdicts``: an entry name (expected ok with that entry's id) or an error code."""
        expected: list[dict[str, Any]] = []
        for verdict in verdicts:
            if verdict in self.entries:
                expected.append({"ok": True, "id": self.entries[verdict].id})
            else:
                ProtocolError(verdict, "")  # raises if not a code
                expected.append({"ok": False, "code": verdict})
        data = b"\n".join(lines) + (b"\n" if final_newline else b"")
        got = [_verdict_json(v) for v in verify_stream(io.BytesIO(data))]
        if got != expected:
            raise VectorError(f"stream {name}: expected {expected}, reference gives {got}")
        self.streams.append(
            {
                "name": self._name(name),
                "description": description,
                "lines": [line.decode("utf-8") for line in lines],
                "final_newline": final_newline,
                "verdicts": expected,
            }
        )


def _line_verdict(line: bytes) -> str:
    try:
        check_line(line)
    except ProtocolError as error:
        return error.code
    return "ok"


def _verdict_json(verdict: Any) -> dict[str, Any]:
    if verdict.ok:
        return {"ok": True, "id": verdict.entry.id}
    return {"ok": False, "code": verdict.error.code}


# --------------------------------------------------------------------------------------------
# The cases


def build_document() -> dict[str, Any]:
    v = Builder()
    _valid_cases(v)
    _invalid_cases(v)
    _stream_cases(v)
    _key_stream_cases(v)
    codes = {case["code"] for case in v.invalid} | {
        verdict["code"] for s in v.streams for verdict in s["verdicts"] if not verdict["ok"]
    }
    if set(ERROR_CODES) - codes:
        raise VectorError(f"codes without a case: {sorted(set(ERROR_CODES) - codes)}")
    return {
        "format": FORMAT,
        "description": (
            "Test vectors of the Maillage wire format, version 1 (protocol/SPEC.md). "
            "Generated by tests/vectors/generate.py; format in tests/vectors/README.md."
        ),
        "keys": [
            {
                "name": name,
                "seed_hex": seed.hex(),
                "public_key_hex": KEYS[name].public_bytes.hex(),
                "did": KEYS[name].did,
            }
            for name, seed in KEY_SEEDS
        ],
        "valid": v.valid,
        "invalid": v.invalid,
        "streams": v.streams,
    }


def _valid_cases(v: Builder) -> None:
    # Key a: a small log (profile, offer, deletion of the offer).
    a1 = v.add_valid(
        "a1-profile-put",
        "First entry of key a: the place's profile (seq 1, prev null).",
        "a",
        sign_entry(A, seq=1, prev=None, col="profile", rid="profile", body=PROFILE_A, ts=TS),
    )
    a2 = v.add_valid(
        "a2-offer-put",
        "Second entry of key a: an offer; prev is the id of a1.",
        "a",
        sign_entry(
            A,
            seq=2,
            prev=a1.id,
            col="offer",
            rid="decoupe-laser",
            body=OFFER_A,
            ts="2024-03-15T10:00:00Z",
        ),
    )
    v.add_valid(
        "a3-offer-del",
        "Third entry of key a: deletes the offer (op del, body_hash null, body null).",
        "a",
        sign_entry(
            A,
            seq=3,
            prev=a2.id,
            col="offer",
            rid="decoupe-laser",
            op="del",
            ts="2024-06-01T08:00:00Z",
        ),
    )
    v.add_valid(
        "a2-offer-put-withheld",
        'a2 re-served with its body withheld ("body":null): same header, id and signature.',
        "a",
        a2.without_body(),
        withheld_from="a2-offer-put",
    )
    # Key b: a need, then a follow of key a (the rid of a follow is the followed did).
    b1 = v.add_valid(
        "b1-need-put",
        "First entry of key b: a need with integers and French vocabulary codes.",
        "b",
        sign_entry(B, seq=1, prev=None, col="need", rid="visieres-2024", body=NEED_B, ts=TS),
    )
    b2 = v.add_valid(
        "b2-follow-put",
        "Key b follows key a: col follow, rid is a's did (':' is allowed in a rid).",
        "b",
        sign_entry(B, seq=2, prev=b1.id, col="follow", rid=A.did, body=FOLLOW_B, ts=TS),
    )
    v.add_valid(
        "b3-endorse-put",
        "Key b endorses key a: col endorse, rid is a's did; a note and scopes, no URL.",
        "b",
        sign_entry(B, seq=3, prev=b2.id, col="endorse", rid=A.did, body=ENDORSE_B, ts=TS),
    )
    v.add_valid(
        "b-seq-max",
        "seq 2^53-1 (the largest allowed); a stream verifier starts a chain at any seq.",
        "b",
        sign_entry(
            B,
            seq=2**53 - 1,
            prev=hash_ref(b"any earlier entry"),
            col="note",
            rid="last",
            body={"text": "dernière entrée possible"},
            ts=TS,
        ),
    )
    # Key c: edge cases, chained seq 1..n.
    c_cases: list[tuple[str, str, dict[str, Any]]] = [
        (
            "c1-utf16-member-order",
            "Member names sorted by UTF-16 code units: U+1F602 (surrogates D83D DE02) comes "
            "before U+FB33, the reverse of code-point (and UTF-8 byte) order.",
            dict(
                op="put",
                col="test",
                rid="utf16-order",
                body={"\ufb33": "dagesh", "\U0001f602": "emoji", "a": "ascii", "é": "latin"},
            ),
        ),
        (
            "c2-control-characters",
            "Every control character U+0000..U+001F as JCS escapes it (\\b \\t \\n \\f \\r "
            "short forms, others \\u00xx lowercase); DEL, U+2028, U+2029 and '/' stay raw.",
            dict(op="put", col="test", rid="controls", body={"text": CONTROLS}),
        ),
        (
            "c3-unnormalised-unicode",
            "Unicode is never normalised: 'e'+U+0301 and U+00E9 are two different member "
            "names, and values keep their exact code points.",
            dict(
                op="put",
                col="test",
                rid="unnormalised",
                body={"e\u0301": "Cafe\u0301", "\u00e9": "Caf\u00e9", "ﬁ": "ligature"},
            ),
        ),
        (
            "c4-integer-limits",
            "Integers at the limits ±(2^53-1), zero and -1.",
            dict(
                op="put",
                col="test",
                rid="integers",
                body={
                    "max": 2**53 - 1,
                    "min": -(2**53 - 1),
                    "zero": 0,
                    "minus_one": -1,
                    "list": [0, 1, -1, 10, 100],
                },
            ),
        ),
        (
            "c5-depth-16",
            "Nesting depth exactly 16 on the line (entry object 1, body 2, ... innermost 16).",
            dict(op="put", col="test", rid="depth-16", body=nest(15, "fond")),
        ),
        (
            "c6-brackets-in-strings",
            "Many brackets inside strings (not counted for depth), escaped quotes, and a "
            "string holding one backslash followed by a string of brackets.",
            dict(
                op="put",
                col="test",
                rid="brackets",
                body={
                    "a": "\\",
                    "b": "[[[[[[[[[[{{{{{{{{{{",
                    "c": '"[[[[[[[[[[[[[[[[[["',
                    "d": ["]]]]]]]]]]]]]]]]]]]]", '\\"{{{{{{{{{{{{{{{{{{'],
                },
            ),
        ),
        (
            "c7-del-unusual-names",
            "A del of a record never put (allowed); col and rid use every allowed kind of "
            "character.",
            dict(op="del", col="x.y-2", rid="Az09._:-"),
        ),
        (
            "c8-empty-body-long-names",
            "A put with an empty object as body; col of 32 characters, rid of 128.",
            dict(op="put", col="c" + "o" * 31, rid="R" * 127 + "9", body={}),
        ),
        (
            "c9-ts-leap-days",
            "ts on 29 February 2000 (a leap year: divisible by 400) at 23:59:59.",
            dict(
                op="put",
                col="test",
                rid="ts-2000",
                body={"note": "année bissextile"},
                ts="2000-02-29T23:59:59Z",
            ),
        ),
        (
            "c10-ts-year-0000",
            "ts in year 0000 of the proleptic Gregorian calendar, a leap year: 0000-02-29 exists.",
            dict(op="put", col="test", rid="ts-0000", body={}, ts="0000-02-29T00:00:00Z"),
        ),
    ]
    prev: Entry | None = None
    for number, (name, description, kwargs) in enumerate(c_cases, start=1):
        kwargs.setdefault("ts", TS)
        if kwargs["op"] == "del":
            kwargs.setdefault("body", None)
        prev = v.add_valid(
            name,
            description,
            "c",
            sign_entry(C, seq=number, prev=prev.id if prev else None, **kwargs),
        )
    # The largest line: exactly 65536 bytes.
    size_header = make_header(C, seq=len(c_cases) + 1, prev=prev.id, col="test", rid="size")
    fill = MAX_ENTRY_BYTES - len(_sized_line(size_header, 0))
    big = sign_entry(
        C,
        seq=len(c_cases) + 1,
        prev=prev.id,
        col="test",
        rid="size",
        body={"text": "a" * fill},
        ts=TS,
    )
    if len(big.line) != MAX_ENTRY_BYTES:
        raise VectorError(f"max-size line is {len(big.line)} bytes")
    v.add_valid(
        "c11-max-size",
        f"A line of exactly {MAX_ENTRY_BYTES} bytes (the largest allowed).",
        "c",
        big,
    )
    # Consistency of the crafting helpers with the project's signer.
    if craft(make_header(A, body=PROFILE_A), PROFILE_A, A) != a1.line:
        raise VectorError("craft() does not reproduce sign_entry()")


def _sized_line(header: dict[str, Any], fill: int) -> bytes:
    body = {"text": "a" * fill}
    return craft(dict(header, body_hash=hash_ref(jcs(body))), body, C)


def _invalid_cases(v: Builder) -> None:
    e = v.entries
    a1, a2, a3 = e["a1-profile-put"], e["a2-offer-put"], e["a3-offer-del"]
    h1 = make_header(A, body=PROFILE_A)
    line = a1.line
    add = v.add_invalid

    # ------------------------------------------------------------- too-large
    big = e["c11-max-size"]
    big_body = dict(big.body, text=big.body["text"] + "a")
    big_header = dict(big.header, body_hash=hash_ref(jcs(big_body)))
    add(
        "too-large-signed-entry",
        f"A correctly signed entry of {MAX_ENTRY_BYTES + 1} bytes: one byte over the limit.",
        "too-large",
        craft(big_header, big_body, C),
    )
    add(
        "too-large-before-too-deep",
        f"{MAX_ENTRY_BYTES + 1} '[' bytes: too-large is checked before too-deep.",
        "too-large",
        b"[" * (MAX_ENTRY_BYTES + 1),
    )

    # ------------------------------------------------------------- too-deep
    deep_body = nest(16, "fond")
    add(
        "too-deep-body-17",
        "A correctly signed entry whose body nests 16 levels: depth 17 on the line.",
        "too-deep",
        craft(make_header(A, body=deep_body), deep_body, A),
    )
    add(
        "too-deep-unbalanced",
        "17 '[' and nothing else: too-deep is checked on bytes, before JSON grammar.",
        "too-deep",
        b"[" * 17,
    )
    add(
        "too-deep-in-sig",
        "The sig member is 17 levels of arrays (depth counted over the whole line, before "
        "any shape rule).",
        "too-deep",
        replace_once(line, b'"sig":"' + a1.sig.encode() + b'"', b'"sig":' + b"[" * 16 + b"]" * 16),
    )
    add(
        "too-deep-after-escaped-backslash",
        'The string "\\\\" (one backslash) ends at its second quote; the 16 arrays after it '
        'are outside strings (object + 16 = 17). A scanner treating every \\" as escaped '
        "would miss them.",
        "too-deep",
        b'{"a":"\\\\","b":' + b"[" * 16 + b"]" * 16 + b"}",
    )
    add(
        "too-deep-mixed-brackets",
        "Depth counts '[' and '{' alike: 9 arrays and 8 objects.",
        "too-deep",
        b"[" * 9 + b'{"a":' * 8 + b"1" + b"}" * 8 + b"]" * 9,
    )

    # ------------------------------------------------------------- bad-json
    body_marker = b'"name":"La Fabrique du Toulon"'
    add("bad-json-empty-line", "An empty line.", "bad-json", b"")
    add(
        "bad-json-invalid-utf8",
        "The byte 0xC3 followed by '(' inside a string: invalid UTF-8.",
        "bad-json",
        replace_once(line, body_marker, b'"name":"La Fabrique \xc3( Toulon"'),
    )
    add(
        "bad-json-utf8-encoded-surrogate",
        "The bytes ED A0 80 (U+D800 encoded as if UTF-8) inside a string.",
        "bad-json",
        replace_once(line, body_marker, b'"name":"La Fabrique \xed\xa0\x80"'),
    )
    add(
        "bad-json-overlong-utf8",
        "The overlong sequence C0 AF (for '/') inside a string.",
        "bad-json",
        replace_once(line, body_marker, b'"name":"La Fabrique \xc0\xaf"'),
    )
    add(
        "bad-json-lone-surrogate-escape",
        "The escape \\ud800 (a lone high surrogate) in a body value.",
        "bad-json",
        replace_once(line, body_marker, b'"name":"La Fabrique \\ud800"'),
    )
    add(
        "bad-json-lone-low-surrogate-in-name",
        "The escape \\udc00 (a lone low surrogate) as a member name.",
        "bad-json",
        replace_once(line, b'{"access":', b'{"\\udc00":1,"access":'),
    )
    add(
        "bad-json-reversed-surrogates",
        "\\ude02\\ud83d: a low then a high surrogate, two lone surrogates.",
        "bad-json",
        replace_once(line, body_marker, b'"name":"\\ude02\\ud83d"'),
    )
    add(
        "bad-json-nan",
        "NaN as a body value.",
        "bad-json",
        replace_once(line, b'"department":"24"', b'"department":NaN'),
    )
    add(
        "bad-json-infinity",
        "-Infinity as a body value.",
        "bad-json",
        replace_once(line, b'"department":"24"', b'"department":-Infinity'),
    )
    add("bad-json-trailing-garbage", "A valid entry line followed by 'x'.", "bad-json", line + b"x")
    add("bad-json-two-values", "Two entry lines on one line.", "bad-json", line + a2.line)
    add("bad-json-truncated", "A valid entry line without its final '}'.", "bad-json", line[:-1])
    add(
        "bad-json-raw-control-character",
        "A raw TAB (0x09) inside a string: JSON requires control characters escaped.",
        "bad-json",
        replace_once(line, body_marker, b'"name":"La Fabrique\tdu Toulon"'),
    )
    add(
        "bad-json-bom",
        "A UTF-8 byte order mark before the entry.",
        "bad-json",
        b"\xef\xbb\xbf" + line,
    )
    add(
        "bad-json-leading-zero",
        "seq written 01: JSON forbids leading zeros.",
        "bad-json",
        replace_once(line, b'"seq":1', b'"seq":01'),
    )
    add(
        "bad-json-single-quotes",
        "A member name in single quotes.",
        "bad-json",
        replace_once(line, b'"department"', b"'department'"),
    )
    add(
        "bad-json-unterminated-string-hides-brackets",
        "A quote then 20 '[': the unterminated string runs to the end of the line, so the "
        "brackets do not count for depth; the line is then not JSON.",
        "bad-json",
        b'"' + b"[" * 20,
    )
    add(
        "bad-json-depth-has-no-floor",
        "17 ']' then 17 '[': the depth counter goes down to -17 and back to 0 (it has no "
        "floor at zero), so it never exceeds 16; the line is then not JSON.",
        "bad-json",
        b"]" * 17 + b"[" * 17,
    )
    add(
        "bad-json-before-bad-number",
        "A fraction and a lone surrogate escape in one body: bad-json comes first.",
        "bad-json",
        replace_once(line, b'{"access":', b'{"a":1.5,"b":"\\ud800","access":'),
    )

    # ------------------------------------------------------------- duplicate-key
    add(
        "duplicate-key-in-body",
        "The member 'department' twice in the body.",
        "duplicate-key",
        replace_once(line, b'"department":"24"', b'"department":"24","department":"33"'),
    )
    add(
        "duplicate-key-same-value",
        "A duplicate member with the same value is still one.",
        "duplicate-key",
        replace_once(line, b'"department":"24"', b'"department":"24","department":"24"'),
    )
    add(
        "duplicate-key-escaped-name",
        "Names are compared after unescaping: 'department' and '\\u0064epartment' are the "
        "same name (duplicate-key, reported before not-canonical).",
        "duplicate-key",
        replace_once(line, b'"department":"24"', b'"department":"24","\\u0064epartment":"33"'),
    )
    add(
        "duplicate-key-in-header",
        "The header member 'seq' twice.",
        "duplicate-key",
        replace_once(line, b'"seq":1', b'"seq":1,"seq":1'),
    )
    add(
        "duplicate-key-top-level-sig",
        "The entry member 'sig' twice.",
        "duplicate-key",
        line[:-1] + b',"sig":"' + a1.sig.encode() + b'"}',
    )
    add(
        "duplicate-key-before-bad-number",
        "A duplicate member whose first value is 1.5: duplicate-key comes before bad-number.",
        "duplicate-key",
        replace_once(line, b'{"access":', b'{"a":1.5,"a":1,"access":'),
    )

    # ------------------------------------------------------------- bad-number
    def number(token: bytes) -> bytes:
        return replace_once(line, b'"department":"24"', b'"department":' + token)

    add("bad-number-fraction", "1.5 as a body value.", "bad-number", number(b"1.5"))
    add(
        "bad-number-fraction-zero",
        "1.0: an integer value, but a fraction token.",
        "bad-number",
        number(b"1.0"),
    )
    add("bad-number-exponent", "1e3: an exponent token.", "bad-number", number(b"1e3"))
    add("bad-number-exponent-upper", "1E+2: an exponent token.", "bad-number", number(b"1E+2"))
    add("bad-number-negative-zero-fraction", "-0.0.", "bad-number", number(b"-0.0"))
    add(
        "bad-number-above-max",
        "9007199254740992 = 2^53.",
        "bad-number",
        number(b"9007199254740992"),
    )
    add(
        "bad-number-below-min",
        "-9007199254740992 = -2^53.",
        "bad-number",
        number(b"-9007199254740992"),
    )
    add("bad-number-huge", "A 21-digit integer.", "bad-number", number(b"100000000000000000000"))
    add(
        "bad-number-5000-digits",
        "An integer of 5,000 digits: bad-number, even where an integer parser would give up.",
        "bad-number",
        number(b"9" * 5000),
    )
    add(
        "bad-json-surrogate-in-overridden-member",
        "A lone surrogate in a value that a duplicate member overrides: the parse step sees it.",
        "bad-json",
        replace_once(line, b'{"access":', b'{"a":"\\ud800","a":1,"access":'),
    )
    add(
        "bad-number-seq-fraction",
        "seq written 1.0: bad-number comes before header rules.",
        "bad-number",
        replace_once(line, b'"seq":1', b'"seq":1.0'),
    )
    add(
        "bad-number-before-not-canonical",
        "A fraction in a line that also has a space: bad-number comes before not-canonical.",
        "bad-number",
        replace_once(line, b'"department":"24"', b'"department": 2.4'),
    )

    # ------------------------------------------------------------- not-canonical
    add(
        "not-canonical-space-after-colon",
        "A space after a colon.",
        "not-canonical",
        replace_once(line, b'"seq":1', b'"seq": 1'),
    )
    add("not-canonical-leading-space", "A space before the entry.", "not-canonical", b" " + line)
    add(
        "not-canonical-trailing-cr",
        "The line ends with \\r (a CRLF file): the \\r is part of the line.",
        "not-canonical",
        line + b"\r",
    )
    add(
        "not-canonical-entry-member-order",
        "Entry members in the order header, body, sig.",
        "not-canonical",
        b'{"header":'
        + jcs(a1.header)
        + b',"body":'
        + jcs(a1.body)
        + b',"sig":"'
        + a1.sig.encode()
        + b'"}',
    )
    header_unsorted = json.dumps(h1, separators=(",", ":")).encode()
    add(
        "not-canonical-header-member-order",
        "Header members in signing-API order (v, author, seq...), not sorted; the "
        "signature itself is over JCS(header) and would verify.",
        "not-canonical",
        replace_once(line, jcs(a1.header), header_unsorted),
    )
    add(
        "not-canonical-escaped-non-ascii",
        "é written as the escape \\u00e9.",
        "not-canonical",
        replace_once(line, "Périgueux :".encode(), b"P\\u00e9rigueux :"),
    )
    add(
        "not-canonical-escaped-ascii",
        "'L' written as the escape \\u004c.",
        "not-canonical",
        replace_once(line, b'"La Fabrique', b'"\\u004ca Fabrique'),
    )
    add(
        "not-canonical-escaped-slash",
        "A '/' written as \\/.",
        "not-canonical",
        replace_once(a2.line, b"acrylique", b"bois\\/acrylique"),
    )
    add(
        "not-canonical-negative-zero",
        "-0 as a body value (JCS writes 0).",
        "not-canonical",
        number(b"-0"),
    )
    controls = e["c2-control-characters"].line
    add(
        "not-canonical-uppercase-hex-escape",
        "\\u001F instead of \\u001f.",
        "not-canonical",
        replace_once(controls, b"\\u001f", b"\\u001F"),
    )
    add(
        "not-canonical-long-newline-escape",
        "\\u000a instead of \\n.",
        "not-canonical",
        replace_once(controls, b"\\n", b"\\u000a"),
    )
    add(
        "not-canonical-escaped-del",
        "DEL written as \\u007f instead of raw.",
        "not-canonical",
        replace_once(controls, b"\x7f", b"\\u007f"),
    )
    utf16 = e["c1-utf16-member-order"].line
    add(
        "not-canonical-escaped-surrogate-pair",
        "U+1F602 written as the escapes \\ud83d\\ude02 instead of raw UTF-8.",
        "not-canonical",
        replace_once(utf16, "\U0001f602".encode(), b"\\ud83d\\ude02"),
    )
    add(
        "not-canonical-code-point-member-order",
        "Body members sorted by code point (U+FB33 before U+1F602) instead of UTF-16 units.",
        "not-canonical",
        replace_once(
            utf16,
            '"\U0001f602":"emoji","\ufb33":"dagesh"'.encode(),
            '"\ufb33":"dagesh","\U0001f602":"emoji"'.encode(),
        ),
    )

    # ------------------------------------------------------------- bad-header
    def hdr(**changes: Any) -> bytes:
        return craft(h1, PROFILE_A, A, **changes)

    add(
        "bad-header-top-level-array",
        "The line is [] (an array, not an entry object).",
        "bad-header",
        b"[]",
    )
    add("bad-header-top-level-null", "The line is null.", "bad-header", b"null")
    add(
        "bad-header-missing-sig",
        "The entry has no sig member.",
        "bad-header",
        jcs({"header": a1.header, "body": a1.body}),
    )
    add(
        "bad-header-extra-entry-member",
        "The entry has a fourth member 'meta'.",
        "bad-header",
        jcs({"header": a1.header, "body": a1.body, "sig": a1.sig, "meta": {}}),
    )
    add(
        "bad-header-header-not-object",
        "header is a string.",
        "bad-header",
        jcs({"header": a1.id, "body": a1.body, "sig": a1.sig}),
    )
    add(
        "bad-header-missing-body-hash",
        "The header has no body_hash member (signed).",
        "bad-header",
        hdr(body_hash=DROP),
    )
    add(
        "bad-header-extra-header-member",
        "The header has a tenth member 'lang' (signed).",
        "bad-header",
        hdr(lang="fr"),
    )
    add(
        "bad-header-version-2",
        "v is 2 (a future version): this verifier knows only 1.",
        "bad-header",
        hdr(v=2),
    )
    add("bad-header-version-string", 'v is the string "1".', "bad-header", hdr(v="1"))
    add("bad-header-version-true", "v is true.", "bad-header", hdr(v=True))
    add("bad-header-author-not-string", "author is a number.", "bad-header", hdr(author=1))
    add("bad-header-seq-zero", "seq 0.", "bad-header", hdr(seq=0))
    add("bad-header-seq-negative", "seq -1 with a prev.", "bad-header", hdr(seq=-1, prev=a1.id))
    add("bad-header-seq-string", 'seq is the string "1".', "bad-header", hdr(seq="1"))
    add(
        "bad-header-seq-true",
        "seq is true (a boolean is not an integer).",
        "bad-header",
        hdr(seq=True),
    )
    add("bad-header-prev-number", "seq 2 with prev an integer.", "bad-header", hdr(seq=2, prev=1))
    add("bad-header-seq1-with-prev", "seq 1 with a non-null prev.", "bad-header", hdr(prev=a1.id))
    add("bad-header-seq2-prev-null", "seq 2 with prev null.", "bad-header", hdr(seq=2))
    add(
        "bad-header-prev-non-canonical",
        "prev whose last base64url character carries non-zero unused bits.",
        "bad-header",
        hdr(seq=2, prev=a1.id[:-1] + _bump(a1.id[-1])),
    )
    add(
        "bad-header-prev-wrong-prefix",
        "prev with the prefix sha512-.",
        "bad-header",
        hdr(seq=2, prev="sha512-" + a1.id[7:]),
    )
    add(
        "bad-header-prev-padded",
        "prev with '=' padding.",
        "bad-header",
        hdr(seq=2, prev=a1.id + "="),
    )
    for name, ts, why in [
        ("no-such-day", "2023-02-29T12:00:00Z", "29 February of a non-leap year"),
        ("1900-02-29", "1900-02-29T12:00:00Z", "1900 is not a leap year (divisible by 100)"),
        ("april-31", "2024-04-31T12:00:00Z", "31 April"),
        ("offset", "2024-03-15T09:30:00+00:00", "an offset instead of Z"),
        ("fraction", "2024-03-15T09:30:00.000Z", "fractional seconds"),
        ("leap-second", "2024-06-30T23:59:60Z", "second 60"),
        ("hour-24", "2024-03-15T24:00:00Z", "hour 24"),
        ("lowercase", "2024-03-15t09:30:00z", "lowercase t and z"),
        ("date-only", "2024-03-15", "a date without time"),
        ("month-13", "2024-13-01T00:00:00Z", "month 13"),
        ("unicode-digit", "２024-03-15T09:30:00Z", "a fullwidth digit"),
    ]:
        add(f"bad-header-ts-{name}", f"ts {ts!r}: {why}.", "bad-header", hdr(ts=ts))
    add("bad-header-ts-number", "ts is an integer.", "bad-header", hdr(ts=1710495000))
    add("bad-header-op-unknown", 'op "update".', "bad-header", hdr(op="update"))
    add("bad-header-op-uppercase", 'op "PUT".', "bad-header", hdr(op="PUT"))
    add("bad-header-col-uppercase", 'col "Profile".', "bad-header", hdr(col="Profile"))
    add("bad-header-col-leading-digit", 'col "1profile".', "bad-header", hdr(col="1profile"))
    add("bad-header-col-too-long", "col of 33 characters.", "bad-header", hdr(col="c" * 33))
    add("bad-header-col-empty", 'col "".', "bad-header", hdr(col=""))
    add(
        "bad-header-col-underscore",
        "col \"my_col\" ('_' is not allowed in col).",
        "bad-header",
        hdr(col="my_col"),
    )
    add("bad-header-rid-empty", 'rid "".', "bad-header", hdr(rid=""))
    add("bad-header-rid-space", 'rid "mon profil".', "bad-header", hdr(rid="mon profil"))
    add("bad-header-rid-too-long", "rid of 129 characters.", "bad-header", hdr(rid="r" * 129))
    add("bad-header-rid-slash", 'rid "a/b".', "bad-header", hdr(rid="a/b"))
    add("bad-header-rid-non-ascii", 'rid "café".', "bad-header", hdr(rid="café"))
    add("bad-header-rid-number", "rid is an integer.", "bad-header", hdr(rid=7))
    add(
        "bad-header-put-body-hash-null",
        "A put whose body_hash is null.",
        "bad-header",
        hdr(body_hash=None),
    )
    add(
        "bad-header-del-body-hash-set",
        "A del whose body_hash is a hash.",
        "bad-header",
        craft(a3.header, None, A, body_hash=a1.header["body_hash"]),
    )
    add(
        "bad-header-body-hash-non-canonical",
        "body_hash whose last character carries non-zero unused bits.",
        "bad-header",
        hdr(body_hash=h1["body_hash"][:-1] + _bump(h1["body_hash"][-1])),
    )
    add(
        "bad-header-body-hash-hex",
        "body_hash as sha256- followed by hex.",
        "bad-header",
        hdr(body_hash="sha256-" + hashlib.sha256(jcs(PROFILE_A)).hexdigest()),
    )
    add(
        "bad-header-put-body-array",
        "A put whose body is an array (hash matches it).",
        "bad-header",
        craft(make_header(A, body=[1]), [1], A),
    )
    add(
        "bad-header-put-body-string",
        "A put whose body is a string (hash matches it).",
        "bad-header",
        craft(make_header(A, body="x"), "x", A),
    )
    add(
        "bad-header-del-body-object",
        "A del carrying a body object.",
        "bad-header",
        craft(a3.header, {}, A),
    )
    add("bad-header-sig-null", "sig is null.", "bad-header", hdr(sig=None))
    add("bad-header-sig-number", "sig is a number.", "bad-header", hdr(sig=0))
    add(
        "bad-header-before-bad-author",
        "v is 2 and the author is not a did:key: bad-header comes first.",
        "bad-header",
        hdr(v=2, author="did:web:fabrique-toulon.example"),
    )

    # ------------------------------------------------------------- bad-author
    def author(did: str, **changes: Any) -> bytes:
        return hdr(author=did, **changes)

    did = A.did
    multibase = did[len(DID_PREFIX) :]
    add(
        "bad-author-did-web",
        'author "did:web:fabrique-toulon.example".',
        "bad-author",
        author("did:web:fabrique-toulon.example"),
    )
    add(
        "bad-author-no-multibase-prefix",
        "did:key: without the 'z' (base58btc) prefix.",
        "bad-author",
        author("did:key:" + multibase),
    )
    add(
        "bad-author-uppercase-scheme",
        "DID:KEY:z… (the prefix is case-sensitive).",
        "bad-author",
        author("DID:KEY:z" + multibase),
    )
    add(
        "bad-author-base58-zero",
        "A '0' (not in the base58btc alphabet) in the key.",
        "bad-author",
        author(did[:-1] + "0"),
    )
    add(
        "bad-author-base58-lowercase-l",
        "An 'l' (not in the base58btc alphabet).",
        "bad-author",
        author(did[:-1] + "l"),
    )
    add(
        "bad-author-base58-non-ascii",
        "A non-ASCII character in the key.",
        "bad-author",
        author(did[:-1] + "é"),
    )
    add(
        "bad-author-multicodec-x25519",
        "Multicodec 0xec 0x01 (x25519-pub) instead of ed25519.",
        "bad-author",
        author(_did(b"\xec\x01" + A.public_bytes)),
    )
    add(
        "bad-author-multicodec-secp256k1",
        "Multicodec 0xe7 0x01 (secp256k1-pub) and a 33-byte key.",
        "bad-author",
        author(_did(b"\xe7\x01\x02" + A.public_bytes)),
    )
    add(
        "bad-author-no-multicodec",
        "The 32-byte key alone, without 0xed 0x01.",
        "bad-author",
        author(_did(A.public_bytes)),
    )
    add(
        "bad-author-key-31-bytes",
        "0xed 0x01 followed by 31 bytes.",
        "bad-author",
        author(_did(b"\xed\x01" + A.public_bytes[:31])),
    )
    add(
        "bad-author-key-33-bytes",
        "0xed 0x01 followed by 33 bytes.",
        "bad-author",
        author(_did(b"\xed\x01" + A.public_bytes + b"\x00")),
    )
    add(
        "bad-author-leading-1",
        "An extra leading '1' after 'z' (non-canonical base58btc: a leading zero byte).",
        "bad-author",
        author(DID_PREFIX + "1" + multibase),
    )
    add(
        "bad-author-trailing-space", "The did followed by a space.", "bad-author", author(did + " ")
    )
    add(
        "bad-author-empty-key",
        '"did:key:z" with nothing after it.',
        "bad-author",
        author(DID_PREFIX),
    )

    def weak_did(key_hex: str) -> str:
        return DID_PREFIX + base58.b58encode(b"\xed\x01" + bytes.fromhex(key_hex)).decode()

    for label, key_hex in [
        ("identity", "01" + "00" * 31),
        ("order-2", "ec" + "ff" * 30 + "7f"),
        ("order-4", "00" * 32),
        ("order-8", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        ("order-8-sign", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
    ]:
        add(
            f"bad-author-small-order-{label}",
            f"A key of small order ({label}): a weak key, under which anyone can sign.",
            "bad-author",
            author(weak_did(key_hex)),
        )
    add(
        "bad-author-non-canonical-y",
        "A key whose y-coordinate is p + 1 (y ≥ p): not a canonical encoding.",
        "bad-author",
        author(weak_did((2**255 - 19 + 1).to_bytes(32, "little").hex())),
    )
    tampered = replace_once(author(did + " "), b"Toulon", b"Toulin")
    add(
        "bad-author-before-body-hash-mismatch",
        "A bad author and a body that does not match body_hash: bad-author comes first.",
        "bad-author",
        tampered,
    )

    # ------------------------------------------------------------- body-hash-mismatch
    add(
        "body-hash-mismatch-tampered-body",
        "One letter of the body changed after signing.",
        "body-hash-mismatch",
        replace_once(line, b"Toulon", b"Toulin"),
    )
    add(
        "body-hash-mismatch-other-body",
        "Correctly signed, but body_hash is that of a2's body.",
        "body-hash-mismatch",
        hdr(body_hash=a2.header["body_hash"]),
    )
    pretty = json.dumps(PROFILE_A, ensure_ascii=False).encode()
    add(
        "body-hash-mismatch-hash-of-non-jcs",
        "body_hash is the SHA-256 of a non-canonical serialisation of the body (signed).",
        "body-hash-mismatch",
        hdr(body_hash=hash_ref(pretty)),
    )
    add(
        "body-hash-mismatch-before-bad-signature",
        "A tampered body and a flipped signature bit: body-hash-mismatch comes first.",
        "body-hash-mismatch",
        replace_once(
            replace_once(line, b"Toulon", b"Toulin"), a1.sig.encode(), flip_sig_bit(a1.sig).encode()
        ),
    )

    # ------------------------------------------------------------- bad-signature
    def sig(value: str, base: Entry = a1) -> bytes:
        return replace_once(
            base.line, b'"sig":"' + base.sig.encode() + b'"', b'"sig":"' + value.encode() + b'"'
        )

    add(
        "bad-signature-flipped-bit",
        "The lowest bit of the signature's first byte flipped.",
        "bad-signature",
        sig(flip_sig_bit(a1.sig)),
    )
    add(
        "bad-signature-flipped-bit-in-s",
        "One bit of S (byte 40) flipped.",
        "bad-signature",
        sig(flip_sig_bit(a1.sig, 40, 3)),
    )
    add(
        "bad-signature-other-key",
        "a's header signed by key b.",
        "bad-signature",
        craft(h1, PROFILE_A, B),
    )
    add(
        "bad-signature-non-canonical-last-char",
        "The last character changed so that the 4 unused bits are not zero (same 64 bytes "
        "by a lenient decoder).",
        "bad-signature",
        sig(a1.sig[:-1] + _bump(a1.sig[-1])),
    )
    add("bad-signature-too-short", "85 characters.", "bad-signature", sig(a1.sig[:-1]))
    add("bad-signature-too-long", "87 characters.", "bad-signature", sig(a1.sig + "A"))
    add(
        "bad-signature-padded",
        "The 86 characters followed by '=='.",
        "bad-signature",
        sig(a1.sig + "=="),
    )
    add(
        "bad-signature-standard-alphabet",
        "A '+' (standard base64, not base64url).",
        "bad-signature",
        sig("+" + a1.sig[1:]),
    )
    add("bad-signature-empty", 'sig "".', "bad-signature", sig(""))
    add("bad-signature-all-zero", "64 zero bytes.", "bad-signature", sig("A" * 86))
    add(
        "bad-signature-no-domain",
        "Signature of JCS(header) without 'maillage-entry-v1\\n'.",
        "bad-signature",
        craft(h1, PROFILE_A, A, message=jcs(h1)),
    )
    add(
        "bad-signature-non-canonical-header-signed",
        "Signature over the domain and a non-canonical serialisation of the header.",
        "bad-signature",
        craft(h1, PROFILE_A, A, message=SIGNING_DOMAIN + json.dumps(h1).encode()),
    )
    add(
        "bad-signature-tampered-header",
        "ts changed after signing.",
        "bad-signature",
        replace_once(line, b"09:30:00Z", b"09:31:00Z"),
    )
    raw = b64url_decode(a1.sig)
    s_plus_l = int.from_bytes(raw[32:], "little") + ED25519_L
    add(
        "bad-signature-s-plus-l",
        "S replaced by S + L (same value mod L): RFC 8032 requires S < L.",
        "bad-signature",
        sig(b64url_encode(raw[:32] + s_plus_l.to_bytes(32, "little"))),
    )
    bad_point = did_from_public_bytes(non_point_public_key())
    add(
        "bad-signature-key-not-a-point",
        "author is a well-formed did:key whose 32 bytes are not an Ed25519 point: no "
        "signature can verify (bad-signature, not bad-author).",
        "bad-signature",
        author(bad_point),
    )
    add(
        "bad-signature-del",
        "a3 (a del) with a flipped signature bit.",
        "bad-signature",
        sig(flip_sig_bit(a3.sig), a3),
    )
    mixed = mixed_order_r_signature(KEY_SEEDS[0][1], SIGNING_DOMAIN + jcs(a1.header))
    add(
        "bad-signature-mixed-order-r",
        "R is a valid signature's R plus a point of order 8, S matches: the cofactored "
        "equation holds but the cofactorless one of RFC 8032, which the reference uses, "
        "does not.",
        "bad-signature",
        sig(b64url_encode(mixed)),
    )
    withheld = e["a2-offer-put-withheld"]
    add(
        "bad-signature-withheld",
        "a2 withheld (body null) with a flipped signature bit.",
        "bad-signature",
        sig(flip_sig_bit(withheld.sig), withheld),
    )


def _bump(char: str) -> str:
    """The next base64url character: same high bits, a non-zero low (unused) bit."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return alphabet[alphabet.index(char) + 1]


def _did(raw: bytes) -> str:
    return DID_PREFIX + base58.b58encode(raw).decode("ascii")


def _stream_cases(v: Builder) -> None:
    e = v.entries
    a1, a2, a3 = e["a1-profile-put"], e["a2-offer-put"], e["a3-offer-del"]
    a2w = e["a2-offer-put-withheld"]
    b1, b2 = e["b1-need-put"], e["b2-follow-put"]
    # Entries that break chains (each valid on its own line).
    a1_other = sign_entry(
        A, seq=1, prev=None, col="profile", rid="profile", body=PROFILE_A, ts="2024-03-15T09:30:01Z"
    )
    a2_fork = sign_entry(
        A,
        seq=2,
        prev=a1.id,
        col="offer",
        rid="impression-3d",
        body=OFFER_A_FORK,
        ts="2024-03-15T10:00:00Z",
    )
    a3_on_fork = sign_entry(
        A,
        seq=3,
        prev=a2_fork.id,
        col="offer",
        rid="impression-3d",
        op="del",
        ts="2024-06-01T08:00:00Z",
    )
    a2_bad_prev = sign_entry(
        A,
        seq=2,
        prev=hash_ref(b"not a1"),
        col="offer",
        rid="decoupe-laser",
        body=OFFER_A,
        ts="2024-03-15T10:00:00Z",
    )
    a3_bad_prev = sign_entry(
        A,
        seq=3,
        prev=hash_ref(b"not a2"),
        col="offer",
        rid="decoupe-laser",
        op="del",
        ts="2024-06-01T08:00:00Z",
    )
    for name, entry in [
        ("a1-other-ts", a1_other),
        ("a2-fork", a2_fork),
        ("a3-on-fork", a3_on_fork),
        ("a2-bad-prev", a2_bad_prev),
        ("a3-bad-prev", a3_bad_prev),
    ]:
        v.entries[name] = entry
    a2_tampered = replace_once(a2.line, b"25.00", b"15.00")
    a3_flipped = replace_once(a3.line, a3.sig.encode(), flip_sig_bit(a3.sig).encode())
    oversized = b'{"text":"' + b"a" * 70_000 + b'"}'
    c_names = [c["name"] for c in v.valid if c["key"] == "c" and c["name"] != "c11-max-size"]
    c_lines = [e[name].line for name in c_names]

    s = v.add_stream
    s(
        "chain-a",
        "Key a's log in order: put, put, del.",
        [a1.line, a2.line, a3.line],
        ["a1-profile-put", "a2-offer-put", "a3-offer-del"],
    )
    s("chain-c", "Key c's edge-case entries c1..c10 in order.", c_lines, c_names)
    s(
        "two-authors-interleaved",
        "Two authors' chains interleaved: each is checked on its own.",
        [b1.line, a1.line, b2.line, a2.line],
        ["b1-need-put", "a1-profile-put", "b2-follow-put", "a2-offer-put"],
    )
    s(
        "start-at-any-seq",
        "The first valid line of an author starts its chain, at any seq.",
        [a2.line, a3.line],
        ["a2-offer-put", "a3-offer-del"],
    )
    s("start-at-seq-max", "A chain may start at seq 2^53-1.", [e["b-seq-max"].line], ["b-seq-max"])
    s(
        "withheld-body-in-chain",
        "A withheld put links like any other entry.",
        [a1.line, a2w.line, a3.line],
        ["a1-profile-put", "a2-offer-put", "a3-offer-del"],
    )
    s("gap", "seq 3 after seq 1: bad-seq.", [a1.line, a3.line], ["a1-profile-put", "bad-seq"])
    s(
        "lower-seq-after-start",
        "The chain started at seq 2; seq 1 then does not follow.",
        [a2.line, a1.line],
        ["a2-offer-put", "bad-seq"],
    )
    s(
        "repeat",
        "The same entry twice: bad-seq (not a fork).",
        [a1.line, a1.line],
        ["a1-profile-put", "bad-seq"],
    )
    s(
        "withheld-repeat",
        "An entry, then the same entry withheld: same id, so bad-seq.",
        [a1.line, a2.line, a2w.line],
        ["a1-profile-put", "a2-offer-put", "bad-seq"],
    )
    s(
        "withheld-then-whole",
        "An entry withheld, then the same entry with its body: same id, so bad-seq for the "
        "stream; a node holding the withheld put as its record's current state takes the "
        "body from the second line (body pending, SPEC 11.3).",
        [a1.line, a2w.line, a2.line],
        ["a1-profile-put", "a2-offer-put", "bad-seq"],
    )
    s(
        "bad-prev",
        "seq 2 whose prev is not the id of seq 1.",
        [a1.line, a2_bad_prev.line],
        ["a1-profile-put", "bad-prev"],
    )
    s(
        "bad-seq-before-bad-prev",
        "Wrong seq and wrong prev: bad-seq is reported.",
        [a1.line, a3_bad_prev.line],
        ["a1-profile-put", "bad-seq"],
    )
    s(
        "fork",
        "Two valid entries at seq 2 with different ids: fork (the two lines are the proof).",
        [a1.line, a2.line, a2_fork.line],
        ["a1-profile-put", "a2-offer-put", "fork"],
    )
    s(
        "fork-at-seq-1",
        "Two first entries differing only by ts: fork.",
        [a1.line, a1_other.line],
        ["a1-profile-put", "fork"],
    )
    s(
        "fork-entry-not-accepted",
        "The forking entry does not join the chain: an entry extending it is bad-prev.",
        [a1.line, a2.line, a2_fork.line, a3_on_fork.line],
        ["a1-profile-put", "a2-offer-put", "fork", "bad-prev"],
    )
    s(
        "fork-with-a-refused-entry",
        "A validly signed seq 3 refused for its prev is still seen: the real seq 3 proves a fork.",
        [a1.line, a2.line, a3_on_fork.line, a3.line],
        ["a1-profile-put", "a2-offer-put", "bad-prev", "fork"],
    )
    s(
        "out-of-order-then-in-place",
        "An entry refused while out of order is accepted when it comes again in its place.",
        [a1.line, a3.line, a2.line, a3.line],
        ["a1-profile-put", "bad-seq", "a2-offer-put", "a3-offer-del"],
    )
    s(
        "fork-needs-valid-entries",
        "A tampered entry at an accepted seq is not a fork.",
        [a1.line, a2.line, a2_tampered],
        ["a1-profile-put", "a2-offer-put", "body-hash-mismatch"],
    )
    s(
        "invalid-lines-do-not-advance",
        "Invalid lines neither start nor extend a chain.",
        [a3_flipped, a1.line, a2_tampered, a2.line, a3.line],
        ["bad-signature", "a1-profile-put", "body-hash-mismatch", "a2-offer-put", "a3-offer-del"],
    )
    s(
        "blank-and-crlf-lines",
        "An empty line is bad-json; a line ending in \\r is not-canonical.",
        [a1.line, b"", a2.line + b"\r", a2.line],
        ["a1-profile-put", "bad-json", "not-canonical", "a2-offer-put"],
    )
    s(
        "oversized-line-skipped",
        f"A {len(oversized)}-byte line is too-large; the reader skips it without keeping it "
        "whole and goes on with the next line.",
        [a1.line, oversized, a2.line],
        ["a1-profile-put", "too-large", "a2-offer-put"],
    )
    s(
        "no-final-newline",
        "The last line has no final newline.",
        [a1.line, a2.line],
        ["a1-profile-put", "a2-offer-put"],
        final_newline=False,
    )


def _key_stream_cases(v: Builder) -> None:
    """Streams of a rotated and of a recovered feed (SPEC 10.4): a's feed, signed by a, then
    by n after a rotation, or by m after a recovery signed by r; t is a thief's key."""
    n, r, m, t = KEYS["n"], KEYS["r"], KEYS["m"], KEYS["t"]
    a1 = v.entries["a1-profile-put"]

    def entry(name: str, key: SigningKey, after: Entry, col: str, rid: str, **kw: Any) -> Entry:
        op = kw.pop("op", "put")
        body = kw.pop("body", {} if op == "put" else None)
        v.entries[name] = sign_entry(
            key,
            author=A.did,
            seq=after.seq + 1,
            prev=after.id,
            col=col,
            rid=rid,
            op=op,
            body=body,
            ts=kw.pop("ts", "2024-09-01T08:00:00Z"),
        )
        return v.entries[name]

    commit = entry("k2-commit", A, a1, "key.commit", r.did)
    rotate = entry("k3-rotate", A, commit, "key.rotate", n.did)
    new4 = entry("k4-offer-by-next-key", n, rotate, "offer", "decoupe-laser", body=OFFER_A)
    old4 = entry("k4-offer-by-retired-key", A, rotate, "offer", "decoupe-laser", body=OFFER_A)
    thief_rotate = entry("k3-rotate-by-thief", A, commit, "key.rotate", t.did)
    rotate5_old = entry("k5-rotate-by-retired-key", A, new4, "key.rotate", t.did)
    new5 = entry("k5-del-by-next-key", n, new4, "offer", "decoupe-laser", op="del")
    # A thief holding a: entries after seq 2, then the owner's recovery at seq 3 (after 2).
    stolen3 = entry("t3-offer-by-thief", A, commit, "offer", "arnaque", body=OFFER_A_FORK)
    stolen4 = entry("t4-del-by-thief", A, stolen3, "offer", "arnaque", op="del")
    stolen5 = entry("t5-offer-by-thief", A, stolen4, "offer", "arnaque", body=OFFER_A_FORK)
    recover = entry("k3-recover", r, commit, "key.recover", m.did)
    after_recovery = entry("k4-offer-by-recovered-key", m, recover, "offer", "laser", body=OFFER_A)
    again = entry("k3-recover-again", r, commit, "key.recover", n.did)
    thief_recover = entry("k3-recover-by-thief", A, commit, "key.recover", t.did)
    a2 = v.entries["a2-offer-put"]
    no_commitment = entry("k3-recover-without-commitment", r, a2, "key.recover", m.did)
    thief_commit = entry("k3-commit-by-ordinary-key", A, commit, "key.commit", t.did)
    recommit = entry("k3-commit-by-recovery-key", r, commit, "key.commit", t.did)
    rotate_del = entry("k2-rotate-del", A, a1, "key.rotate", n.did, op="del")
    rotate_bad_rid = entry("k2-rotate-rid-not-a-did", A, a1, "key.rotate", "next")
    wrong_key = entry("k4-offer-by-thief-key", t, rotate, "offer", "x", body=OFFER_A)

    s = v.add_stream
    s(
        "rotation",
        "a commits to recovery key r, rotates to n; n signs seq 4 and 5 of a's feed.",
        [a1.line, commit.line, rotate.line, new4.line, new5.line],
        ["a1-profile-put", "k2-commit", "k3-rotate", "k4-offer-by-next-key", "k5-del-by-next-key"],
    )
    s(
        "retired-key-after-rotation",
        "After the rotation at seq 3, a's own key signs seq 4: retired-key; n's seq 4 is then "
        "accepted.",
        [a1.line, commit.line, rotate.line, old4.line, new4.line],
        ["a1-profile-put", "k2-commit", "k3-rotate", "retired-key", "k4-offer-by-next-key"],
    )
    s(
        "rotation-signed-by-retired-key",
        "A rotation at seq 5 signed by a, retired since seq 4: retired-key.",
        [a1.line, commit.line, rotate.line, new4.line, rotate5_old.line],
        ["a1-profile-put", "k2-commit", "k3-rotate", "k4-offer-by-next-key", "retired-key"],
    )
    s(
        "rotation-fork-by-old-key",
        "a was in force at seq 3: a different rotation at seq 3 signed by a is a fork proof.",
        [a1.line, commit.line, rotate.line, new4.line, thief_rotate.line],
        ["a1-profile-put", "k2-commit", "k3-rotate", "k4-offer-by-next-key", "fork"],
    )
    s(
        "signed-by-unknown-key",
        "After the rotation, a key the feed never had signs seq 4: bad-signature.",
        [a1.line, commit.line, rotate.line, wrong_key.line],
        ["a1-profile-put", "k2-commit", "k3-rotate", "bad-signature"],
    )
    s(
        "recovery-after-theft",
        "A thief holding a appends seq 3 and 4; the recovery at seq 3, signed by the committed "
        "key r, disowns them and names m, which signs seq 4; the thief's seq 5 is retired-key.",
        [
            a1.line,
            commit.line,
            stolen3.line,
            stolen4.line,
            recover.line,
            after_recovery.line,
            stolen5.line,
        ],
        [
            "a1-profile-put",
            "k2-commit",
            "t3-offer-by-thief",
            "t4-del-by-thief",
            "k3-recover",
            "k4-offer-by-recovered-key",
            "retired-key",
        ],
    )
    s(
        "recovery-of-a-forked-feed",
        "The thief's seq 3 forks the feed; the recovery at seq 3 takes it back all the same.",
        [a1.line, commit.line, rotate.line, thief_rotate.line, recover.line, after_recovery.line],
        [
            "a1-profile-put",
            "k2-commit",
            "k3-rotate",
            "fork",
            "k3-recover",
            "k4-offer-by-recovered-key",
        ],
    )
    s(
        "recovery-not-signed-by-committed-key",
        "A recovery signed by a (the ordinary key), not by r: not-recovery-key.",
        [a1.line, commit.line, stolen3.line, thief_recover.line],
        ["a1-profile-put", "k2-commit", "t3-offer-by-thief", "not-recovery-key"],
    )
    s(
        "recovery-without-commitment",
        "No recovery key was committed: r is no key of the feed, its signature verifies with "
        "none (bad-signature).",
        [a1.line, a2.line, no_commitment.line],
        ["a1-profile-put", "a2-offer-put", "bad-signature"],
    )
    s(
        "recovery-cannot-disown-a-recovery",
        "A second recovery after the same seq would disown the first: bad-seq.",
        [a1.line, commit.line, recover.line, again.line],
        ["a1-profile-put", "k2-commit", "k3-recover", "bad-seq"],
    )
    s(
        "commitment-kept-from-ordinary-key",
        "Once r is committed, a cannot commit another key (not-recovery-key); r can.",
        [a1.line, commit.line, thief_commit.line, recommit.line],
        ["a1-profile-put", "k2-commit", "not-recovery-key", "k3-commit-by-recovery-key"],
    )
    s(
        "bad-key-entries",
        "A del of a key entry, and a rotation whose rid is not a did: bad-key-entry.",
        [a1.line, rotate_del.line, rotate_bad_rid.line],
        ["a1-profile-put", "bad-key-entry", "bad-key-entry"],
    )


def build() -> bytes:
    """The exact bytes of ``entries.json``."""
    document = build_document()
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def main() -> int:
    data = build()
    OUTPUT.write_bytes(data)
    document = json.loads(data)
    print(
        f"wrote {OUTPUT} ({len(data)} bytes): {len(document['valid'])} valid, "
        f"{len(document['invalid'])} invalid, {len(document['streams'])} streams",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
