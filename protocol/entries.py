"""Signed entries: the entry object, building and signing, ids, withholding a body.

Verifying received lines is ``protocol.verification``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from protocol.canonical import canonicalize
from protocol.encoding import hash_ref

SIGNING_DOMAIN = b"maillage-entry-v1\n"
# A canonical line is {"body":B,"header":H,"sig":S}: the body's bytes start here.
_BODY_OPEN = len(b'{"body":')


_UNPARSED: Any = object()


class Entry:
    """A verified (or freshly signed) entry and its exact canonical line (no newline).

    The body is parsed from the line only when first asked for: verifying a feed needs the
    header, the body's bytes and the signature, not the body as objects.
    """

    __slots__ = ("_body", "_body_end", "header", "id", "line", "sig", "signer")

    def __init__(
        self,
        line: bytes,
        id: str,
        header: dict[str, Any],
        body: dict[str, Any] | None = _UNPARSED,
        sig: str = "",
        body_end: int = 0,
    ) -> None:
        self.line = line
        self.id = id
        self.header = header
        self.sig = sig
        self._body = body
        self._body_end = body_end
        #: The did of the key whose signature verified: the author's, unless the verifier
        #: was given the feed's keys (a rotated feed, ``protocol.rotation``).
        self.signer = header.get("author", "") if type(header) is dict else ""

    @property
    def body(self) -> dict[str, Any] | None:
        if self._body is _UNPARSED:
            self._body = orjson.loads(self.line[_BODY_OPEN : self._body_end])
        return self._body

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and other.id == self.id and other.line == self.line

    def __hash__(self) -> int:
        return hash((self.id, self.line))

    def __repr__(self) -> str:
        return f"Entry({self.header['author']} #{self.header['seq']} {self.id})"

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
        entry = Entry(canonicalize(obj), self.id, self.header, None, self.sig)
        entry.signer = self.signer
        return entry

    def __getnewargs__(self) -> tuple[Any, ...]:  # pragma: no cover - pickling support
        return (self.line, self.id, self.header, self.body, self.sig)


def now_ts() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(header: dict[str, Any]) -> str:
    """``sha256-`` + base64url SHA-256 of JCS(header)."""
    return hash_ref(canonicalize(header))


def withhold(line: bytes) -> bytes:
    """``line`` (a verified entry line) with its body withheld: ``body`` null, same id and
    signature. Used after a deletion, so that a deleted record's text stops travelling."""
    obj = orjson.loads(line)
    obj["body"] = None
    return canonicalize(obj)
