"""The ``mutes``, ``applied_blocklists`` and ``blocklist_confirmations`` tables (migration 7).

What this node hides is local: these rows are never published. The rule of what is hidden
(direct mutes, then the places of the applied lists, less those it follows directly unless
confirmed) is :mod:`node.hidden`'s; this module only reads and writes the rows.
"""

from __future__ import annotations

from node.store.tables import Tables, utc_now


class MuteTables(Tables):
    # -- mutes ------------------------------------------------------------------------

    def mute_rows(self) -> list[tuple[str, str, str]]:
        """``(did, reason, muted_at)`` of every place muted directly, by did."""
        return (
            self._conn().execute("SELECT did, reason, muted_at FROM mutes ORDER BY did").fetchall()
        )

    def put_mute(self, did: str, reason: str) -> bool:
        """Mute ``did`` (or change its reason); whether it was muted already."""
        with self._write() as conn:
            known = conn.execute("SELECT 1 FROM mutes WHERE did = ?", (did,)).fetchone()
            conn.execute(
                "INSERT INTO mutes (did, reason, muted_at) VALUES (?, ?, ?) "
                "ON CONFLICT (did) DO UPDATE SET reason = excluded.reason",
                (did, reason, utc_now()),
            )
        return known is not None

    def delete_mute(self, did: str) -> bool:
        """Unmute ``did``; whether it was muted."""
        with self._write() as conn:
            return bool(conn.execute("DELETE FROM mutes WHERE did = ? RETURNING did", (did,)))

    # -- applied blocklists -----------------------------------------------------------

    def applied_rows(self) -> list[tuple[str, str, str]]:
        """``(publisher, name, applied_at)`` of every list applied, in order."""
        return (
            self._conn()
            .execute(
                "SELECT publisher, name, applied_at FROM applied_blocklists "
                "ORDER BY publisher, name"
            )
            .fetchall()
        )

    def confirmation_rows(self) -> list[tuple[str, str, str]]:
        """``(publisher, name, did)`` of every place confirmed for an applied list."""
        return (
            self._conn()
            .execute(
                "SELECT publisher, name, did FROM blocklist_confirmations "
                "ORDER BY publisher, name, did"
            )
            .fetchall()
        )

    def put_applied(self, publisher: str, name: str, confirm: list[str]) -> bool:
        """Apply the list ``name`` of ``publisher`` (kept if applied already), with the
        places ``confirm`` added to its confirmations; whether it was applied already."""
        now = utc_now()
        with self._write() as conn:
            known = conn.execute(
                "SELECT 1 FROM applied_blocklists WHERE publisher = ? AND name = ?",
                (publisher, name),
            ).fetchone()
            conn.execute(
                "INSERT OR IGNORE INTO applied_blocklists (publisher, name, applied_at) "
                "VALUES (?, ?, ?)",
                (publisher, name, now),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO blocklist_confirmations "
                "(publisher, name, did, confirmed_at) VALUES (?, ?, ?, ?)",
                [(publisher, name, did, now) for did in confirm],
            )
        return known is not None

    def delete_applied(self, publisher: str, name: str) -> bool:
        """Stop applying a list (and forget its confirmations); whether it was applied."""
        with self._write() as conn:
            conn.execute(
                "DELETE FROM blocklist_confirmations WHERE publisher = ? AND name = ?",
                (publisher, name),
            )
            gone = conn.execute(
                "DELETE FROM applied_blocklists WHERE publisher = ? AND name = ? RETURNING name",
                (publisher, name),
            )
            return bool(gone)
