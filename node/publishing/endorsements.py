"""Endorse a place, and withdraw the endorsement: written once, for ``maillage endorse`` and
the admin's peers page (``/admin/pairs``).

An endorsement is a signed ``endorse`` record in the place's own log (rid: the endorsed
did; body: a note, the scopes it is about, the place's name as known here:
``protocol.records.Endorse``), so who vouches for whom is public. It counts like a follow
in the trust distance (``search.trust``) and in replication (``peers.wanted_feeds``: the
endorsed feed is fetched from the peers that hold it; no URL is needed). A node whose
profile has the family ``reseau`` presents the places it endorses as its members.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from node.publishing.records import Published, append
from node.publishing.refusal import Refused
from node.store.database import Store
from protocol import vocabulary as vocab
from protocol.errors import ProtocolError
from protocol.keys import SigningKey, public_bytes_from_did
from protocol.records import RecordError, validate_record

COL = "endorse"


@dataclass(frozen=True)
class Endorsement:
    """One endorsement of this node, as listed: the did, the name known, note and scopes."""

    did: str
    name: str
    note: str
    scopes: tuple[str, ...]


def checked_did(text: str) -> str:
    """``text`` as a place's did, or :class:`Refused` (``bad-did``)."""
    did = text.strip()
    try:
        if len(did) > 100:
            raise ProtocolError("bad-author", "too long")
        public_bytes_from_did(did)
    except ProtocolError:
        raise Refused(
            "bad-did", f"« {did[:100]} » n'est pas l'identité d'un lieu (attendu did:key:z6Mk…)"
        ) from None
    return did


def checked_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes, each a category or a group of the common core, or :class:`Refused`."""
    out: list[str] = []
    for scope in (s.strip() for s in scopes):
        if not (vocab.CATEGORIES.is_known(scope) or vocab.CATEGORY_GROUPS.is_known(scope)):
            known = ", ".join([*vocab.CATEGORY_GROUPS.codes(), *vocab.CATEGORIES.codes()])
            raise Refused(
                "unknown-scope",
                f"« {scope[:64]} » n'est pas une catégorie du socle commun ({known})",
            )
        if scope not in out:
            out.append(scope)
    return out


def endorse(
    store: Store,
    key: SigningKey,
    did: str,
    note: str | None = None,
    scopes: Iterable[str] = (),
) -> Published:
    """Endorse the place ``did`` (a note, scopes); unchanged if already endorsed so."""
    did = checked_did(did)
    if did == key.did:
        raise Refused("own-node", "c'est l'identité de ce nœud-ci : un lieu ne se recommande pas")
    body: dict[str, Any] = {}
    if note and note.strip():
        body["note"] = note.strip()
    if chosen := checked_scopes(scopes):
        body["scopes"] = chosen
    if name := place_name(store, did):
        body["name"] = name[:200]
    try:
        validate_record(COL, body)
    except RecordError as exc:
        raise Refused("bad-endorsement", f"recommandation refusée : {exc}") from None
    current = store.record(key.did, COL, did)
    if current is not None and current.body == body:
        return Published(None, did, updated=True)
    entry = append(store, key, col=COL, rid=did, body=body)
    return Published(entry, did, updated=current is not None)


def unendorse(store: Store, key: SigningKey, did: str) -> Published:
    """Withdraw the endorsement of ``did``; :class:`Refused` if there is none."""
    did = did.strip()
    if store.record(key.did, COL, did) is None:
        raise Refused("not-endorsed", "ce lieu n'est pas (ou plus) recommandé par ce nœud")
    return Published(append(store, key, col=COL, rid=did, op="del"), did)


def place_name(store: Store, did: str) -> str | None:
    """The name of ``did``'s profile held here, if any."""
    profile = store.record(did, "profile", "profile")
    name = (profile.body or {}).get("name") if profile is not None else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def endorsements(store: Store, me: str) -> list[Endorsement]:
    """This node's endorsements, by name then did."""
    out = []
    for record in store.records(COL, author=me):
        body = record.body if isinstance(record.body, dict) else {}
        note = body.get("note")
        scopes = body.get("scopes")
        out.append(
            Endorsement(
                record.rid,
                place_name(store, record.rid) or _text(body.get("name")),
                _text(note),
                tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else (),
            )
        )
    return sorted(out, key=lambda e: (e.name.casefold(), e.did))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
