"""Numbered schema migrations of the store. Append only: never edit a released one."""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        -- Every entry held, own and copied, as the exact line received (or withheld later).
        CREATE TABLE entries (
            author      TEXT    NOT NULL,
            seq         INTEGER NOT NULL,
            id          TEXT    NOT NULL,
            col         TEXT    NOT NULL,
            rid         TEXT    NOT NULL,
            op          TEXT    NOT NULL,
            line        BLOB    NOT NULL,
            received_at TEXT    NOT NULL,
            PRIMARY KEY (author, seq)
        ) WITHOUT ROWID;
        CREATE INDEX entries_by_record ON entries (author, col, rid, seq);

        -- The head of each feed held: its last entry, for paging and "anything new?".
        CREATE TABLE feeds (
            author     TEXT    PRIMARY KEY,
            first_seq  INTEGER NOT NULL,
            seq        INTEGER NOT NULL,
            head       TEXT    NOT NULL,
            updated_at TEXT    NOT NULL
        ) WITHOUT ROWID;

        -- Current records, folded from the entries (highest seq per record wins).
        CREATE TABLE records (
            author   TEXT    NOT NULL,
            col      TEXT    NOT NULL,
            rid      TEXT    NOT NULL,
            seq      INTEGER NOT NULL,
            entry_id TEXT    NOT NULL,
            body     TEXT,
            PRIMARY KEY (author, col, rid)
        ) WITHOUT ROWID;
        CREATE INDEX records_by_col ON records (col, author);

        -- Proof that a key signed two different entries at one seq: both lines, kept.
        CREATE TABLE forks (
            author      TEXT    NOT NULL,
            seq         INTEGER NOT NULL,
            first_line  BLOB    NOT NULL,
            second_line BLOB    NOT NULL,
            detected_at TEXT    NOT NULL,
            PRIMARY KEY (author, seq)
        ) WITHOUT ROWID;
        """,
    ),
    (
        2,
        """
        -- The nodes this node polls (pull replication), one row per base URL.
        CREATE TABLE peers (
            url          TEXT    PRIMARY KEY,
            did          TEXT,
            status       TEXT    NOT NULL DEFAULT 'new',
            failures     INTEGER NOT NULL DEFAULT 0,
            next_poll    REAL    NOT NULL DEFAULT 0,
            last_attempt TEXT,
            last_success TEXT,
            feeds_etag   TEXT,
            feeds_body   BLOB
        ) WITHOUT ROWID;
        """,
    ),
    (
        3,
        """
        -- Push, the hub side: who asked to be told of new entries of a feed, until when.
        CREATE TABLE push_subscribers (
            callback   TEXT    NOT NULL,
            feed       TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (callback, feed)
        ) WITHOUT ROWID;
        CREATE INDEX push_subscribers_by_feed ON push_subscribers (feed);

        -- Push, the follower side: the subscriptions this node asked of the nodes it follows.
        CREATE TABLE push_subscriptions (
            url          TEXT    PRIMARY KEY,
            token        TEXT    NOT NULL UNIQUE,
            mode         TEXT    NOT NULL,
            requested_at INTEGER NOT NULL,
            expires_at   INTEGER,
            lease        INTEGER,
            error        TEXT
        ) WITHOUT ROWID;
        """,
    ),
    (
        4,
        """
        -- What each feed brought in per day (UTC), for the quotas of node.store.intake.
        CREATE TABLE intake (
            author  TEXT    NOT NULL,
            day     TEXT    NOT NULL,
            entries INTEGER NOT NULL,
            bytes   INTEGER NOT NULL,
            PRIMARY KEY (author, day)
        ) WITHOUT ROWID;
        """,
    ),
    (
        5,
        """
        -- Push, the hub side: the address that asked for each subscription (an IPv6 /64
        -- counts as one), for the cap of subscribers per address.
        ALTER TABLE push_subscribers ADD COLUMN requested_by TEXT NOT NULL DEFAULT ''
        """,
    ),
    (
        6,
        """
        -- Since when a peer fails (its first failure in a row, NULL once it answers): a node
        -- that never answered is unreachable since then (node.federation.peers, inactive).
        ALTER TABLE peers ADD COLUMN failing_since TEXT
        """,
    ),
    (
        7,
        """
        -- Places this node hides (node.hidden): muted by its operator, never published.
        CREATE TABLE mutes (
            did      TEXT PRIMARY KEY,
            reason   TEXT NOT NULL DEFAULT '',
            muted_at TEXT NOT NULL
        ) WITHOUT ROWID;

        -- The blocklists of other nodes this node applies, by publisher and list name.
        CREATE TABLE applied_blocklists (
            publisher  TEXT NOT NULL,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            PRIMARY KEY (publisher, name)
        ) WITHOUT ROWID;

        -- The places an applied list may mute although this node follows them directly:
        -- the operator confirmed each one (maillage apply-blocklist --confirm DID).
        CREATE TABLE blocklist_confirmations (
            publisher    TEXT NOT NULL,
            name         TEXT NOT NULL,
            did          TEXT NOT NULL,
            confirmed_at TEXT NOT NULL,
            PRIMARY KEY (publisher, name, did)
        ) WITHOUT ROWID
        """,
    ),
    (
        8,
        """
        -- Entries a recovery disowned (SPEC 10.4): kept as evidence, never served nor indexed.
        CREATE TABLE disowned (
            author      TEXT    NOT NULL,
            seq         INTEGER NOT NULL,
            id          TEXT    NOT NULL,
            line        BLOB    NOT NULL,
            recovery    TEXT    NOT NULL,
            disowned_at TEXT    NOT NULL,
            PRIMARY KEY (author, id)
        ) WITHOUT ROWID
        """,
    ),
)
