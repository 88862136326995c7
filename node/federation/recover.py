"""Getting back the place's own entries from its peers, after restoring an older backup.

A node restored from a backup taken before its last publications holds a *shorter* copy of
its own feed than the peers that follow it. Publishing then would sign a second, different
entry at a seq the peers already hold: a fork, and they freeze the feed for good. The peers'
copies are signed by the place's own key, so they can be taken back safely:

1. :func:`gather` asks each peer (``GET /feeds``, then ``GET /feeds/{did}/entries?after=N``
   page by page, through :mod:`node.federation.fetch`: size caps, timeouts) for the node's own feed,
   from one entry before the local head (to see a different head: a fork), and verifies
   every line (signature, canonical form, author, seq, chain). Nothing is written: a peer
   that answers badly is set aside with a French reason and its entries are dropped; two
   different entries at one seq, between the local base and a peer or between two peers,
   are a fork (:class:`Conflict`) and nothing at all is taken.
2. :func:`apply` appends the entries all answering peers agree on with :meth:`Store.append`
   (one transaction, whose chain check proves they continue the local head).

``maillage recover`` runs both; ``maillage recover --check`` and :func:`warn_if_behind` (the
start-up check of ``maillage serve``) only the first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from node.appkeys import KEY, SETTINGS, STORE
from node.federation import fetch, peers
from node.federation.fetch import FetchError
from node.settings import Settings
from node.store.database import Store
from protocol.chains import ForkProof
from protocol.entries import Entry
from protocol.errors import ProtocolError
from protocol.rotation import KeyRing
from protocol.verification import verify_line, verify_lines

log = logging.getLogger("maillage.recover")

#: Where an entry held locally comes from, in reports.
LOCAL = "votre base"


@dataclass(slots=True)
class PeerReport:
    """What one peer answered: the seq of the node's feed it holds, how many verified
    entries beyond the local head it served, or why it could not be used."""

    url: str
    held: int = 0
    newer: int = 0
    error: str | None = None
    unreachable: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Conflict:
    """A fork of the node's own feed: the proof, and where each of its entries was found."""

    proof: ForkProof
    first_from: str
    second_from: str


@dataclass(slots=True)
class Outcome:
    """The result of asking the peers (and, after :func:`apply`, of storing)."""

    did: str
    #: Seq of the local head before anything was stored (0: no entry, or no base at all).
    local: int
    peers: list[PeerReport] = field(default_factory=list)
    #: Verified entries from seq ``local + 1`` on, on which every answering peer agrees.
    found: list[Entry] = field(default_factory=list)
    conflict: Conflict | None = None
    stored: int = 0
    #: Why the store refused the entries (it changed meanwhile), in French.
    refused: str | None = None

    @property
    def failed(self) -> list[PeerReport]:
        return [p for p in self.peers if not p.ok]

    @property
    def head(self) -> int:
        return self.local + self.stored


def default_peers(store: Store, me: str, public_url: object = None) -> list[str]:
    """The URLs of the node's own ``follow`` records (never its own ``public_url``)."""
    own = peers.normalise_url(str(public_url)) if public_url else None
    urls = (peers.normalise_url(url) for url in peers.followed(store, me).values())
    return list(dict.fromkeys(url for url in urls if url and url != own))


async def gather(
    store: Store | None,
    did: str,
    urls: Sequence[str],
    settings: Settings,
    progress: Callable[[PeerReport], None] | None = None,
) -> Outcome:
    """Ask every peer in ``urls`` (in order) for the feed ``did`` beyond the local head of
    ``store`` (None: no base at all); verify everything, write nothing. ``progress`` is
    called with each peer's report as soon as it is known."""
    head = await asyncio.to_thread(store.feed, did) if store is not None else None
    collector = _Collector(store, did, head.seq if head is not None else 0, settings)
    if head is not None:
        collector.head_id = head.head
    client = fetch.session(settings.sync_connect_seconds, settings.sync_total_seconds)
    async with client:
        for url in urls:
            report = await collector.ask(client, url)
            collector.outcome.peers.append(report)
            if progress is not None:
                progress(report)
    return collector.outcome


def apply(store: Store, outcome: Outcome) -> None:
    """Append the entries found (unless a fork was found) with :meth:`Store.append`."""
    if outcome.conflict is not None or not outcome.found:
        return
    head = store.feed(outcome.did)
    if (head.seq if head is not None else 0) != outcome.local:
        outcome.refused = (
            f"la base a changé pendant la récupération (flux au n° {head.seq if head else 0} "
            f"au lieu du n° {outcome.local}) : le nœud a-t-il publié entre-temps ?"
        )
        return
    result = store.append(outcome.found)
    outcome.stored = len(result.stored)
    if result.forks:
        outcome.conflict = Conflict(result.forks[0], LOCAL, "un pair")
    elif result.refused:
        entry, reason = result.refused[0]
        outcome.refused = f"entrée n° {entry.seq} refusée par la base ({reason})"


