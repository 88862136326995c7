"""Verify an NDJSON stream of entries line by line, and each author's chain across lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from protocol.canonical import MAX_ENTRY_BYTES
from protocol.chains import ChainSet
from protocol.entries import Entry
from protocol.errors import ProtocolError
from protocol.verification import KeyHints, verify_lines


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one input line (numbered from 1)."""

    number: int
    entry: Entry | None = None
    error: ProtocolError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        if self.error is None:
            assert self.entry is not None
            return f"{self.number} ok {self.entry.id}"
        return f"{self.number} invalid {self.error.code}: {self.error.message}"


class _Oversized(bytes):
    """Marks a line longer than the limit; only its length is kept."""


def read_lines(stream: BinaryIO, max_bytes: int = MAX_ENTRY_BYTES) -> Iterator[bytes]:
    """Lines of ``stream`` without their ``\\n``; never holds more than one bounded line.

    A line over ``max_bytes`` is yielded as an empty :class:`_Oversized` marker carrying
    nothing, after its bytes have been skipped.
    """
    while True:
        chunk = stream.readline(max_bytes + 1)
        if not chunk:
            return
        if chunk.endswith(b"\n"):
            yield chunk[:-1]
            continue
        if len(chunk) <= max_bytes:  # last line, no final newline
            yield chunk
            return
        while chunk and not chunk.endswith(b"\n"):  # skip the rest of an oversized line
            chunk = stream.readline(max_bytes)
        yield _Oversized()


BATCH = 64  # lines verified together: see protocol.entries.verify_lines


def check_lines(lines: list[bytes], keys: KeyHints | None = None) -> list[Entry | ProtocolError]:
    """:func:`verify_lines`, plus the cases only a line reader meets."""
    results: list[Entry | ProtocolError | None] = [None] * len(lines)
    plain: list[int] = []
    for index, line in enumerate(lines):
        if isinstance(line, _Oversized):
            results[index] = ProtocolError("too-large", f"line longer than {MAX_ENTRY_BYTES} bytes")
        elif not line:
            results[index] = ProtocolError("bad-json", "empty line")
        else:
            plain.append(index)
    for index, result in zip(plain, verify_lines([lines[i] for i in plain], keys), strict=True):
        results[index] = result
    return results  # type: ignore[return-value]


def check_line(line: bytes) -> Entry:
    """One line on its own; raises :class:`ProtocolError`."""
    result = check_lines([line])[0]
    if isinstance(result, ProtocolError):
        raise result
    return result


def verify_stream(stream: BinaryIO) -> Iterator[Verdict]:
    """One verdict per line, in order: each line on its own, then its author's chain, whose
    key state follows rotations and recoveries (§10.4)."""
    chains = ChainSet()
    number = 0
    for batch in _batches(read_lines(stream)):
        for result in check_lines(batch, chains.ring.new_batch()):
            number += 1
            if isinstance(result, ProtocolError):
                yield Verdict(number, error=result)
                continue
            try:
                chains.append(result)
            except ProtocolError as error:
                yield Verdict(number, error=error)
            else:
                yield Verdict(number, entry=result)


def _batches(lines: Iterator[bytes]) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for line in lines:
        batch.append(line)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
