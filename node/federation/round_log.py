"""What replication tells the operator: one line when something changed, none per attempt.

A node runs for months on a small machine and its log is read by a volunteer
(``journalctl -u maillage``): an idle node must write nothing, and each line must say
something new. So:

- a round that stored entries writes one INFO line saying what (« copie : 12 entrées de
  3 flux (2 pairs) »); a round that stored nothing writes nothing;
- a peer that starts failing writes one WARNING line, and one INFO line when it answers
  again; the attempts in between write nothing (``maillage peers`` shows the state, the
  ``peers`` table counts the failures);
- a proven fork writes an ERROR line: it is rare and needs a person.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from node.federation import peers
from protocol.chains import ForkProof

log = logging.getLogger("maillage.sync")


def plural(count: int, singular: str, several: str | None = None) -> str:
    """``count`` and the noun, in the plural from 2 on (French: 0 and 1 are singular)."""
    return f"{count} {singular if count < 2 else several or singular + 's'}"


def log_stored(stored: int, feeds: int, sources: int, filled: int) -> None:
    """The round's one line about what it stored, if it stored anything."""
    parts = []
    if stored:
        parts.append(
            f"{plural(stored, 'entrée')} de {plural(feeds, 'flux', 'flux')} "
            f"({plural(sources, 'pair')})"
        )
    if filled:
        parts.append(f"{plural(filled, 'contenu')} en attente {plural_tail(filled, 'retrouvé')}")
    if parts:
        log.info("copie : %s", ", ".join(parts))


def plural_tail(count: int, word: str) -> str:
    """An adjective agreeing with ``count`` (« retrouvé », « retrouvés »)."""
    return word if count < 2 else word + "s"


def log_forks(proofs: Iterable[ForkProof], source: str) -> None:
    """One ERROR line per fork proven, naming both entries and where the second came from."""
    for proof in proofs:
        log.error(
            "FOURCHE : le flux %s a signé deux entrées n° %d (%s et %s), reçues de %s ; "
            "le flux est gelé, la preuve est gardée",
            proof.author,
            proof.seq,
            proof.first.id,
            proof.second.id,
            source,
        )


class PeerStates:
    """Which peers this process saw failing, so that a change of state is logged once.

    A peer already failing when the node starts is logged at its first failure seen (the
    operator who restarts learns which peers are down), then no more until it recovers.
    """

    def __init__(self) -> None:
        self._failing: set[str] = set()

    def failed(self, url: str, status: str, before: peers.Peer | None) -> None:
        if url in self._failing:
            log.debug("pair %s : %s (échec de plus)", url, peers.status_label(status))
            return
        self._failing.add(url)
        failures = (before.failures if before is not None else 0) + 1
        log.warning(
            "pair %s : %s (%s de suite ; nouveaux essais sans autre message jusqu'à son "
            "retour, état : maillage peers)",
            url,
            peers.status_label(status),
            plural(failures, "échec"),
        )

    def succeeded(self, url: str, before: peers.Peer | None) -> None:
        was_failing = url in self._failing or (before is not None and before.failures > 0)
        self._failing.discard(url)
        if was_failing:
            failures = before.failures if before is not None else 0
            after = f" après {plural(failures, 'échec')}" if failures else ""
            log.info("pair %s : de nouveau joignable%s", url, after)


#: What a peer's state says when the store refused what it served, by the refusal's code
#: (the store's reasons start with it, ``protocol.errors``); anything else broke the chain.
REFUSALS = {
    "retired-key": "entrée signée par une clé que le lieu a retirée (retired-key)",
    "not-recovery-key": "reprise signée par une autre clé que la clé de secours du lieu "
    "(not-recovery-key)",
    "bad-key-entry": "entrée de clé invalide (bad-key-entry)",
}


def refusal_status(reason: str) -> str:
    """The French state of a peer whose lines were refused for ``reason``."""
    code = reason.split(":", 1)[0].strip()
    return (
        f"entrée refusée : {REFUSALS[code]}"
        if code in REFUSALS
        else ("entrée refusée (chaîne rompue)")
    )