class _Collector:
    """The entries beyond the local head, as the peers asked so far agree on them."""

    def __init__(self, store: Store | None, did: str, local: int, settings: Settings) -> None:
        self.store = store
        self.did = did
        self.local = local
        self.head_id: str | None = None
        self.settings = settings
        self.outcome = Outcome(did, local)
        self.sources: list[str] = []  # the peer each entry of ``found`` came from first
        #: The feed's keys: those held, then the rotations of the entries found.
        self.keys = store.key_ring() if store is not None else KeyRing()

    async def ask(self, client: aiohttp.ClientSession, raw: str) -> PeerReport:
        url = peers.normalise_url(raw)
        report = PeerReport(url or raw)
        if url is None:
            report.error = "adresse invalide (attendu http://… ou https://…)"
            return report
        found = self.outcome.found
        mark = len(found)
        try:
            await self._read(client, url, report)
        except FetchError as exc:
            del found[mark:], self.sources[mark:]  # nothing is taken from a bad answer
            report.error, report.unreachable = str(exc), exc.unreachable
            report.newer = 0
        return report

    async def _read(self, client: aiohttp.ClientSession, url: str, report: PeerReport) -> None:
        did, limit = self.did, self.settings.max_response_bytes
        answer = await fetch.get(client, f"{url}/feeds", max_bytes=limit)
        report.held = fetch.parse_listing(answer.body).get(did, 0)
        # One entry of overlap with what is held locally: a different entry there is a fork.
        after = max(0, min(self.local, report.held) - 1)
        while after < report.held:
            page = f"{url}/feeds/{did}/entries?after={after}"
            answer = await fetch.get(client, page, max_bytes=limit, lines=True)
            if answer.broken:  # nothing is taken from a bad answer
                raise FetchError(answer.broken)
            if not answer.lines:
                raise FetchError(
                    f"annonce votre flux jusqu'au n° {report.held} mais n'envoie rien "
                    f"après le n° {after}"
                )
            for result in await asyncio.to_thread(verify_lines, answer.lines, self.keys):
                if isinstance(result, ProtocolError):
                    raise FetchError(f"entrée invalide ({result.code}) : rien n'est repris")
                if result.author != did or result.seq != after + 1:
                    raise FetchError("entrée hors de la page demandée : rien n'est repris")
                if not await self._check(result, url):
                    return  # a fork: nothing more to learn from this peer
                after = result.seq
                report.newer = max(0, after - self.local)

    async def _check(self, entry: Entry, url: str) -> bool:
        """Compare ``entry`` with what is known at its seq, or add it; False on a fork."""
        seq = entry.seq
        try:  # a peer still serving what a rotation or a recovery retired (SPEC §10.4)
            self.keys.state(self.did).check_signer(entry)
        except ProtocolError as exc:
            raise FetchError(
                f"entrée n° {seq} refusée ({exc.code}) : ce pair n'a pas encore suivi la "
                "rotation ou la reprise de votre clé"
            ) from None
        if seq <= self.local:
            mine = await asyncio.to_thread(self._local_entry, seq)
            if mine.id != entry.id:
                self._conflict(ForkProof(self.did, seq, mine, entry), LOCAL, url)
                return False
            return True
        found = self.outcome.found
        index = seq - self.local - 1
        if index < len(found):
            known = found[index]
            if known.id != entry.id:
                self._conflict(ForkProof(self.did, seq, known, entry), self.sources[index], url)
                return False
            if known.withheld and not entry.withheld:
                found[index] = entry  # the same entry, with its body
            return True
        prev = found[-1].id if found else self.head_id
        if entry.prev != prev:
            raise FetchError(f"chaîne rompue : l'entrée n° {seq} ne suit pas la précédente")
        found.append(entry)
        self.sources.append(url)
        self.keys.state(self.did).apply(entry)
        return True

    def _local_entry(self, seq: int) -> Entry:
        assert self.store is not None  # seq <= local implies a base holding the feed
        line = self.store.line(self.did, seq)
        if line is None:
            raise FetchError(f"entrée n° {seq} absente de votre base")
        return verify_line(line, self.keys)

    def _conflict(self, proof: ForkProof, first: str, second: str) -> None:
        if self.outcome.conflict is None:
            self.outcome.conflict = Conflict(proof, first, second)


# -- the start-up check of ``maillage serve`` -----------------------------------------------


async def warn_if_behind(app: web.Application) -> None:
    """Log an error when the peers this node follows hold more of its own feed than it
    does (a restored old backup): publishing now would fork the feed. Never raises."""
    store, did, settings = app[STORE], app[KEY].did, app[SETTINGS]
    try:
        urls = await asyncio.to_thread(default_peers, store, did, settings.public_url)
        if not urls:
            return
        outcome = await gather(store, did, urls, settings)
    except asyncio.CancelledError:
        raise
    except Exception:  # a start-up courtesy: it must never stop the node
        log.debug("vérification de démarrage impossible", exc_info=True)
        return
    home = settings.home
    if outcome.conflict is not None:
        proof = outcome.conflict.proof
        log.error(
            "FOURCHE de votre propre flux : deux entrées n° %d signées par la clé du lieu "
            "(%s, %s) ; ne publiez rien et lancez « maillage recover --home %s »",
            proof.seq,
            proof.first.id,
            proof.second.id,
            home,
        )
    elif outcome.found:
        log.error(
            "vos pairs détiennent %d entrée(s) de votre propre flux que votre base n'a pas "
            "(base restaurée depuis une ancienne sauvegarde ?) : ne publiez rien et lancez "
            "« maillage recover --home %s »",
            len(outcome.found),
            home,
        )
