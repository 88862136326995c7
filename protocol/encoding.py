"""Byte encodings of the wire format: unpadded base64url and ``sha256-`` hash references."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

HASH_PREFIX = "sha256-"

# 32 bytes give 43 base64url characters; the last one carries 2 unused bits that must be
# zero, so it is one of the 16 characters whose value is a multiple of 4. Requiring this
# makes the text form of every hash unique.
HASH_REF_RE = re.compile(r"sha256-[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
# 64 bytes give 86 characters; the last one carries 4 unused bits that must be zero.
SIGNATURE_RE = re.compile(r"[A-Za-z0-9_-]{85}[AQgw]")


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 4648 §5)."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE, b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of :func:`b64url_encode`: only the canonical encoding is accepted."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url (unused bits are not zero)")
    return data


def hash_ref(data: bytes | memoryview) -> str:
    """``sha256-`` followed by the unpadded base64url SHA-256 of ``data``."""
    return HASH_PREFIX + b64url_encode(hashlib.sha256(data).digest())


def is_hash_ref(value: object) -> bool:
    return type(value) is str and HASH_REF_RE.fullmatch(value) is not None
