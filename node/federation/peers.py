"""The peers a node polls, and the feeds it wants, computed from the follow graph it holds.

- **Wanted feeds**: the feeds this node follows or endorses (its own ``follow`` and
  ``endorse`` records), then, hop by hop up to ``max_hops``, the feeds those follow or
  endorse (their records, held since their feeds are copied). Each wanted feed comes with
  the URLs its followers gave for it; an endorsement gives none (the feed is fetched from
  the polled peers that list it).
- **Peer table** (``peers``, migration 2): one row per base URL polled, with its status
  (``ok``, ``unreachable``, ``error: …``), failures, the time of its next poll (backoff) and
  the validator and body of its last ``/feeds`` answer (for conditional requests).
- **States shown**: a feed's state (:func:`feed_status`) is one of those codes, or ``new``,
  ``fork``, ``gone``; the codes stay English (they are stored and logged), and what a person
  reads, on the command line and on the admin page alike, is :func:`status_label`.

Functions taking a :class:`Store` read it directly; those that write are plain functions
meant to run on the writer thread (``writer.run``) or, in the command line, in a thread.
"""

from __future__ import annotations

import asyncio
import datetime
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from node.hidden import hidden_authors
from node.settings import Settings
from node.store.database import AppendResult, Store
from node.store.intake import Quota
from protocol.entries import Entry

OK = "ok"
UNREACHABLE = "unreachable"
NEW = "new"
FORK = "fork"
#: The feed took its day's quota: nothing more is taken from it until tomorrow (UTC).
QUOTA = "quota"
#: No longer followed, the copy kept: a state shown, never stored.
GONE = "gone"
#: Hidden by this node (``node.hidden``): not copied any more, the copy kept; never stored.
MUTED = "muted"
#: The prefix of a stored status for a peer that answered badly: ``error: <French reason>``.
ERROR = "error: "

#: What a person reads for each state: ``maillage peers``, ``maillage sync`` and the admin
#: page (which capitalises it) use these, so that they say the same thing.
STATUS_LABELS = {
    OK: "à jour",
    UNREACHABLE: "injoignable",
    NEW: "en attente de la première copie",
    FORK: "fourche : deux versions du journal, copie gelée",
    QUOTA: "quota du jour atteint : copie suspendue jusqu'à demain",
    GONE: "plus suivi : la copie est gardée",
    MUTED: "masqué sur ce nœud : plus copié, la copie est gardée",
}


class Sink(Protocol):
    """Where writes go: the server's :class:`node.writer.Writer`, or :class:`DirectSink`."""

    async def append(
        self, entries: Sequence[Entry], quota: Quota | None = None
    ) -> AppendResult: ...

    async def run(self, function: Callable[..., Any], *args: Any) -> Any: ...


