"""The tables of migration 7: mutes, the lists applied and their confirmations."""

from __future__ import annotations

from pathlib import Path

from node.store.database import Store


def test_mutes_applied_lists_and_confirmations(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite3")
    try:
        assert store.schema_version >= 7 and store.mute_rows() == []
        assert store.put_mute("did:key:za", "pourriel") is False
        assert store.put_mute("did:key:za", "autre raison") is True
        assert [row[:2] for row in store.mute_rows()] == [("did:key:za", "autre raison")]
        assert store.delete_mute("did:key:za") is True and store.delete_mute("did:key:za") is False

        assert store.put_applied("did:key:zp", "principale", ["did:key:zf"]) is False
        assert store.put_applied("did:key:zp", "principale", ["did:key:zf"]) is True
        assert [row[:2] for row in store.applied_rows()] == [("did:key:zp", "principale")]
        assert store.confirmation_rows() == [("did:key:zp", "principale", "did:key:zf")]
        assert store.delete_applied("did:key:zp", "principale") is True
        assert store.applied_rows() == [] and store.confirmation_rows() == []
        assert store.delete_applied("did:key:zp", "principale") is False
    finally:
        store.close()
