"""What this node hides: the places its operator muted, and those of the blocklists it applies.

Hiding is local and never published (issue 15). One rule, read by every room that shows or
serves a place:

- a place **muted** directly (``maillage mute``, table ``mutes``) is hidden;
- a place named by an **applied** blocklist (a ``blocklist`` record of another feed, applied
  with ``maillage apply-blocklist``) is hidden too, except this node itself (never) and the
  places it follows directly or whose lists it applies (« suivi directement, à confirmer »)
  unless the operator confirmed that one for that list;
- the lists are read as they are held now: when the publisher's feed brings a new version,
  the places it adds are hidden and those it drops come back, with nothing else to do.

The serving node keeps the set in a :class:`Hidden` (``node.appkeys.HIDDEN``), recomputed
every second by a job of :mod:`node.app` (a mute from the command line takes effect within
a second); the search index takes it out of every view (``SearchIndex.hide``), the pages
reading the store check :meth:`Hidden.hides`, and replication skips those feeds
(``node.federation``). A command that opens the store reads :func:`hidden_authors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from node.store.database import Store
from protocol import vocabulary as vocab
from protocol.errors import ProtocolError
from protocol.keys import public_bytes_from_did

#: The state of one place of an applied list.
APPLIED = "applied"  # hidden by the list
TO_CONFIRM = "to-confirm"  # followed directly: not hidden until the operator confirms
CONFIRMED = "confirmed"  # followed directly, hidden: the operator confirmed
OWN = "own"  # this node itself: never hidden

STATE_LABELS = {
    APPLIED: "masqué",
    TO_CONFIRM: "non appliqué : suivi directement, à confirmer",
    CONFIRMED: "masqué (confirmé par l'opérateur)",
    OWN: "non appliqué : c'est ce nœud-ci",
}


@dataclass(frozen=True, slots=True)
class Mute:
    did: str
    reason: str
    muted_at: str


@dataclass(frozen=True, slots=True)
class Listed:
    """A place of an applied list: its did, the publisher's reason, its state here."""

    did: str
    reason: str
    state: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(slots=True)
class AppliedList:
    """A blocklist this node applies, as its publisher's feed holds it now."""

    publisher: str
    name: str
    applied_at: str
    #: The list is held (the publisher's feed was copied and holds it, not deleted).
    held: bool = False
    title: str = ""
    places: list[Listed] = field(default_factory=list)


def valid_did(did: object) -> bool:
    """Whether ``did`` is a did:key a feed may have (SPEC §2)."""
    if not isinstance(did, str) or len(did) > 100:
        return False
    try:
        public_bytes_from_did(did)
    except ProtocolError:
        return False
    return True


def list_places(body: Any) -> list[tuple[str, str]]:
    """The ``(did, reason)`` of a blocklist body, read leniently (a malformed place is
    skipped, a did listed twice counts once): the body comes from another node."""
    places = body.get("places") if isinstance(body, dict) else None
    out: dict[str, str] = {}
    for place in places if isinstance(places, list) else []:
        did = place.get("did") if isinstance(place, dict) else None
        if valid_did(did) and did not in out:
            reason = place.get("reason")
            out[did] = reason.strip()[:200] if isinstance(reason, str) else ""
    return list(out.items())


def mutes(store: Store) -> list[Mute]:
    return [Mute(*row) for row in store.mute_rows()]


def protected(store: Store, me: str) -> set[str]:
    """The places no list hides without the operator's confirmation: those this node
    follows directly, and the publishers of the lists it applies."""
    followed = {record.rid for record in store.records("follow", author=me)}
    return followed | {publisher for publisher, _name, _at in store.applied_rows()}


def applied_lists(store: Store, me: str) -> list[AppliedList]:
    """Every list this node applies, with each place's state."""
    guarded = protected(store, me)
    confirmed: dict[tuple[str, str], set[str]] = {}
    for publisher, name, did in store.confirmation_rows():
        confirmed.setdefault((publisher, name), set()).add(did)
    out = []
    for publisher, name, applied_at in store.applied_rows():
        item = AppliedList(publisher, name, applied_at)
        record = store.record(publisher, "blocklist", name)
        if record is not None and isinstance(record.body, dict):
            item.held = True
            title = record.body.get("title")
            item.title = title.strip()[:200] if isinstance(title, str) else ""
            sure = confirmed.get((publisher, name), set())
            for did, reason in list_places(record.body):
                if did == me:
                    state = OWN
                elif did in guarded:
                    state = CONFIRMED if did in sure else TO_CONFIRM
                else:
                    state = APPLIED
                item.places.append(Listed(did, reason, state))
        out.append(item)
    return out


def hidden_authors(store: Store, me: str) -> frozenset[str]:
    """The places this node hides now (see the module)."""
    hidden = {mute.did for mute in mutes(store)}
    for applied in applied_lists(store, me):
        hidden.update(p.did for p in applied.places if p.state in (APPLIED, CONFIRMED))
    hidden.discard(me)
    return frozenset(hidden)


def list_address(text: str) -> tuple[str, str]:
    """``DID`` or ``DID/NAME`` as (publisher, list name); ValueError in French."""
    did, _, name = text.strip().partition("/")
    name = name or vocab.BLOCKLIST_DEFAULT_NAME
    if not valid_did(did):
        raise ValueError(f"« {did[:120]} » n'est pas l'identifiant d'un lieu (did:key:z…)")
    if not valid_list_name(name):
        raise ValueError(
            f"« {name[:80]} » n'est pas un nom de liste (lettres minuscules, chiffres et tirets)"
        )
    return did, name


def valid_list_name(name: str) -> bool:
    return (
        len(name) <= vocab.BLOCKLIST_NAME_MAX_LENGTH
        and re.fullmatch(vocab.BLOCKLIST_NAME_PATTERN, name) is not None
    )


class Hidden:
    """The places a serving node hides, as last computed (read by any thread; replaced
    whole, never changed in place)."""

    def __init__(self, authors: frozenset[str] = frozenset()) -> None:
        self.authors = authors

    def hides(self, did: str) -> bool:
        return did in self.authors


#: What an application without the hiding job reads (a test's partial app): nothing hidden.
NOTHING_HIDDEN = Hidden()
