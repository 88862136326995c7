"""Key rotation and recovery: which key may sign a feed's entry at a given seq (SPEC §10.4).

The wire format is unchanged: ``header.author`` stays the did followers know, and three
collections carry the key changes in their rid (never in the body, which may be withheld):

- ``key.rotate``, rid the next key's did, signed by the key in force: from the next seq on,
  that key signs the feed.
- ``key.commit``, rid a recovery key's did: the feed commits to it publicly. The first one
  is signed by the key in force; once a commitment exists, only the committed recovery key
  may sign the next one (a thief holding the ordinary key cannot replace it).
- ``key.recover``, rid the new key's did, signed by the committed recovery key, at seq
  ``after + 1`` with ``prev`` the id of entry ``after``: it disowns every entry after
  ``after`` and the new key signs from the next seq on.

A :class:`KeyState` is the state of one feed that a verifier keeps; a :class:`KeyRing`
holds those of many feeds and tells :func:`protocol.verification.verify_lines` which keys to
try (:class:`protocol.verification.KeyHints`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from protocol.entries import Entry
from protocol.errors import ProtocolError
from protocol.keys import public_bytes_from_did

ROTATE = "key.rotate"
COMMIT = "key.commit"
RECOVER = "key.recover"
KEY_COLS = frozenset((ROTATE, COMMIT, RECOVER))


def is_key_entry(col: str) -> bool:
    return col in KEY_COLS


def check_key_entry(entry: Entry) -> None:
    """``bad-key-entry`` unless a key entry is a put whose rid is a valid did:key."""
    if entry.col not in KEY_COLS:
        return
    if entry.op != "put":
        raise ProtocolError("bad-key-entry", f"a {entry.col} entry is a put, never a del")
    try:
        public_bytes_from_did(entry.rid)
    except ProtocolError:
        raise ProtocolError(
            "bad-key-entry", f"the rid of a {entry.col} entry is not a did:key: {entry.rid}"
        ) from None
    if entry.col == RECOVER and entry.seq < 2:
        raise ProtocolError("bad-key-entry", "a recovery keeps at least one entry (seq ≥ 2)")


class KeyState:
    """What a verifier keeps of one feed: the key in force from each seq, the recovery
    commitments, and the seq of the last recovery (which no later recovery may disown)."""

    __slots__ = ("author", "commits", "dropped", "keys", "recovered")

    def __init__(self, author: str) -> None:
        self.author = author
        self.keys: list[tuple[int, str]] = [(1, author)]  # (from seq, did), ascending
        self.commits: list[tuple[int, str]] = []  # (from seq, recovery did), ascending
        self.recovered = 0
        self.dropped: list[str] = []  # keys named by disowned entries

    @classmethod
    def replay(cls, author: str, changes: Iterable[tuple[int, str, str]]) -> KeyState:
        """The state after the accepted key entries of ``author``'s feed, given as
        ``(seq, col, rid)`` in seq order (a node keeps no more than its stored entries)."""
        state = cls(author)
        for seq, col, rid in changes:
            state.change(seq, col, rid)
        return state

    def key_at(self, seq: int) -> str:
        """The key in force for the entry at ``seq``."""
        return _at(self.keys, seq) or self.author

    def commitment_at(self, seq: int) -> str | None:
        """The recovery key committed by the entries before ``seq``, if any."""
        return _at(self.commits, seq)

    @property
    def current(self) -> str:
        return self.keys[-1][1]

    @property
    def recovery(self) -> str | None:
        return self.commits[-1][1] if self.commits else None

    def required(self, col: str, seq: int) -> str | None:
        """The did that must have signed an entry of ``col`` at ``seq`` (None: nobody can)."""
        if col == RECOVER:
            return self.commitment_at(seq)
        if col == COMMIT:
            return self.commitment_at(seq) or self.key_at(seq)
        return self.key_at(seq)

    def known(self) -> list[str]:
        """Every key this feed has had, newest first."""
        return list(dict.fromkeys([did for _, did in reversed(self.keys)] + self.dropped))

    def check_signer(self, entry: Entry) -> None:
        """Raise unless ``entry`` was signed by the key its seq and collection require:
        ``bad-key-entry``, ``not-recovery-key``, ``retired-key`` or ``bad-signature``."""
        check_key_entry(entry)
        required = self.required(entry.col, entry.seq)
        if entry.signer == required:
            return
        if entry.col == RECOVER or (entry.col == COMMIT and self.commitment_at(entry.seq)):
            raise ProtocolError(
                "not-recovery-key",
                f"{entry.col} at seq {entry.seq} must be signed by the committed recovery key "
                f"({required or 'none committed'})",
            )
        if entry.signer in self.known():
            raise ProtocolError(
                "retired-key",
                f"seq {entry.seq} is signed by {entry.signer}, retired: {required} is in force",
            )
        raise ProtocolError("bad-signature", f"signature does not verify with {required}")

    def apply(self, entry: Entry) -> None:
        """Take an accepted entry into account (only key entries change anything)."""
        if entry.col in KEY_COLS:
            self.change(entry.seq, entry.col, entry.rid)

    def change(self, seq: int, col: str, rid: str) -> None:
        if col == ROTATE:
            self.keys.append((seq + 1, rid))
        elif col == COMMIT:
            self.commits.append((seq + 1, rid))
        elif col == RECOVER:
            # From its own seq on, the old key is retired: at seq s only the recovery holds
            # (the entries it disowned there are not fork proofs), then the new key signs.
            self.truncate(seq - 1)
            self.keys.append((seq, self.commitment_at(seq) or ""))
            self.keys.append((seq + 1, rid))
            self.recovered = seq

    def truncate(self, after: int) -> None:
        """Forget what the entries after ``after`` did (they are disowned)."""
        self.dropped.extend(did for start, did in self.keys if start > after + 1)
        self.keys = [k for k in self.keys if k[0] <= after + 1] or [(1, self.author)]
        self.commits = [c for c in self.commits if c[0] <= after + 1]


def _at(changes: list[tuple[int, str]], seq: int) -> str | None:
    found = None
    for start, did in changes:
        if start > seq:
            break
        found = did
    return found


class KeyRing:
    """The key states of many feeds, and the keys to try for each entry of a batch.

    A batch may hold a rotation and the entries after it: the rotation's new key is tried
    first for those (it is only a guess; the chain decides whether the rotation holds).
    """

    def __init__(
        self,
        states: dict[str, KeyState] | None = None,
        load: Callable[[str], KeyState] | None = None,
    ) -> None:
        """``load``: how to get the state of a feed not in ``states`` (a node's store)."""
        self.states: dict[str, KeyState] = states if states is not None else {}
        self._load = load
        self._guesses: dict[str, list[tuple[int, str, str]]] = {}

    def state(self, author: str) -> KeyState:
        state = self._known(author)
        if state is None:
            state = self.states[author] = KeyState(author)
        return state

    def _known(self, author: str) -> KeyState | None:
        state = self.states.get(author)
        if state is None and self._load is not None:
            state = self.states[author] = self._load(author)
        return state

    def new_batch(self) -> KeyRing:
        """Forget the guesses of the batch before."""
        self._guesses.clear()
        return self

    def candidates(self, header: dict[str, Any]) -> Sequence[str]:
        author, seq, col = header["author"], header["seq"], header["col"]
        state = self._known(author)
        guesses = self._guesses.get(author)
        if state is None and guesses is None:
            found: list[str] = [author]
        else:
            state = state or KeyState(author)
            guessed = [(kind, did) for start, kind, did in reversed(guesses or ()) if start <= seq]
            found = []
            if col in (RECOVER, COMMIT):
                found.extend(did for kind, did in guessed if kind == COMMIT)
                found.append(state.commitment_at(seq) or "")
            found.extend(did for kind, did in guessed if kind != COMMIT)
            found.append(state.key_at(seq))
            found.extend(state.known())
        if col in KEY_COLS:
            self._guesses.setdefault(author, []).append((seq + 1, col, header["rid"]))
        return [did for did in found if did]
