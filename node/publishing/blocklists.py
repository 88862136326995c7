"""Blocklists: publish this node's lists, and apply (or stop applying) another node's.

- **Publish** (:func:`add`, :func:`remove`): a list is a signed ``blocklist`` record of the
  place's own log (rid: the list's name, ``principale`` by default; body: the places and
  why, ``protocol.records.Blocklist``). Publishing hides nothing, here or elsewhere.
- **Apply** (:func:`apply`, :func:`unapply`): a local choice, a row of this node's store
  (``applied_blocklists``), never published. The publisher's feed must be one this node
  replicates (followed, directly or within ``max_hops``): the list's later versions then
  come with it, and :mod:`node.hidden` reads the one held now. Places this node follows
  directly are hidden by a list only once the operator confirms each (``confirm``).
"""

from __future__ import annotations

from typing import Any

from node import hidden
from node.federation import peers
from node.publishing.mutes import check_reason
from node.publishing.records import Published, append
from node.publishing.refusal import Refused
from node.store.database import Store
from protocol import vocabulary as vocab
from protocol.keys import SigningKey
from protocol.records import RecordError, validate_record


def list_name(name: str | None) -> str:
    name = (name or vocab.BLOCKLIST_DEFAULT_NAME).strip()
    if not hidden.valid_list_name(name):
        raise Refused(
            "bad-list-name",
            f"« {name[:80]} » n'est pas un nom de liste (lettres minuscules, chiffres et "
            f"tirets, {vocab.BLOCKLIST_NAME_MAX_LENGTH} caractères au plus)",
        )
    return name


def _checked_did(did: str, me: str) -> str:
    did = did.strip()
    if not hidden.valid_did(did):
        raise Refused("bad-did", f"« {did[:120]} » n'est pas l'identifiant d'un lieu (did:key:z…)")
    if did == me:
        raise Refused("own-node", "c'est ce nœud-ci : il ne peut pas figurer dans sa propre liste")
    return did


def own_list(store: Store, me: str, name: str) -> dict[str, Any]:
    """The body of this node's list ``name`` as published now (empty if none)."""
    record = store.record(me, "blocklist", name)
    body = record.body if record is not None and isinstance(record.body, dict) else {}
    return {**body, "places": [dict(p) for p in body.get("places", []) if isinstance(p, dict)]}


def _publish(store: Store, key: SigningKey, name: str, body: dict[str, Any]) -> Published:
    try:
        validate_record("blocklist", body)
    except RecordError as exc:
        raise Refused("bad-blocklist", f"liste refusée : {exc}") from None
    current = store.record(key.did, "blocklist", name)
    entry = append(store, key, col="blocklist", rid=name, body=body)
    return Published(entry, name, updated=current is not None)


def add(store: Store, key: SigningKey, did: str, reason: str, name: str | None = None) -> Published:
    """List ``did`` with ``reason`` in this node's list ``name`` (its reason replaced if it
    is listed already); unchanged if listed so already."""
    name, did = list_name(name), _checked_did(did, key.did)
    reason = check_reason(reason)
    if not reason:
        raise Refused("bad-reason", "donnez la raison (--reason) : elle est publiée avec la liste")
    if len(reason) > 200:
        raise Refused("bad-reason", "raison trop longue : au plus 200 caractères dans une liste")
    body = own_list(store, key.did, name)
    places = body["places"]
    if {"did": did, "reason": reason} in places:
        return Published(None, name, updated=True)
    kept = [p for p in places if p.get("did") != did]
    if len(kept) >= vocab.BLOCKLIST_MAX_PLACES:
        raise Refused(
            "too-many",
            f"la liste « {name} » a déjà {vocab.BLOCKLIST_MAX_PLACES} lieux : "
            "commencez-en une autre (--list AUTRE-NOM)",
        )
    body["places"] = [*kept, {"did": did, "reason": reason}]
    return _publish(store, key, name, body)


def remove(store: Store, key: SigningKey, did: str, name: str | None = None) -> Published:
    """Take ``did`` out of this node's list ``name``; :class:`Refused` if it is not there."""
    name, did = list_name(name), did.strip()
    body = own_list(store, key.did, name)
    kept = [p for p in body["places"] if p.get("did") != did]
    if len(kept) == len(body["places"]):
        raise Refused("not-listed", f"le lieu {did[:120]} n'est pas dans la liste « {name} »")
    body["places"] = kept
    return _publish(store, key, name, body)


def own_lists(store: Store, me: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """This node's published lists: (name, [(did, reason)…]), by name."""
    return [
        (record.rid, hidden.list_places(record.body))
        for record in sorted(store.records("blocklist", author=me), key=lambda r: r.rid)
    ]


def apply(
    store: Store, me: str, address: str, max_hops: int, confirm: list[str] | None = None
) -> tuple[hidden.AppliedList, bool]:
    """Apply the list ``DID[/NAME]`` (``confirm``: the places followed directly it may hide
    all the same); the list as it applies now, and whether it was applied already."""
    try:
        publisher, name = hidden.list_address(address)
    except ValueError as exc:
        raise Refused("bad-list", str(exc)) from None
    if publisher == me:
        raise Refused("own-list", "c'est une liste de ce nœud-ci : elle ne s'applique pas ici")
    if publisher not in peers.wanted_feeds(store, me, max_hops):
        raise Refused(
            "not-replicated",
            f"ce nœud ne copie pas le flux de {publisher} : suivez d'abord son nœud "
            "(maillage follow URL), pour que la liste et ses changements arrivent ici",
        )
    record = store.record(publisher, "blocklist", name)
    if record is None or not isinstance(record.body, dict):
        raise Refused(
            "unknown-list",
            f"ce nœud ne détient pas de liste « {name} » de {publisher} "
            "(pas encore copiée, ou retirée)",
        )
    listed = {did for did, _ in hidden.list_places(record.body)}
    sure = []
    for did in confirm or []:
        did = did.strip()
        if did not in listed:
            raise Refused("not-listed", f"le lieu {did[:120]} n'est pas dans la liste « {name} »")
        sure.append(did)
    again = store.put_applied(publisher, name, sure)
    found = [
        a for a in hidden.applied_lists(store, me) if (a.publisher, a.name) == (publisher, name)
    ]
    return found[0], again


def unapply(store: Store, address: str) -> None:
    """Stop applying the list ``DID[/NAME]``: its places come back (unless muted otherwise)."""
    try:
        publisher, name = hidden.list_address(address)
    except ValueError as exc:
        raise Refused("bad-list", str(exc)) from None
    if not store.delete_applied(publisher, name):
        raise Refused("not-applied", f"la liste « {name} » de {publisher} n'est pas appliquée ici")
