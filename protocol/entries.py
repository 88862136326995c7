"""Signed entries: build and sign, compute ids, and verify a received line as bytes."""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.canonical import (
    FAST_OPTIONS,
    MAX_DEPTH,
    MAX_ENTRY_BYTES,
    SKELETON,
    canonicalize,
    may_hold_fraction,
    parse_canonical,
)
from protocol.encoding import SIGNATURE_RE, b64url_encode, hash_ref
from protocol.errors import ProtocolError
from protocol.header import ENTRY_MEMBERS, HEADER_BYTES_RE, check_entry_shape, day_exists
from protocol.keys import SigningKey, verifier_for

SIGNING_DOMAIN = b"maillage-entry-v1\n"
# A canonical line is {"body":B,"header":H,"sig":S}: these are the bytes around B and H.
_BODY_OPEN = len(b'{"body":')
_HEADER_OPEN = len(b',"header":')
_SIG_OPEN = len(b',"sig":')
_SIG_TAIL = len(b',"sig":""}') + 86  # a signature is 86 base64url characters
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


class Entry(NamedTuple):
    """A verified (or freshly signed) entry and its exact canonical line (no newline).

    A named tuple: it is built once per verified line, on the hot path.
    """

    line: bytes
    id: str
    header: dict[str, Any]
    body: dict[str, Any] | None
    sig: str

    @property
    def author(self) -> str:
        return self.header["author"]

    @property
    def seq(self) -> int:
        return self.header["seq"]

    @property
    def prev(self) -> str | None:
        return self.header["prev"]

    @property
    def op(self) -> str:
        return self.header["op"]

    @property
    def col(self) -> str:
        return self.header["col"]

    @property
    def rid(self) -> str:
        return self.header["rid"]

    @property
    def withheld(self) -> bool:
        """A put whose body has been dropped (``body: null``): known, but without content."""
        return self.header["op"] == "put" and self.body is None

    def without_body(self) -> Entry:
        """The same entry with its body withheld; id and signature are unchanged."""
        obj = {"header": self.header, "body": None, "sig": self.sig}
        return Entry(canonicalize(obj), self.id, self.header, None, self.sig)


def now_ts() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(header: dict[str, Any]) -> str:
    """``sha256-`` + base64url SHA-256 of JCS(header)."""
    return hash_ref(canonicalize(header))


def sign_entry(
    key: SigningKey,
    *,
    seq: int,
    prev: str | None,
    col: str,
    rid: str,
    op: str = "put",
    body: dict[str, Any] | None = None,
    ts: str | None = None,
) -> Entry:
    """Build, sign and check a new entry of ``key``'s log."""
    if (op == "put") != (body is not None):
        raise ValueError("a put carries a body object; a del carries none")
    header = {
        "v": 1,
        "author": key.did,
        "seq": seq,
        "prev": prev,
        "ts": ts or now_ts(),
        "op": op,
        "col": col,
        "rid": rid,
        "body_hash": hash_ref(canonicalize(body)) if op == "put" else None,
    }
    header_bytes = canonicalize(header)
    sig = b64url_encode(key.sign(SIGNING_DOMAIN + header_bytes))
    line = canonicalize({"header": header, "body": body if op == "put" else None, "sig": sig})
    if len(line) > MAX_ENTRY_BYTES:
        raise ProtocolError("too-large", f"{len(line)} bytes, more than {MAX_ENTRY_BYTES}")
    # Everything we sign goes through the verifier: a bug here must never reach a peer.
    return verify_line(line)


def verify_line(line: bytes) -> Entry:
    """Verify one received line (without its newline) and return the entry.

    Checks, in the order of ``SPEC.md``: canonical JSON within the profile, entry and header
    shape, author key, body hash, signature. Raises :class:`ProtocolError`.
    """
    result = verify_lines((line,))[0]
    if isinstance(result, ProtocolError):
        raise result
    return result


