from __future__ import annotations

import os
import stat

import base58
import pytest

from protocol.errors import ProtocolError
from protocol.keys import (
    KeyFileError,
    SigningKey,
    did_from_public_bytes,
    load_key,
    public_bytes_from_did,
    save_key,
)


def test_save_writes_mode_0600_and_loads_back(tmp_path) -> None:
    old = os.umask(0)
    try:
        key = SigningKey.generate()
        path = tmp_path / "key.pem"
        save_key(key, path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path).did == key.did
    with pytest.raises(FileExistsError):
        save_key(key, path)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_key_readable_by_others_is_refused(tmp_path, mode: int) -> None:
    path = tmp_path / "key.pem"
    save_key(SigningKey.generate(), path)
    path.chmod(mode)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_key(path)


def test_missing_or_garbage_key_file(tmp_path) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        load_key(tmp_path / "absent.pem")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    garbage.chmod(0o600)
    with pytest.raises(KeyFileError, match="not a PEM"):
        load_key(garbage)


def test_did_key_known_value() -> None:
    # did:key test vector for the RFC 8032 key with all-zero seed (computed independently:
    # multibase 'z' + base58btc(0xed01 || 3b6a27bc…)).
    key = SigningKey.from_seed(bytes(32))
    assert key.public_bytes.hex().startswith("3b6a27bcceb6a42d62a3a8d02a6f0d73")
    assert key.did == "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    assert public_bytes_from_did(key.did) == key.public_bytes


def test_did_round_trip() -> None:
    key = SigningKey.generate()
    assert did_from_public_bytes(public_bytes_from_did(key.did)) == key.did


@pytest.mark.parametrize(
    ("did", "why"),
    [
        ("did:web:example.org", "did:key"),
        ("did:key:f" + "a" * 40, "did:key"),
        ("did:key:z6Mk0OIl", "base58"),
        ("did:key:z" + base58.b58encode(b"\xec\x01" + bytes(32)).decode(), "multicodec"),
        ("did:key:z" + base58.b58encode(b"\xed\x01" + bytes(31)).decode(), "31 bytes"),
        ("did:key:z" + base58.b58encode(b"\xed\x01" + bytes(33)).decode(), "33 bytes"),
        ("did:key:z1" + base58.b58encode(b"\xed\x01" + bytes(32)).decode(), "multicodec"),
    ],
)
def test_bad_dids_are_bad_author(did: str, why: str) -> None:
    with pytest.raises(ProtocolError, match=why) as caught:
        public_bytes_from_did(did)
    assert caught.value.code == "bad-author"


def test_trailing_space_is_not_canonical() -> None:
    did = SigningKey.from_seed(bytes(32)).did + " "
    with pytest.raises(ProtocolError, match="canonical"):
        public_bytes_from_did(did)
