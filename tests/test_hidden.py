"""The one rule of what a node hides (``node.hidden``): direct mutes, applied lists, and the
places no list hides without a confirmation (this node, its direct follows)."""

from __future__ import annotations

from pathlib import Path

from node import hidden
from node.store.database import Store
from protocol.signing import sign_log
from tests.support.samples import TS, key

ME, PUBLISHER, FOLLOWED, LISTED = (key(n) for n in ("moi", "éditeur", "suivi", "listé"))


def _store(tmp_path: Path, places: object) -> Store:
    store = Store(tmp_path / "store.sqlite3")
    follow = [("follow", FOLLOWED.did, {"url": "http://127.0.0.1:9"})]
    store.append(sign_log(ME, follow, ts=TS))
    store.append(sign_log(PUBLISHER, [("blocklist", "principale", {"places": places})], ts=TS))
    return store


def test_a_list_hides_only_once_applied_and_a_follow_only_once_confirmed(tmp_path: Path) -> None:
    places = [
        {"did": LISTED.did, "reason": "faux lieu"},
        {"did": FOLLOWED.did, "reason": "doublon"},
        {"did": ME.did, "reason": "moi"},
    ]
    store = _store(tmp_path, places)
    try:
        assert hidden.hidden_authors(store, ME.did) == frozenset()  # published, not applied
        store.put_applied(PUBLISHER.did, "principale", [])
        assert hidden.hidden_authors(store, ME.did) == {LISTED.did}
        states = {p.did: p.state for p in hidden.applied_lists(store, ME.did)[0].places}
        assert states == {LISTED.did: hidden.APPLIED, FOLLOWED.did: hidden.TO_CONFIRM,
                          ME.did: hidden.OWN}  # fmt: skip
        store.put_applied(PUBLISHER.did, "principale", [FOLLOWED.did])
        assert hidden.hidden_authors(store, ME.did) == {LISTED.did, FOLLOWED.did}
        store.delete_applied(PUBLISHER.did, "principale")
        store.put_mute(LISTED.did, "")
        assert hidden.hidden_authors(store, ME.did) == {LISTED.did}
    finally:
        store.close()


def test_a_hostile_list_is_read_leniently(tmp_path: Path) -> None:
    places = [
        "pas un objet",
        {"did": 42},
        {"did": "did:key:zPasUnDid"},
        {"did": LISTED.did, "reason": ["pas", "du", "texte"]},
        {"did": LISTED.did, "reason": "deux fois"},
    ]
    store = _store(tmp_path, places)
    try:
        store.put_applied(PUBLISHER.did, "principale", [])
        (applied,) = hidden.applied_lists(store, ME.did)
        assert [(p.did, p.reason) for p in applied.places] == [(LISTED.did, "")]
        assert hidden.hidden_authors(store, ME.did) == {LISTED.did}
    finally:
        store.close()


def test_list_addresses() -> None:
    assert hidden.list_address(PUBLISHER.did) == (PUBLISHER.did, "principale")
    assert hidden.list_address(f" {PUBLISHER.did}/faux-lieux ") == (PUBLISHER.did, "faux-lieux")
    for bad in ("did:key:zx", f"{PUBLISHER.did}/Pas Bon", f"{PUBLISHER.did}/{'a' * 65}"):
        try:
            hidden.list_address(bad)
        except ValueError as exc:
            assert "n'est pas" in str(exc)
        else:
            raise AssertionError(bad)