def verify_lines(lines: Sequence[bytes]) -> list[Entry | ProtocolError]:
    """Verify a batch of lines; one result per line, an entry or the error it raised.

    All the cheap checks of the batch run first, then all the signatures in a tight loop:
    the order of checks within each line is unchanged, and the signature code keeps its
    tables in the CPU caches (``bench/verify.py`` measures it).
    """
    results: list[Entry | ProtocolError] = []
    signed: list[tuple[int, Ed25519PublicKey, bytes, bytes]] = []
    for line in lines:
        checked = _fast_check(line)
        if checked is None:
            try:
                checked = _exact_check(line)
            except ProtocolError as error:
                results.append(error)
                continue
        entry, public_key, signature, message = checked
        signed.append((len(results), public_key, signature, message))
        results.append(entry)
    for index, public_key, signature, message in signed:
        try:
            public_key.verify(signature, message)
        except InvalidSignature:
            results[index] = ProtocolError("bad-signature", "signature does not verify")
    return results


_Checked = tuple[Entry, Ed25519PublicKey, bytes, bytes]


def _exact_check(line: bytes) -> _Checked:
    """Every check before the signature, rule by rule in the order of ``SPEC.md``."""
    header, body, sig, header_bytes = check_entry_shape(parse_canonical(line))
    public_key = verifier_for(header["author"])
    if body is not None:
        tail = _SIG_OPEN + len(orjson.dumps(sig)) + 1
        body_bytes = line[_BODY_OPEN : len(line) - tail - len(header_bytes) - _HEADER_OPEN]
        if hash_ref(body_bytes) != header["body_hash"]:
            raise ProtocolError("body-hash-mismatch", "body does not match header body_hash")
    if SIGNATURE_RE.fullmatch(sig) is None:
        raise ProtocolError("bad-signature", "sig is not 64 bytes of unpadded base64url")
    # SIGNATURE_RE admits only the canonical encoding of 64 bytes.
    signature = binascii.a2b_base64(sig.encode("ascii").translate(_FROM_URLSAFE) + b"==")
    entry = Entry(line, hash_ref(header_bytes), header, body, sig)
    return entry, public_key, signature, SIGNING_DOMAIN + header_bytes


def _fast_check(line: bytes) -> _Checked | None:
    """The checks of :func:`_exact_check` for a well-formed entry, in as few steps as
    possible; None whenever anything is unusual, and the exact path then decides.

    It accepts only what the exact path accepts (``tests/test_fast_path.py``): a canonical
    line has its members in the order body, header, sig, so the body's bytes lie between
    known offsets and only they can hold a float; the header pattern admits no number but
    ``seq`` and ``v``.
    """
    size = len(line)
    if size > MAX_ENTRY_BYTES:
        return None
    skeleton = line.translate(SKELETON)
    if skeleton.count(b"[") > MAX_DEPTH or b"\xf0" in skeleton:
        return None
    try:
        entry = orjson.loads(line)
        if type(entry) is not dict or entry.keys() != ENTRY_MEMBERS:
            return None
        if orjson.dumps(entry, option=FAST_OPTIONS) != line:
            return None
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    header, body, sig = entry["header"], entry["body"], entry["sig"]
    if type(header) is not dict or type(sig) is not str or SIGNATURE_RE.fullmatch(sig) is None:
        return None
    header_bytes = orjson.dumps(header, option=orjson.OPT_SORT_KEYS)
    match = HEADER_BYTES_RE.fullmatch(header_bytes)
    if match is None or (match[3] > b"28" and not day_exists(match)):
        return None
    body_end = size - _SIG_TAIL - len(header_bytes) - _HEADER_OPEN
    if may_hold_fraction(skeleton, _BODY_OPEN, body_end):
        return None
    if body is not None:
        if type(body) is not dict or header["op"] != "put":
            return None
        if hash_ref(memoryview(line)[_BODY_OPEN:body_end]) != header["body_hash"]:
            return None
    try:
        public_key = verifier_for(header["author"])
    except ProtocolError:
        return None
    signature = binascii.a2b_base64(sig.encode("ascii").translate(_FROM_URLSAFE) + b"==")
    entry_ = Entry(line, hash_ref(header_bytes), header, body, sig)
    return entry_, public_key, signature, SIGNING_DOMAIN + header_bytes


def withhold(line: bytes) -> bytes:
    """``line`` (a verified entry line) with its body withheld: ``body`` null, same id and
    signature. Used after a deletion, so that a deleted record's text stops travelling."""
    obj = orjson.loads(line)
    obj["body"] = None
    return canonicalize(obj)
