"""Signing the node's own entries: the header, the signature, and a check by the verifier.

Apart from :mod:`protocol.entries` because every signed entry goes back through
:mod:`protocol.verification` before it is used, and the verifier builds on the entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from protocol.canonical import MAX_ENTRY_BYTES, canonicalize
from protocol.encoding import b64url_encode, hash_ref
from protocol.entries import SIGNING_DOMAIN, Entry, now_ts
from protocol.errors import ProtocolError
from protocol.keys import SigningKey
from protocol.verification import verify_line


def sign_entry(
    key: SigningKey,
    *,
    author: str | None = None,
    seq: int,
    prev: str | None,
    col: str,
    rid: str,
    op: str = "put",
    body: dict[str, Any] | None = None,
    ts: str | None = None,
) -> Entry:
    """Build, sign and check a new entry of ``key``'s log (of ``author``'s, a feed whose key
    in force ``key`` is after a rotation or a recovery: ``key`` then signs for it)."""
    if (op == "put") != (body is not None):
        raise ValueError("a put carries a body object; a del carries none")
    header = {
        "v": 1,
        "author": author or key.did,
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
    signer = key.key_did
    return verify_line(line, None if (author or key.did) == signer else _Signer(signer))


class _Signer:
    """The key that signs for another author (``protocol.verification.KeyHints``)."""

    def __init__(self, did: str) -> None:
        self.did = did

    def candidates(self, header: dict[str, Any]) -> tuple[str]:
        return (self.did,)


def sign_log(
    key: SigningKey,
    records: Iterable[tuple[str, str, dict[str, Any] | None]],
    *,
    ts: str | None = None,
) -> list[Entry]:
    """Sign consecutive entries of ``key``'s log from seq 1: one ``(col, rid, body)`` each,
    a None body making a del. For tests, benchmarks and sample data."""
    entries: list[Entry] = []
    for col, rid, body in records:
        entries.append(
            sign_entry(
                key,
                seq=len(entries) + 1,
                prev=entries[-1].id if entries else None,
                col=col,
                rid=rid,
                op="put" if body is not None else "del",
                body=body,
                ts=ts,
            )
        )
    return entries
