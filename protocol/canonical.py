"""Canonical JSON: RFC 8785 (JCS) with the Maillage profile.

The profile: no floats (every number is an integer of absolute value at most 2^53-1), no
duplicate member names, no lone surrogates, nesting depth at most 16, and (for entry lines)
at most 64 KiB. :func:`canonicalize` produces canonical bytes through the ``rfc8785``
package; :func:`parse_canonical` checks that received bytes are *exactly* the canonical form
of their own parse, reporting the first broken rule in the order fixed by ``SPEC.md``.

``parse_canonical`` has a fast path: orjson parses and re-serialises with sorted keys, and
for values inside the profile whose member names contain no character outside the Basic
Multilingual Plane, that output is byte-for-byte JCS (same escaping, and code-point order
equals UTF-16 order in the BMP). Anything the fast path cannot vouch for goes to the exact
slow path (stdlib parser with hooks, then ``rfc8785``). ``tests/protocol/test_canonical.py`` checks
the equivalence with hypothesis.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import rfc8785

from protocol.errors import ProtocolError

MAX_ENTRY_BYTES = 64 * 1024
MAX_DEPTH = 16
MAX_SAFE_INTEGER = 2**53 - 1

# A JSON string as a lexer sees it, including an unterminated one that runs to the end.
_STRING_RE = re.compile(rb'"(?:[^"\\]|\\[\s\S])*(?:"|\\?\Z)')
_BRACKET_RE = re.compile(rb"[\[\]{}]")
# One C-speed pass maps the data to a skeleton over a small alphabet: digits become "0";
# "[" and "{" become "["; ":", "," and "-" (what may come right before a number's digits)
# become "S"; lead bytes of 4-byte UTF-8 sequences (characters outside the BMP) become
# 0xF0; "." and "e" (fraction and exponent marks as orjson writes them) stay; every other
# byte becomes "x". The later questions are then a count and a few substring searches whose
# needles are rare in the skeleton, which CPython's search mostly skips over.
SKELETON = bytes(
    48
    if 48 <= b <= 57
    else 91
    if b in b"[{"
    else 83
    if b in b":,-"
    else 0xF0
    if 0xF0 <= b <= 0xF4
    else b
    if b in b".e"
    else 120
    for b in range(256)
)
# Sorted keys, and integers beyond ±(2^53-1) raise instead of being written.
FAST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def lexical_depth_exceeds(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when brackets outside strings nest deeper than ``limit``.

    Defined on bytes, before any parsing, so that it is the same for every implementation
    and so that no recursive parser ever sees a deep document. A string starts at a ``"``
    outside strings and ends at the next ``"`` not consumed by a backslash escape (or at the
    end of the data).
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET_RE.findall(_STRING_RE.sub(b"", data)):
        if bracket in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def parse_canonical(data: bytes, *, max_bytes: int | None = MAX_ENTRY_BYTES) -> Any:
    """Parse ``data`` and return its value if it is canonical JSON within the profile.

    Raises :class:`ProtocolError` with, in this order of precedence: ``too-large``,
    ``too-deep``, ``bad-json``, ``duplicate-key``, ``bad-number``, ``not-canonical``.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise ProtocolError("too-large", f"{len(data)} bytes, more than {max_bytes}")
    skeleton = data.translate(SKELETON)
    if skeleton.count(b"[") > MAX_DEPTH and lexical_depth_exceeds(data):
        raise ProtocolError("too-deep", f"nesting deeper than {MAX_DEPTH}")
    if b"\xf0" not in skeleton:
        try:
            value = orjson.loads(data)
            same = orjson.dumps(value, option=FAST_OPTIONS) == data
        except (orjson.JSONDecodeError, orjson.JSONEncodeError):
            same = False
        if same and not may_hold_fraction(skeleton):
            return value
    return _parse_exact(data)


def may_hold_fraction(skeleton: bytes, start: int = 0, end: int | None = None) -> bool:
    """True if a number token may have a fraction or exponent (``skeleton`` as above).

    Only asked of data that round-trips canonically, where a number token starts right
    after ``:``, ``,`` or ``[`` (or at the very start, or after its ``-``), and orjson writes
    any float with a ``.`` or an ``e`` right after a digit. So: find each digit run that
    follows an "S" or a "[" and look at the byte after it. Digits after anything else
    (``"25.00"``, ``"1er"``) lie inside strings. A string that merely looks like a number
    (``"à 1.5"`` does not, ``"1:1.5"`` does) sends the data to the exact path: slower, never
    wrong.
    """
    if end is None:
        end = len(skeleton)
    if start == 0 and skeleton[:1] == b"0":
        skeleton = b"S" + skeleton
        end += 1
    for opener in (b"S0", b"[0"):
        at = skeleton.find(opener, start, end)
        while at != -1:
            after = at + 2
            while after < end and skeleton[after] == 48:
                after += 1
            if after < end and skeleton[after] in b".e":
                return True
            at = skeleton.find(opener, after, end)
    return False