class DirectSink:
    """Writes straight to the store, in a thread (``maillage sync`` when the node is not
    serving; SQLite serialises it with a running server)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def append(self, entries: Sequence[Entry], quota: Quota | None = None) -> AppendResult:
        return await asyncio.to_thread(self.store.append, list(entries), quota)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(function, *args)


@dataclass(slots=True)
class Wanted:
    """A feed to replicate: how many hops away, and the URLs given for it (nearest first)."""

    did: str
    hops: int
    urls: list[str] = field(default_factory=list)
    #: For a feed further away: the URLs of the followed nodes through which it is known.
    via: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Peer:
    url: str
    did: str | None
    status: str
    failures: int
    next_poll: float
    last_success: str | None
    feeds_etag: str | None
    feeds_body: bytes | None


def status_label(status: str) -> str:
    """The French label of a state code (``error: …`` → ``erreur : …``)."""
    if status.startswith(ERROR):
        return f"erreur : {status[len(ERROR) :]}"
    return STATUS_LABELS.get(status, status)


def quota(settings: Settings) -> Quota:
    """What one feed may bring in per day, from the settings."""
    return Quota(settings.quota_entries_per_day, settings.quota_bytes_per_day)


def feed_status(
    store: Store,
    did: str,
    item: Wanted | None,
    peer: Peer | None,
    limit: Quota | None = None,
    hidden: frozenset[str] = frozenset(),
) -> str:
    """The state code of a feed held or wanted: a fork first, then hidden by this node,
    then its quota, then not followed any more, then the status of the peer it is fetched
    from (``new`` before any poll)."""
    if store.fork(did) is not None:
        return FORK
    if did in hidden:
        return MUTED
    if limit is not None and item is not None and store.over_quota(did, limit):
        return QUOTA
    if item is None:
        return GONE
    return peer.status if peer is not None else NEW


def normalise_url(url: str) -> str | None:
    """``url`` as a base URL (``http(s)://host[:port][/path]``, no trailing slash), or None."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        return None
    if len(url) > 500 or not url.isprintable() or " " in url:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def wanted_feeds(
    store: Store,
    me: str,
    max_hops: int,
    per_peer: int | None = None,
    capped: dict[str, int] | None = None,
) -> dict[str, Wanted]:
    """The feeds this node replicates, by did (its own excluded), nearest hop first.

    Only the node's own follow records give URLs to poll: feeds further away are fetched
    from the followed nodes, which hold them. So a node connects only to the places its
    operator chose, never to an address that someone else's follow record names (which
    could point at a private network). With ``per_peer``, the follow records of one place
    add at most that many feeds further away; how many were left out, by place, goes into
    ``capped``.

    The places this node hides (``node.hidden``: muted, or listed by a list it applies)
    are not wanted, nor reached through: nothing more of them is fetched.
    """
    hidden = hidden_authors(store, me)
    wanted: dict[str, Wanted] = {}
    frontier = [me]
    for hops in range(1, max_hops + 1):
        following: list[str] = []
        for author in frontier:
            roots = wanted[author].urls or wanted[author].via if author != me else []
            added = 0
            for record in edges(store, author):
                did = record.rid
                if did == me or not did.startswith("did:key:z"):
                    continue
                if did in hidden:
                    continue
                body = record.body if isinstance(record.body, dict) else {}
                raw = body.get("url")
                url = normalise_url(raw) if isinstance(raw, str) else None
                item = wanted.get(did)
                if item is None:
                    if author != me and per_peer is not None and added >= per_peer:
                        if capped is not None:
                            capped[author] = capped.get(author, 0) + 1
                        continue
                    added += 1
                    item = wanted[did] = Wanted(did, hops)
                    following.append(did)
                if url and author == me and url not in item.urls:
                    item.urls.append(url)
                for root in roots:
                    if root not in item.via and root not in item.urls:
                        item.via.append(root)
        frontier = following
    return wanted


#: The collections whose records name a feed to replicate and count in the trust distance
#: (``node.federation.trust``): a follow (with the URL to fetch it from, when it is this
#: node's own) and an endorsement (no URL: fetched from the peers that hold it).
EDGE_COLS = ("follow", "endorse")


def edges(store: Store, author: str) -> list[Any]:
    """The follow, then the endorse records of ``author`` held here."""
    return [record for col in EDGE_COLS for record in store.records(col, author=author)]


def followed(store: Store, me: str) -> dict[str, str]:
    """The feeds this node follows directly: did → URL from the follow record."""
    result: dict[str, str] = {}
    for record in store.records("follow", author=me):
        body = record.body if isinstance(record.body, dict) else {}
        result[record.rid] = str(body.get("url", ""))
    return result


def suggestions(store: Store, me: str) -> list[tuple[str, str, int]]:
    """Feeds followed by the feeds this node follows, but not by it: (did, name or URL,
    how many of its peers follow it), most followed first."""
    mine = followed(store, me)
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    for peer in mine:
        for record in store.records("follow", author=peer):
            did = record.rid
            if did == me or did in mine:
                continue
            counts[did] = counts.get(did, 0) + 1
            body = record.body if isinstance(record.body, dict) else {}
            label = body.get("name") or body.get("url") or ""
            if isinstance(label, str) and label and did not in names:
                names[did] = label
    ranked = sorted(counts.items(), key=lambda item: (-item[1], names.get(item[0], ""), item[0]))
    return [(did, names.get(did, ""), count) for did, count in ranked]


# -- the peer table --------------------------------------------------------------------


def peers(store: Store) -> dict[str, Peer]:
    rows = store.peer_rows()
    return {row[0]: Peer(*row[:7], None if row[7] is None else bytes(row[7])) for row in rows}


#: Failed polls in a row before a place's own node is said to answer no more (one failure
#: is often a reboot or a short outage).
SILENT_AFTER_FAILURES = 3


def silent_places(store: Store) -> set[str]:
    """The places whose own node, a peer of this one, failed its last polls (the search page
    marks their results)."""
    by_did: dict[str, list[Peer]] = {}
    for peer in peers(store).values():
        if peer.did:
            by_did.setdefault(peer.did, []).append(peer)
    return {
        did for did, own in by_did.items() if all(p.failures >= SILENT_AFTER_FAILURES for p in own)
    }


#: Days without a new entry and without an answer after which a place is « inactif ? ».
INACTIVE_AFTER_DAYS = 30


def inactive_places(store: Store, today: datetime.date) -> set[str]:
    """The places that look gone (the stale-directory lesson): their own node, a peer of
    this one, has been unreachable for :data:`INACTIVE_AFTER_DAYS` days (its last success
    is older, or it never answered and has failed since then) and this node has stored
    nothing new of their feed for as long. Their pages say « inactif ? » and the matches
    rank them lower. One address of the place that answers keeps it active."""
    cutoff = f"{today - datetime.timedelta(days=INACTIVE_AFTER_DAYS)}T00:00:00Z"

    def gone(failures: int, last_success: str | None, failing_since: str | None) -> bool:
        since = last_success or failing_since
        return failures > 0 and since is not None and since < cutoff

    verdicts: dict[str, bool] = {}
    for did, failures, last_success, failing_since in store.peer_reachability():
        verdicts[did] = verdicts.get(did, True) and gone(failures, last_success, failing_since)
    inactive = set()
    for did in (did for did, away in verdicts.items() if away):  # few: read their feeds only
        head = store.feed(did)
        if head is None or head.updated_at < cutoff:
            inactive.add(did)
    return inactive


def due(peer: Peer | None, now: float) -> bool:
    return peer is None or peer.next_poll <= now


def next_delay(failures: int, poll_seconds: float, backoff_max: float) -> float:
    """Seconds until the next poll: the interval when all is well, doubled at each failure
    in a row up to ``backoff_max``; ±10 % jitter so that peers are not polled in step."""
    base = poll_seconds if failures == 0 else min(backoff_max, poll_seconds * 2.0**failures)
    return base * random.uniform(0.9, 1.1)


def record_success(
    store: Store,
    url: str,
    poll_seconds: float,
    *,
    did: str | None = None,
    etag: str | None = None,
    body: bytes | None = None,
) -> None:
    """The peer answered well: status ok, failures reset, next poll in one interval."""
    next_poll = time.time() + next_delay(0, poll_seconds, 0)
    store.peer_succeeded(url, OK, next_poll, did, etag, body)


def record_failure(
    store: Store, url: str, status: str, poll_seconds: float, backoff_max: float
) -> None:
    """The peer failed: status given, one more failure, next poll after the backoff."""
    store.peer_failed(
        url, status, lambda failures: time.time() + next_delay(failures, poll_seconds, backoff_max)
    )


def remember(store: Store, url: str, did: str | None) -> None:
    """Add ``url`` to the peer table (due at once), e.g. just after ``maillage follow``."""
    store.remember_peer(url, did)
