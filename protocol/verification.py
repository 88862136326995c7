"""Verifying received entry lines, one at a time or by batches.

Two paths give the same verdicts. The *exact* path applies the rules one by one in the
order of ``SPEC.md`` and names the first broken one. The *fast* path vouches for ordinary
valid entries in as few steps as possible and declines anything unusual, which then goes to
the exact path; ``tests/protocol/test_fast_path.py`` checks that it accepts only what the exact path
accepts. The fast path uses the C validator ``protocol._jcs`` when it was built, else
orjson with a byte skeleton (``protocol.canonical``).
"""

from __future__ import annotations

import binascii
import hashlib
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.canonical import (
    FAST_OPTIONS,
    MAX_DEPTH,
    MAX_ENTRY_BYTES,
    SKELETON,
    may_hold_fraction,
    parse_canonical,
)
from protocol.encoding import SIGNATURE_RE, hash_ref
from protocol.entries import _UNPARSED, SIGNING_DOMAIN, Entry
from protocol.errors import ProtocolError
from protocol.header import ENTRY_MEMBERS, HEADER_BYTES_RE, check_entry_shape, day_exists
from protocol.keys import verifier_for

try:
    from protocol import _jcs
except ImportError:  # built by pip when a C compiler is present; optional
    _jcs = None

_BODY_OPEN = len(b'{"body":')
_HEADER_OPEN = len(b',"header":')
_SIG_OPEN = len(b',"sig":')
_SIG_TAIL = len(b',"sig":""}') + 86  # a signature is 86 base64url characters
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_SIGNATURE_BYTES_RE = re.compile(SIGNATURE_RE.pattern.encode("ascii"))

_Checked = tuple[Entry, Ed25519PublicKey, bytes, bytes]
_sha256 = hashlib.sha256
_b2a = binascii.b2a_base64
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_Signed = tuple[int, Ed25519PublicKey, bytes, bytes]

#: A batch with at least this many signatures is checked on every core: the Ed25519 verify
#: of ``cryptography`` releases the GIL, and signatures are nine tenths of a bulk check.
PARALLEL_SIGNATURES = 32
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _signature_pool() -> ThreadPoolExecutor | None:
    """The threads that check signatures (none on one core), made at first use."""
    global _pool
    workers = min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if workers < 2:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(workers, thread_name_prefix="maillage-verify")
        return _pool


def _forget_pool() -> None:  # a forked child has none of its parent's threads
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _ref(digest: bytes) -> str:
    """``hash_ref`` for a digest already computed (the hot path's own copy)."""
    return "sha256-" + _b2a(digest, newline=False).translate(_TO_URLSAFE, b"=").decode()


def verify_line(line: bytes, keys: KeyHints | None = None) -> Entry:
    """Verify one received line (without its newline) and return the entry.

    Checks, in the order of ``SPEC.md``: canonical JSON within the profile, entry and header
    shape, author key, body hash, signature. Raises :class:`ProtocolError`.
    """
    result = verify_lines((line,), keys)[0]
    if isinstance(result, ProtocolError):
        raise result
    return result


class KeyHints(Protocol):
    """Which keys may have signed an entry, best guess first (``protocol.rotation``).

    Asked once per entry valid on its own, in line order, so that a rotation met earlier in
    a batch can name the key of the entries after it.
    """

    def candidates(self, header: dict[str, Any]) -> Sequence[str]: ...


