"""Mute and unmute a place: written once, for ``maillage mute|unmute|mutes`` and the admin
area's peers page.

A mute is local: a row of this node's store (``mutes``), never an entry, so nothing is
published and other nodes are unaffected. What it hides, and how fast, is
:mod:`node.hidden`'s; nothing is deleted, so :func:`unmute` brings everything back.
"""

from __future__ import annotations

from dataclasses import dataclass

from node import hidden
from node.publishing.refusal import Refused
from node.store.database import Store

#: The longest reason kept (a note for the operator, never published).
REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class Masked:
    """A place this node hides, and where it comes from (« masqué par l'opérateur », or
    « liste NAME de PUBLISHER »), with the reason given there."""

    did: str
    name: str
    source: str
    reason: str
    #: Muted directly (``maillage unmute`` brings it back), not by a list.
    direct: bool


def check_did(store: Store, me: str, did: str) -> str:
    """``did`` as a place this node may mute, or :class:`Refused`."""
    did = did.strip()
    if not hidden.valid_did(did):
        raise Refused("bad-did", f"« {did[:120]} » n'est pas l'identifiant d'un lieu (did:key:z…)")
    if did == me:
        raise Refused("own-node", "c'est ce nœud-ci : un nœud ne peut pas se masquer lui-même")
    if store.feed(did) is None and store.record(me, "follow", did) is None:
        raise Refused(
            "unknown-place",
            f"ce nœud ne connaît pas le lieu {did} (ni copié ni suivi) : rien à masquer",
        )
    return did


def check_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise Refused("bad-reason", f"raison trop longue : au plus {REASON_MAX} caractères")
    return reason


def mute(store: Store, me: str, did: str, reason: str | None = None) -> bool:
    """Hide the place ``did`` from this node; whether it was muted already (its reason is
    then replaced)."""
    reason = check_reason(reason)
    return store.put_mute(check_did(store, me, did), reason)


def unmute(store: Store, did: str) -> None:
    """Show the place ``did`` again; :class:`Refused` if it is not muted directly."""
    did = did.strip()
    if not hidden.valid_did(did):
        raise Refused("bad-did", f"« {did[:120]} » n'est pas l'identifiant d'un lieu (did:key:z…)")
    if not store.delete_mute(did):
        raise Refused("not-muted", f"le lieu {did} n'est pas masqué (directement) par ce nœud")


def place_name(store: Store, did: str) -> str:
    record = store.record(did, "profile", "profile")
    name = record.body.get("name") if record is not None and isinstance(record.body, dict) else None
    return " ".join(name.split())[:200] if isinstance(name, str) else ""


def masked(store: Store, me: str) -> list[Masked]:
    """Every place this node hides: the direct mutes, then those of the applied lists."""
    out = [
        Masked(m.did, place_name(store, m.did), "masqué par l'opérateur", m.reason, True)
        for m in hidden.mutes(store)
    ]
    direct = {m.did for m in out}
    for applied in hidden.applied_lists(store, me):
        source = f"liste « {applied.name} » de {applied.publisher}"
        for place in applied.places:
            if place.state in (hidden.APPLIED, hidden.CONFIRMED) and place.did not in direct:
                name = place_name(store, place.did)
                out.append(Masked(place.did, name, source, place.reason, False))
    return out
