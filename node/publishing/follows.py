"""Follow and unfollow a place: written once, for ``maillage follow`` and ``/admin/pairs``.

A follow is a signed ``follow`` record in the place's own log (rid: the followed did; body:
its URL and name), so the follow graph is public. :func:`discover` asks the node at the URL
who it is; :func:`follow` and :func:`unfollow` are plain functions of the store run inside a
write, like the use cases of :mod:`node.publishing.records`. Once the entry is announced,
replication starts (or stops) at once: :mod:`node.federation.sync` listens for own follows.
"""

from __future__ import annotations

from node.federation import fetch, peers
from node.publishing.records import Published, append
from node.publishing.refusal import Refused
from node.settings import Settings
from node.store.database import Store
from protocol.errors import ProtocolError
from protocol.keys import SigningKey, public_bytes_from_did
from protocol.records import RecordError, validate_record

WELL_KNOWN = "/.well-known/maillage"


def node_url(text: str) -> str:
    """``text`` as a node's base URL, or :class:`Refused`."""
    url = peers.normalise_url(text)
    if url is None:
        raise Refused(
            "bad-url", f"« {text} » n'est pas une adresse de nœud (attendu http://… ou https://…)"
        )
    return url


async def discover(url: str, settings: Settings) -> tuple[str, str | None]:
    """The did and name the node at ``url`` gives in ``/.well-known/maillage``, or
    :class:`Refused` if it cannot be reached or is not a Maillage node."""
    async with fetch.session(settings.sync_connect_seconds, settings.sync_total_seconds) as s:
        try:
            data = await fetch.get_json(s, url + WELL_KNOWN, max_bytes=64 * 1024)
        except fetch.FetchError as exc:
            raise Refused("unreachable", f"impossible de joindre {url} : {exc}") from None
    did = data.get("did") if isinstance(data, dict) else None
    try:
        if not isinstance(did, str) or len(did) > 100:
            raise ProtocolError("bad-author", "missing")
        public_bytes_from_did(did)
    except ProtocolError:
        raise Refused(
            "not-a-node",
            f"{url} ne répond pas comme un nœud Maillage (identifiant absent ou invalide "
            f"dans {WELL_KNOWN})",
        ) from None
    name = data.get("name")
    name = name.strip()[:200] if isinstance(name, str) and name.strip() else None
    return did, name


def follow(store: Store, key: SigningKey, url: str, did: str, name: str | None) -> Published:
    """Follow the place ``did`` found at ``url``; unchanged if already followed so."""
    if did == key.did:
        raise Refused("own-node", "c'est l'adresse de ce nœud-ci : un lieu ne se suit pas lui-même")
    body = {"url": url, "name": name} if name else {"url": url}
    try:
        validate_record("follow", body)
    except RecordError as exc:
        raise Refused("bad-follow", f"suivi refusé : {exc}") from None
    current = store.record(key.did, "follow", did)
    if current is not None and current.body == body:
        return Published(None, did, updated=True)
    entry = append(store, key, col="follow", rid=did, body=body)
    peers.remember(store, url, did)
    return Published(entry, did, updated=current is not None)


def unfollow(store: Store, key: SigningKey, did: str) -> Published:
    """Stop following ``did``; :class:`Refused` if it is not followed."""
    if did not in peers.followed(store, key.did):
        raise Refused("not-followed", "ce lieu n'est pas (ou plus) suivi")
    return Published(append(store, key, col="follow", rid=did, op="del"), did)


def matching(store: Store, me: str, target: str) -> dict[str, str]:
    """The followed places (did → URL) that ``target`` names, by did or by URL."""
    url = peers.normalise_url(target)
    followed = peers.followed(store, me)
    return {d: u for d, u in followed.items() if d == target or (url and u == url)}