def verify_lines(
    lines: Sequence[bytes], keys: KeyHints | None = None
) -> list[Entry | ProtocolError]:
    """Verify a batch of lines; one result per line, an entry or the error it raised.

    All the cheap checks of the batch run first, then all the signatures in a tight loop:
    the order of checks within each line is unchanged, and the signature code keeps its
    tables in the CPU caches (``bench/verify.py`` measures it).

    Without ``keys`` a signature is checked against the author's key (§9). With ``keys``,
    against each candidate in turn: the first (the key in force) in the batch, the others
    only for a signature the first refuses; the entry's ``signer`` is the key that verified.
    Whether that key may sign at that seq is the chain's question (§10.4).
    """
    fast = _fast_check_c if _jcs is not None else _fast_check_py
    results: list[Entry | ProtocolError] = []
    signed: list[_Signed] = []
    others: dict[int, Sequence[str]] = {}
    for line in lines:
        checked = fast(line)
        if checked is None:
            try:
                checked = _exact_check(line)
            except ProtocolError as error:
                results.append(error)
                continue
        entry, public_key, signature, message = checked
        if keys is not None:
            dids = _usable(keys.candidates(entry.header))
            if dids:
                entry.signer, public_key = dids[0]
                if len(dids) > 1:
                    others[len(results)] = [did for did, _ in dids[1:]]
        signed.append((len(results), public_key, signature, message))
        results.append(entry)
    pool = _signature_pool() if len(signed) >= PARALLEL_SIGNATURES else None
    if pool is None:
        bad = _bad_signatures(signed)
    else:
        parts = [signed[start :: pool._max_workers] for start in range(pool._max_workers)]
        bad = [index for found in pool.map(_bad_signatures, parts) for index in found]
    by_index = {item[0]: item for item in signed} if bad and others else {}
    for index in bad:
        entry = results[index]
        assert isinstance(entry, Entry)
        signer = _other_signer(by_index.get(index), others.get(index, ()))
        if signer is None:
            results[index] = ProtocolError("bad-signature", "signature does not verify")
        else:
            entry.signer = signer
    return results


def _usable(dids: Sequence[str]) -> list[tuple[str, Ed25519PublicKey]]:
    """The candidates that are keys, each once, in order."""
    usable: list[tuple[str, Ed25519PublicKey]] = []
    for did in dict.fromkeys(dids):
        try:
            usable.append((did, verifier_for(did)))
        except ProtocolError:
            continue
    return usable


def _other_signer(signed: _Signed | None, dids: Sequence[str]) -> str | None:
    """The first of ``dids`` whose key verifies a signature the first candidate refused."""
    if signed is None:
        return None
    _, _, signature, message = signed
    for did in dids:
        try:
            verifier_for(did).verify(signature, message)
        except InvalidSignature:
            continue
        return did
    return None


def _bad_signatures(signed: Sequence[_Signed]) -> list[int]:
    """The indexes of the signatures that do not verify."""
    bad = []
    for index, public_key, signature, message in signed:
        try:
            public_key.verify(signature, message)
        except InvalidSignature:
            bad.append(index)
    return bad


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
    entry = Entry(line, hash_ref(header_bytes), header, body, sig)
    return entry, public_key, _decode_signature(sig.encode("ascii")), SIGNING_DOMAIN + header_bytes


def _decode_signature(sig: bytes) -> bytes:
    # Callers have matched the signature pattern: the canonical encoding of 64 bytes.
    return binascii.a2b_base64(sig.translate(_FROM_URLSAFE) + b"==")


def _fast_check_c(line: bytes) -> _Checked | None:
    """Fast path with the C validator: canonical form, profile, entry shape, the header
    pattern and the signature's encoding in one pass over the bytes, which also gives where
    the body and the header lie. The body is hashed from its bytes, not parsed."""
    if len(line) > MAX_ENTRY_BYTES:
        return None
    checked = _jcs.entry(line)
    if checked is None:
        return None
    body_end, header_start, header_end, signature, body_hash = checked
    if body_hash is not None and _sha256(memoryview(line)[_BODY_OPEN:body_end]).digest() != (
        body_hash
    ):
        return None
    header_bytes = line[header_start:header_end]
    header = orjson.loads(header_bytes)
    try:
        public_key = verifier_for(header["author"])
    except ProtocolError:
        return None
    entry = Entry(
        line,
        _ref(_sha256(header_bytes).digest()),
        header,
        _UNPARSED if body_hash is not None else None,
        line[header_end + 8 : -2].decode("ascii"),
        body_end,
    )
    return entry, public_key, signature, SIGNING_DOMAIN + header_bytes


def _fast_check_py(line: bytes) -> _Checked | None:
    """Fast path without the C validator: orjson parses and re-serialises the line, and a
    byte skeleton answers depth, non-BMP characters and floats (``protocol.canonical``).

    A canonical line has its members in the order body, header, sig, so the body's bytes lie
    between known offsets and only they can hold a float; the header pattern admits no
    number but ``seq`` and ``v``.
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
    checked = Entry(line, hash_ref(header_bytes), header, body, sig)
    return (
        checked,
        public_key,
        _decode_signature(sig.encode("ascii")),
        SIGNING_DOMAIN + header_bytes,
    )
