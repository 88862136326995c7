"""Foreign text on the operator's terminal, made inert.

Names, titles, URLs and error messages that come from peers, census files or any stranger
may hold control characters: a newline forges an output line (``maillage verify`` would
print more verdicts than the file has lines), ESC and BEL drive the terminal, bidi controls
reorder what is read. Every command prints such text through :func:`shown`, which writes
those characters as visible escapes (``\\x1b``, ``\\u202e``) and leaves the rest untouched.
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, and the invisible characters that reorder or break lines.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """``text`` with every control character written as a visible escape."""
    value = str(text)
    return value if _UNSAFE.search(value) is None else _UNSAFE.sub(_escape, value)