def loads_profile(data: bytes | str) -> Any:
    """Parse JSON that need not be canonical (a file a person wrote), within the profile.

    Raises ``bad-json``, ``too-deep``, ``duplicate-key`` or ``bad-number``.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if lexical_depth_exceeds(data):
        raise ProtocolError("too-deep", f"nesting deeper than {MAX_DEPTH}")
    value, _ = _parse_checked(data)
    return value


def canonicalize(value: Any) -> bytes:
    """RFC 8785 bytes of ``value``, which must lie within the profile."""
    check_profile(value)
    return rfc8785.dumps(value)


def check_profile(value: Any, depth: int = 1) -> None:
    """Raise :class:`ProtocolError` if ``value`` (a Python JSON value) is outside the profile."""
    if depth > MAX_DEPTH and isinstance(value, dict | list):
        raise ProtocolError("too-deep", f"nesting deeper than {MAX_DEPTH}")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ProtocolError("bad-json", f"member name {key!r} is not a string")
            _check_string(key)
            check_profile(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_profile(item, depth + 1)
    elif isinstance(value, str):
        _check_string(value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ProtocolError("bad-number", f"integer {value} is beyond ±(2^53-1)")
    elif isinstance(value, float):
        raise ProtocolError("bad-number", f"{value!r} is not an integer; write decimals as strings")
    else:
        raise ProtocolError("bad-json", f"{type(value).__name__} is not a JSON value")


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ProtocolError("bad-json", f"lone surrogate in string at {exc.start}") from None


class _ParseNotes:
    """What the exact parser noticed, reported only once the whole text has parsed."""

    def __init__(self) -> None:
        self.duplicate: str | None = None
        self.bad_number: str | None = None

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            # Values overridden by a duplicate vanish from the result: check them now, since
            # a lone surrogate (bad-json) outranks the duplicate.
            for _, value in pairs:
                _check_strings(value)
            if self.duplicate is None:
                seen: set[str] = set()
                self.duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
        return obj

    def float_token(self, token: str) -> None:
        if self.bad_number is None:
            self.bad_number = f"{token} is not an integer; write decimals as strings"

    def int_token(self, token: str) -> int:
        # Past 17 characters it is out of range anyway, and int() may refuse huge tokens.
        number = MAX_SAFE_INTEGER + 1 if len(token) > 17 else int(token)
        if abs(number) > MAX_SAFE_INTEGER and self.bad_number is None:
            shown = token if len(token) <= 40 else f"{token[:20]}…({len(token)} digits)"
            self.bad_number = f"integer {shown} is beyond ±(2^53-1)"
        return number


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _parse_checked(data: bytes) -> tuple[Any, str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError("bad-json", f"invalid UTF-8 at byte {exc.start}") from None
    notes = _ParseNotes()
    try:
        value = json.loads(
            text,
            object_pairs_hook=notes.pairs,
            parse_float=notes.float_token,
            parse_int=notes.int_token,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise ProtocolError("bad-json", f"{exc.msg} at character {exc.pos}") from None
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("bad-json", str(exc)) from None
    _check_strings(value)
    if notes.duplicate is not None:
        raise ProtocolError("duplicate-key", f"member name {notes.duplicate!r} appears twice")
    if notes.bad_number is not None:
        raise ProtocolError("bad-number", notes.bad_number)
    return value, text


def _check_strings(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_string(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)
    elif isinstance(value, str):
        _check_string(value)


def _parse_exact(data: bytes) -> Any:
    value, _ = _parse_checked(data)
    canonical = rfc8785.dumps(value)
    if canonical != data:
        at = next(
            (i for i, (a, b) in enumerate(zip(canonical, data, strict=False)) if a != b),
            min(len(canonical), len(data)),
        )
        raise ProtocolError("not-canonical", f"differs from its RFC 8785 form at byte {at}")
    return value
