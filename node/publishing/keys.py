"""The place's keys (SPEC §10.4, ``docs/cles.md``): commit to a recovery key, rotate the
key, take the feed back with the recovery key. Written once for the command line (and the
admin area, later); the key files are :mod:`node.home`'s.
"""

from __future__ import annotations

from node.publishing.records import append
from node.publishing.refusal import Refused
from node.store.database import Store
from protocol.entries import Entry
from protocol.errors import ProtocolError
from protocol.keys import SigningKey
from protocol.rotation import COMMIT, RECOVER, ROTATE
from protocol.signing import sign_entry


def commit_recovery(store: Store, key: SigningKey, recovery_did: str) -> Entry:
    """Publish the commitment to ``recovery_did``: only that key may later take the feed
    back, or name another recovery key. Refused when the feed already committed to one."""
    committed = store.key_state(key.did).recovery
    if committed is not None:
        raise Refused(
            "already-committed",
            f"le journal de ce lieu désigne déjà une clé de secours ({committed}) ; seule "
            "celle-ci peut en désigner une autre",
        )
    return append(store, key, col=COMMIT, rid=recovery_did, body={})


def rotate(store: Store, key: SigningKey, next_did: str) -> Entry:
    """Publish the rotation to ``next_did``, signed by the key in force: from the next
    entry on, ``next_did`` signs the feed."""
    return append(store, key, col=ROTATE, rid=next_did, body={})


def recover(
    store: Store, author: str, recovery_key: SigningKey, after: int, new_did: str
) -> tuple[Entry, int]:
    """Take ``author``'s feed back: an entry signed by the committed recovery key, right
    after entry ``after``, that disowns every entry after it and names ``new_did``.
    Returns the entry and how many entries it disowned here."""
    state = store.key_state(author)
    if state.recovery is None:
        raise Refused(
            "no-recovery-key",
            "le journal de ce lieu ne désigne aucune clé de secours : la reprise est "
            "impossible (créez-en une avec « maillage key recovery » tant que la clé est sûre)",
        )
    if recovery_key.key_did != state.commitment_at(after + 1):
        raise Refused(
            "not-recovery-key",
            f"cette clé ({recovery_key.key_did}) n'est pas la clé de secours que le journal "
            f"désigne ({state.commitment_at(after + 1) or state.recovery})",
        )
    head = store.feed(author)
    if head is None or not 1 <= after <= head.seq:
        held = head.seq if head is not None else 0
        raise Refused("bad-after", f"--after doit être entre 1 et {held}, le dernier n° tenu")
    if after < state.recovered:
        raise Refused(
            "bad-after",
            f"--after ne peut pas précéder la reprise déjà faite au n° {state.recovered}",
        )
    prev = store.entry_id(author, after)
    try:
        entry = sign_entry(
            recovery_key.for_feed(author),
            seq=after + 1,
            prev=prev,
            col=RECOVER,
            rid=new_did,
            body={},
        )
    except ProtocolError as exc:  # pragma: no cover - a bug of ours, never the user's
        raise Refused(exc.code, exc.message) from None
    result = store.append([entry])
    if not result.recovered:
        reason = result.refused[0][1] if result.refused else "déjà faite"
        raise Refused("recovery-refused", f"reprise refusée par la base : {reason}")
    return entry, result.recovered[0].disowned
