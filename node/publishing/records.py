"""Publish, update and withdraw the place's own records: written once, for the command line
(``maillage offer put``) and the admin area (``/admin/offres/ajouter``) alike.

Every use case is a plain function of the store and the key that runs inside one write:
the command line calls it directly (SQLite serialises writers across processes), the server
calls it on its writer thread through :func:`served`, which then announces the new entry
(push, search index, replication).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from node.home import KeyInForce
from node.publishing.kinds import PROFILE, Kind
from node.publishing.refusal import Refused
from node.publishing.slugs import slugify, unique_slug
from node.store.database import Store
from node.writer import Writer
from protocol.entries import Entry
from protocol.errors import ProtocolError
from protocol.keys import SigningKey

T = TypeVar("T")


@dataclass(frozen=True)
class Published:
    """What a use case wrote: the entry, or None when the record was already so."""

    entry: Entry | None
    rid: str
    updated: bool = False


def append(store: Store, key: SigningKey, **entry: Any) -> Entry:
    """Sign and append one own entry, or raise :class:`Refused` saying why it cannot be."""
    proof = store.fork(key.did)
    if proof is not None:
        raise Refused(
            "frozen-feed",
            f"le journal de ce lieu est bloqué : deux entrées différentes portent le n° "
            f"{proof.seq} (la clé a servi sur deux machines)",
        )
    in_force = store.key_state(key.did).current
    if in_force != key.key_did:
        raise Refused(
            "retired-key",
            f"la clé de ce nœud ({key.key_did}) n'est plus celle qui signe le journal du lieu "
            f"({in_force}) : une rotation ou une reprise a eu lieu ailleurs, et ce dossier n'a pas "
            "la clé en vigueur ; installez-la (key.pem)",
        )
    try:
        return store.append_own(key, **entry)
    except ProtocolError as exc:
        if exc.code == "too-large":
            raise Refused(
                "too-large",
                "fiche trop longue : une entrée signée fait au plus 64 Kio ; raccourcissez-la",
            ) from None
        raise


def put(
    store: Store, key: SigningKey, kind: Kind, rid: str | None, body: dict[str, Any]
) -> Published:
    """Publish ``body`` as ``rid`` (a new offer or need gets a rid from its title, never
    used before); an unchanged record is not written again."""
    if kind is PROFILE:
        rid = "profile"
    current = None if rid is None else store.record(key.did, kind.col, rid)
    if rid is not None and current is not None and current.body == body:
        return Published(None, rid, updated=True)

    def new_rid(used: set[str]) -> str:  # called inside the write transaction
        return unique_slug(slugify(str(body.get("title", "")), kind.noun), used)

    entry = append(store, key, col=kind.col, rid=rid or new_rid, body=body)
    return Published(entry, entry.rid, updated=current is not None)


def withdraw(store: Store, key: SigningKey, kind: Kind, rid: str) -> Published:
    """Withdraw an own offer or need; :class:`Refused` if there is none by that rid."""
    did = key.did
    if store.record(did, kind.col, rid) is None:
        if rid in store.rids(did, kind.col):
            raise Refused("already-withdrawn", f"{kind.named(rid)} est déjà {kind.agree('retiré')}")
        current = [r.rid for r in store.records(kind.col, author=did)]
        known = ", ".join(current) if current else kind.agree("aucun") + f" {kind.noun}"
        raise Refused(
            "unknown-record",
            f"{kind.named(rid)} inconnu{kind.agree('')} (publié{kind.agree('')}s : {known})",
        )
    return Published(append(store, key, col=kind.col, rid=rid, op="del"), rid)


async def served(
    writer: Writer, use_case: Callable[..., Published], signer: KeyInForce, *args: Any
) -> Published:
    """Run ``use_case(store, key, *args)`` on the server's writer thread with the key in
    force (read again if a rotation was made beside the node), then announce its entry."""

    def run() -> Published:
        return use_case(writer.store, signer.current(writer.store), *args)

    outcome = await writer.run(run)
    if outcome.entry is not None:
        await writer.announce([outcome.entry])
    return outcome
