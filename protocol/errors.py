"""The one protocol error type, carrying a machine-readable code."""

from __future__ import annotations

from typing import Literal, get_args

ErrorCode = Literal[
    "bad-json",
    "not-canonical",
    "duplicate-key",
    "bad-number",
    "too-large",
    "too-deep",
    "bad-header",
    "bad-author",
    "bad-signature",
    "body-hash-mismatch",
    "bad-seq",
    "bad-prev",
    "fork",
    "retired-key",
    "not-recovery-key",
    "bad-key-entry",
]

ERROR_CODES: tuple[str, ...] = get_args(ErrorCode)


class ProtocolError(ValueError):
    """A rule of the wire format was broken. ``code`` is one of :data:`ERROR_CODES`."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown protocol error code {code!r}")
        super().__init__(f"{code}: {message}")
        self.code: ErrorCode = code
        self.message = message
