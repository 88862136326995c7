"""Shape rules for an entry and its header, each a small named check raising ``bad-header``.

They run after the line is known to be canonical JSON and before the author, body hash and
signature are checked (``SPEC.md`` §5 gives the order). The author's *syntax as a string* is
a header rule; whether the string is a valid Ed25519 ``did:key`` is ``bad-author``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from typing import Any

import orjson

from protocol.canonical import MAX_SAFE_INTEGER
from protocol.encoding import is_hash_ref
from protocol.errors import ProtocolError

ENTRY_MEMBERS = frozenset({"header", "body", "sig"})
HEADER_MEMBERS = frozenset({"v", "author", "seq", "prev", "ts", "op", "col", "rid", "body_hash"})
OPS = ("put", "del")
COL_RE = re.compile(r"[a-z][a-z0-9.-]{0,31}")
RID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TS_RE = re.compile(
    r"(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ",
    re.ASCII,
)


def _bad(message: str) -> ProtocolError:
    return ProtocolError("bad-header", message)


def rule_version(h: dict[str, Any]) -> None:
    if type(h["v"]) is not int or h["v"] != 1:
        raise _bad(f"v is {h['v']!r}, this verifier knows version 1")


def rule_author_is_string(h: dict[str, Any]) -> None:
    if type(h["author"]) is not str:
        raise _bad("author is not a string")


def rule_seq(h: dict[str, Any]) -> None:
    seq = h["seq"]
    if type(seq) is not int or not 1 <= seq <= MAX_SAFE_INTEGER:
        raise _bad(f"seq is {seq!r}, not an integer from 1 to 2^53-1")


def rule_prev(h: dict[str, Any]) -> None:
    prev = h["prev"]
    if h["seq"] == 1:
        if prev is not None:
            raise _bad("prev must be null when seq is 1")
    elif not is_hash_ref(prev):
        raise _bad(f"prev is {prev!r}, not the id of entry seq-1 (sha256-…)")


def rule_ts(h: dict[str, Any]) -> None:
    ts = h["ts"]
    match = TS_RE.fullmatch(ts) if type(ts) is str else None
    if match is None:
        raise _bad(f"ts is {ts!r}, not a UTC time YYYY-MM-DDTHH:MM:SSZ")
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    if day > 28 and day > calendar.monthrange(year, month)[1]:
        raise _bad(f"ts is {ts!r}: no such day")


def rule_op(h: dict[str, Any]) -> None:
    if type(h["op"]) is not str or h["op"] not in OPS:
        raise _bad(f"op is {h['op']!r}, not 'put' or 'del'")


def rule_col(h: dict[str, Any]) -> None:
    col = h["col"]
    if type(col) is not str or COL_RE.fullmatch(col) is None:
        raise _bad(f"col is {col!r}, not matching [a-z][a-z0-9.-]{{0,31}}")


def rule_rid(h: dict[str, Any]) -> None:
    rid = h["rid"]
    if type(rid) is not str or RID_RE.fullmatch(rid) is None:
        raise _bad(f"rid is {rid!r}, not matching [A-Za-z0-9._:-]{{1,128}}")


def rule_body_hash(h: dict[str, Any]) -> None:
    if h["op"] == "put":
        if not is_hash_ref(h["body_hash"]):
            raise _bad("body_hash of a put must be sha256-… of the body's canonical form")
    elif h["body_hash"] is not None:
        raise _bad("body_hash of a del must be null")


HEADER_RULES: tuple[Callable[[dict[str, Any]], None], ...] = (
    rule_version,
    rule_author_is_string,
    rule_seq,
    rule_prev,
    rule_ts,
    rule_op,
    rule_col,
    rule_rid,
    rule_body_hash,
)


# The canonical form of a header that passes every rule above, as one pattern over its
# bytes: the fast path of check_entry_shape. The named rules stay the definition (and give
# the message); tests/protocol/test_fast_path.py checks that both agree.
_HASH = rb"sha256-[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]"
_COL = rb"[a-z][a-z0-9.-]{0,31}"
_RID = rb"[A-Za-z0-9._:-]{1,128}"
HEADER_BYTES_RE = re.compile(
    rb'\{"author":"[^"\\]*",'
    rb'(?:"body_hash":"' + _HASH + rb'","col":"' + _COL + rb'","op":"put"'
    rb'|"body_hash":null,"col":"' + _COL + rb'","op":"del"),'
    rb'(?:"prev":null,"rid":"' + _RID + rb'","seq":1'
    rb'|"prev":"' + _HASH + rb'","rid":"' + _RID + rb'","seq":(?:[2-9]|[1-9][0-9]{1,15})),'
    rb'"ts":"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])'
    rb'T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z","v":1\}'
)


def check_entry_shape(entry: Any) -> tuple[dict[str, Any], dict[str, Any] | None, str, bytes]:
    """Return ``(header, body, sig, JCS(header))`` of a parsed entry, or raise ``bad-header``.

    ``entry`` comes from a canonical line, so its header has no floats nor big integers.
    """
    if type(entry) is not dict:
        raise _bad("an entry is a JSON object")
    if entry.keys() != ENTRY_MEMBERS:
        raise _bad(_members_message("entry", entry.keys(), ENTRY_MEMBERS))
    header, body, sig = entry["header"], entry["body"], entry["sig"]
    if type(header) is not dict:
        raise _bad("header is not an object")
    if header.keys() != HEADER_MEMBERS:
        raise _bad(_members_message("header", header.keys(), HEADER_MEMBERS))
    # Member names are the fixed ASCII ones, so orjson's sorted output is exactly JCS.
    header_bytes = orjson.dumps(header, option=orjson.OPT_SORT_KEYS)
    match = HEADER_BYTES_RE.fullmatch(header_bytes)
    if match is None or (match[3] > b"28" and not day_exists(match)):
        for rule in HEADER_RULES:
            rule(header)
    if type(sig) is not str:
        raise _bad("sig is not a string")
    if body is not None and (header["op"] == "del" or type(body) is not dict):
        raise _bad("body must be an object or null for a put, and null for a del")
    return header, body, sig, header_bytes


def day_exists(match: re.Match[bytes]) -> bool:
    return int(match[3]) <= calendar.monthrange(int(match[1]), int(match[2]))[1]


def _members_message(what: str, have: Any, want: frozenset[str]) -> str:
    missing = sorted(want - set(have))
    extra = sorted(set(have) - want)
    parts = [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"unexpected {', '.join(extra)}"] if extra else []
    return f"{what} members: {'; '.join(parts)}"
