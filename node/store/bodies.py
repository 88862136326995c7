"""Bodies withheld and bodies pending, in the ``entries`` and ``records`` tables.

A put's body may travel withheld (``"body":null``, same id and signature): legitimately once
a later del superseded it (:meth:`BodyTables._withhold_older`), or from a stranger who wants
to blank a new offer. A withheld put that is its record's current state is **body pending**
(SPEC §11.3): :meth:`BodyTables.pending_bodies` lists them for the replicator, and
:meth:`BodyTables._fill_body` takes the whole line when a source gives it.
"""

from __future__ import annotations

import sqlite3

import orjson

from node.store.tables import Tables
from protocol.entries import Entry, withhold

#: How a withheld line starts (canonical JSON: ``body`` is the first member).
WITHHELD_PREFIX = b'{"body":null,'


class BodyTables(Tables):
    def _fill_body(self, conn: sqlite3.Connection, entry: Entry, held: bytes) -> bool:
        """Put back the body of a held put that came withheld while it is its record's
        current state (body pending, SPEC §11.3): the entry verified, so the body matches the
        signed ``body_hash``. A put a later del superseded stays withheld."""
        if entry.op != "put" or entry.body is None or not held.startswith(WITHHELD_PREFIX):
            return False
        current = conn.execute(
            "SELECT entry_id FROM records WHERE author = ? AND col = ? AND rid = ?",
            (entry.author, entry.col, entry.rid),
        ).fetchone()
        if current is None or current[0] != entry.id:
            return False
        conn.execute(
            "UPDATE entries SET line = ? WHERE author = ? AND seq = ?",
            (entry.line, entry.author, entry.seq),
        )
        conn.execute(
            "UPDATE records SET body = ? WHERE author = ? AND col = ? AND rid = ?",
            (orjson.dumps(entry.body).decode("utf-8"), entry.author, entry.col, entry.rid),
        )
        return True

    def pending_bodies(self, author: str) -> list[int]:
        """The seqs of ``author``'s current puts held without their body (body pending)."""
        rows = self._conn().execute(
            "SELECT seq FROM records WHERE author = ? AND body IS NULL ORDER BY seq", (author,)
        )
        return [row[0] for row in rows]

    def _withhold_older(self, conn: sqlite3.Connection, deletion: Entry) -> None:
        """Drop the bodies of the puts a deletion supersedes; ids and chain are unchanged."""
        rows = conn.execute(
            "SELECT seq, line FROM entries WHERE author = ? AND col = ? AND rid = ? "
            "AND op = 'put' AND seq < ?",
            (deletion.author, deletion.col, deletion.rid, deletion.seq),
        ).fetchall()
        for seq, line in rows:
            if not bytes(line).startswith(WITHHELD_PREFIX):
                conn.execute(
                    "UPDATE entries SET line = ? WHERE author = ? AND seq = ?",
                    (withhold(bytes(line)), deletion.author, seq),
                )
