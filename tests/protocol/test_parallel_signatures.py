"""A batch checked on several threads gives exactly the verdicts of one line at a time,
bad signatures included, wherever they stand in the batch."""

from __future__ import annotations

import random

from protocol import verification
from protocol.errors import ProtocolError
from protocol.keys import SigningKey
from protocol.signing import sign_log
from tests.support.samples import OFFER


def _tampered(line: bytes) -> bytes:
    """``line`` with one character of its signature changed (still well formed)."""
    at = line.rindex(b'"sig":"') + 10
    swapped = b"A" if line[at : at + 1] != b"A" else b"B"
    return line[:at] + swapped + line[at + 1 :]


def test_parallel_verdicts_equal_one_by_one(monkeypatch) -> None:
    rng = random.Random(7)
    keys = [SigningKey.generate() for _ in range(3)]
    lines = [
        e.line
        for key in keys
        for e in sign_log(key, [("offer", f"o{i}", OFFER) for i in range(60)])
    ]
    bad = set(rng.sample(range(len(lines)), 17))
    lines = [_tampered(line) if i in bad else line for i, line in enumerate(lines)]
    monkeypatch.setattr(verification, "PARALLEL_SIGNATURES", 2)
    together = verification.verify_lines(lines)
    alone = []
    for line in lines:
        try:
            alone.append(verification.verify_line(line).id)
        except ProtocolError as error:
            alone.append(error.code)
    assert [r.code if isinstance(r, ProtocolError) else r.id for r in together] == alone
    assert {i for i, r in enumerate(together) if isinstance(r, ProtocolError)} == bad
    assert all(alone[i] == "bad-signature" for i in bad)
