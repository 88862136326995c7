"""Ed25519 identity keys, key files and ``did:key`` identifiers."""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol.errors import ProtocolError

DID_PREFIX = "did:key:z"
ED25519_MULTICODEC = b"\xed\x01"

_FIELD_PRIME = 2**255 - 19
_Y_MASK = (1 << 255) - 1


def _y(hex_point: str) -> int:
    return int.from_bytes(bytes.fromhex(hex_point), "little") & _Y_MASK


# y-coordinates of the points of order 1, 2, 4 and 8 (whatever the sign bit). Anyone can
# make "valid" signatures under such a key, and libraries disagree on them: refused.
_SMALL_ORDER_Y = frozenset(
    {
        0,
        1,
        _FIELD_PRIME - 1,
        _y("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        _y("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    }
)


class KeyFileError(Exception):
    """A key file is missing, unreadable, malformed, or too widely readable."""


class SigningKey:
    """A node's identity: an Ed25519 private key and the ``did:key`` derived from it.

    ``did`` is the feed the key signs for: its own ``key_did``, unless the feed rotated
    (``protocol.rotation``) and this is its key in force (:meth:`for_feed`).
    """

    __slots__ = ("_private", "did", "key_did", "public_bytes")

    def __init__(self, private: Ed25519PrivateKey, feed: str | None = None) -> None:
        self._private = private
        self.public_bytes = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_did = did_from_public_bytes(self.public_bytes)
        self.did = feed or self.key_did

    def for_feed(self, feed: str) -> SigningKey:
        """This key signing for ``feed`` (a feed whose key in force it is)."""
        return SigningKey(self._private, feed)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """The key whose RFC 8032 private seed is ``seed`` (32 bytes)."""
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def seed(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def __repr__(self) -> str:
        if self.did != self.key_did:
            return f"SigningKey({self.key_did} for {self.did})"
        return f"SigningKey({self.did})"


def save_key(key: SigningKey, path: Path) -> None:
    """Write ``key`` as an unencrypted PKCS#8 PEM file with mode 0600; never overwrite."""
    pem = key._private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)


def load_key(path: Path) -> SigningKey:
    """Read a key file written by :func:`save_key`, refusing one readable by others."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise KeyFileError(
            f"key file {path} is readable by group or others (mode {mode:04o}); "
            f"it is the place's identity: run 'chmod 600 {path}'"
        )
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyFileError(f"key file {path} is not a PEM Ed25519 private key: {exc}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"key file {path} holds a key that is not Ed25519")
    return SigningKey(private)


def did_from_public_bytes(public: bytes) -> str:
    if len(public) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return DID_PREFIX + base58.b58encode(ED25519_MULTICODEC + public).decode("ascii")


def public_bytes_from_did(did: str) -> bytes:
    """The raw Ed25519 public key named by ``did``; raises ``bad-author``."""
    if type(did) is not str or not did.startswith(DID_PREFIX):
        raise ProtocolError("bad-author", f"{did!r} is not a did:key with base58btc ('z') value")
    try:
        raw = base58.b58decode(did[len(DID_PREFIX) :])
    except ValueError:
        raise ProtocolError("bad-author", f"{did!r}: invalid base58btc") from None
    if raw[:2] != ED25519_MULTICODEC:
        raise ProtocolError("bad-author", f"{did!r}: multicodec is not ed25519-pub (0xed 0x01)")
    if len(raw) != 34:
        raise ProtocolError("bad-author", f"{did!r}: key is {len(raw) - 2} bytes, not 32")
    if did_from_public_bytes(raw[2:]) != did:
        raise ProtocolError("bad-author", f"{did!r}: base58btc is not in canonical form")
    y = int.from_bytes(raw[2:], "little") & _Y_MASK
    if y >= _FIELD_PRIME:
        raise ProtocolError("bad-author", f"{did!r}: key is not canonically encoded (y ≥ p)")
    if y in _SMALL_ORDER_Y:
        raise ProtocolError("bad-author", f"{did!r}: key of small order (a weak key)")
    return raw[2:]


@lru_cache(maxsize=8192)
def verifier_for(did: str) -> Ed25519PublicKey:
    """The public key object for ``did`` (cached: verifying many entries of one feed)."""
    raw = public_bytes_from_did(did)
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ProtocolError("bad-author", f"{did!r}: not an Ed25519 public key") from None
