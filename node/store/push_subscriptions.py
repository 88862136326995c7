"""The two tables of push: ``push_subscribers`` (who asked this node, the hub, for pushes of
which feed, until when) and ``push_subscriptions`` (what this node asked of the nodes it
follows). The protocol around them is in :mod:`node.federation.push_hub` and
:mod:`node.federation.subscriptions`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from node.store.tables import Tables


class PushTables(Tables):
    # -- the hub's subscribers ------------------------------------------------------------

    def push_subscribers(self, alive_at: int) -> list[tuple[str, str, int, str]]:
        """``(feed, callback, expires_at, requested_by)`` of the leases still running at
        ``alive_at``."""
        return (
            self._conn()
            .execute(
                "SELECT feed, callback, expires_at, requested_by FROM push_subscribers "
                "WHERE expires_at > ?",
                (alive_at,),
            )
            .fetchall()
        )

    def save_push_subscriber(
        self,
        mode: str,
        callback: str,
        feeds: Sequence[str],
        expires_at: int,
        requested_by: str = "",
    ) -> None:
        """Subscribe ``callback`` to ``feeds`` (or unsubscribe it: no feeds means all), as
        asked from the address ``requested_by``."""
        with self._write() as conn:
            if not feeds:
                conn.execute("DELETE FROM push_subscribers WHERE callback = ?", (callback,))
            for feed in feeds:
                if mode == "subscribe":
                    conn.execute(
                        "INSERT OR REPLACE INTO push_subscribers "
                        "(callback, feed, expires_at, requested_by) VALUES (?, ?, ?, ?)",
                        (callback, feed, expires_at, requested_by),
                    )
                else:
                    conn.execute(
                        "DELETE FROM push_subscribers WHERE callback = ? AND feed = ?",
                        (callback, feed),
                    )

    def drop_expired_push_subscribers(self, moment: int) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM push_subscribers WHERE expires_at <= ?", (moment,))

    def drop_push_callback(self, callback: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM push_subscribers WHERE callback = ?", (callback,))

    # -- this node's own subscriptions ------------------------------------------------------

    def push_subscriptions(self) -> list[tuple[Any, ...]]:
        """``(url, token, mode, requested_at, expires_at, lease, error)`` of each."""
        return (
            self._conn()
            .execute(
                "SELECT url, token, mode, requested_at, expires_at, lease, error "
                "FROM push_subscriptions"
            )
            .fetchall()
        )

    def save_push_subscription(self, row: Sequence[Any]) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO push_subscriptions (url, token, mode, requested_at, "
                "expires_at, lease, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                tuple(row),
            )

    def forget_push_subscription(self, url: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM push_subscriptions WHERE url = ?", (url,))
