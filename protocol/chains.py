"""Per-author chains: seq continuity, prev links, and fork proofs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol.entries import Entry
from protocol.errors import ProtocolError
from protocol.rotation import RECOVER, KeyRing, KeyState
from protocol.verification import verify_line


@dataclass(frozen=True, slots=True)
class ForkProof:
    """Two valid entries of one author at one seq with different ids: the key signed twice.

    Anyone can check it with :func:`protocol.entries.verify_line` on both lines.
    """

    author: str
    seq: int
    first: Entry
    second: Entry

    def to_json(self) -> dict[str, Any]:
        return {
            "author": self.author,
            "seq": self.seq,
            "entries": [self.first.line.decode("utf-8"), self.second.line.decode("utf-8")],
        }


class ForkError(ProtocolError):
    """``fork``, carrying the proof."""

    def __init__(self, proof: ForkProof) -> None:
        super().__init__(
            "fork",
            f"{proof.author} signed two entries at seq {proof.seq}: "
            f"{proof.first.id} and {proof.second.id}",
        )
        self.proof = proof


class Chain:
    """The entries of one author met so far, and the end of its accepted chain.

    Every entry that is valid on its own is *seen*, even when a chain rule refuses it: two
    validly signed entries at one seq prove a fork whichever of them extends the chain.
    Lines rather than parsed entries are kept: bytes cost the garbage collector nothing.
    """

    __slots__ = ("author", "disowned", "first_seq", "keys", "last_id", "last_seq", "seen")

    def __init__(self, author: str, keys: KeyState | None = None) -> None:
        self.author = author
        self.seen: dict[int, tuple[str, bytes]] = {}
        self.first_seq = 0
        self.last_seq = 0
        self.last_id: str | None = None
        self.keys = keys or KeyState(author)
        #: ``(seq, id)`` of the entries that recoveries disowned, in the order met.
        self.disowned: list[tuple[int, str]] = []

    def append(self, entry: Entry) -> None:
        """Accept ``entry`` or raise: first whether its signer may sign at its seq
        (``bad-key-entry``, ``not-recovery-key``, ``retired-key``, ``bad-signature``), then
        ``fork``, ``bad-seq`` or ``bad-prev``, in that order; a recovery by its own rules.

        An entry refused earlier (out of order) is accepted when it arrives in its place.
        """
        self.keys.check_signer(entry)
        if entry.col == RECOVER:
            self._recover(entry)
            self.keys.apply(entry)
            return
        seq = entry.header["seq"]
        known = self.seen.get(seq)
        if known is not None:
            if known[0] != entry.id:
                first = verify_line(known[1], KeyRing({self.author: self.keys}))
                raise ForkError(ForkProof(self.author, seq, first, entry))
            if self.first_seq <= seq <= self.last_seq:
                raise ProtocolError("bad-seq", f"seq {seq} is already in the chain (same entry)")
        self.seen[seq] = (entry.id, entry.line)
        if self.last_id is None:
            self.first_seq = seq
        else:
            if seq != self.last_seq + 1:
                raise ProtocolError("bad-seq", f"seq {seq} does not follow seq {self.last_seq}")
            if entry.header["prev"] != self.last_id:
                raise ProtocolError(
                    "bad-prev",
                    f"prev {entry.header['prev']} is not the id of seq {self.last_seq} "
                    f"({self.last_id})",
                )
        self.last_seq = seq
        self.last_id = entry.id
        self.keys.apply(entry)

    def _recover(self, entry: Entry) -> None:
        """A recovery at seq s keeps the accepted entries up to s − 1 and disowns the rest,
        forks included: it is not a second signature of the feed's key."""
        seq, after = entry.seq, entry.seq - 1
        known = self.seen.get(seq)
        if known is not None and known[0] == entry.id and self.first_seq <= seq <= self.last_seq:
            raise ProtocolError("bad-seq", f"seq {seq} is already in the chain (same entry)")
        if self.last_id is None or not self.first_seq <= after <= self.last_seq:
            raise ProtocolError("bad-seq", f"a recovery at seq {seq} follows no accepted entry")
        if seq <= self.keys.recovered:
            raise ProtocolError(
                "bad-seq", f"a recovery at seq {seq} would disown the one at {self.keys.recovered}"
            )
        if entry.prev != self.seen[after][0]:
            raise ProtocolError("bad-prev", f"prev {entry.prev} is not the id of seq {after}")
        for disowned in sorted(s for s in self.seen if s >= seq):
            if disowned <= self.last_seq:
                self.disowned.append((disowned, self.seen[disowned][0]))
            del self.seen[disowned]
        self.seen[seq] = (entry.id, entry.line)
        self.last_seq, self.last_id = seq, entry.id


class ChainSet:
    """Chains of every author met in a stream of entries, in the order they arrive, and
    their key states (:attr:`ring`, the keys to try for the next batch)."""

    def __init__(self) -> None:
        self.chains: dict[str, Chain] = {}
        self.ring = KeyRing()

    def append(self, entry: Entry) -> None:
        """Accept ``entry`` or raise; an author's first entry starts its chain at any seq."""
        chain = self.chains.get(entry.author)
        if chain is None:
            chain = self.chains[entry.author] = Chain(entry.author, self.ring.state(entry.author))
        chain.append(entry)
