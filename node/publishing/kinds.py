"""The collections a place publishes itself, as it names them in French.

Light on purpose: the command line's parser builds its subcommands from these (``maillage
offer``, ``maillage need``) without importing the store (:mod:`node.publishing.records`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A collection as the place names it in French."""

    col: str
    noun: str
    plural: str
    feminine: bool

    def agree(self, word: str) -> str:
        return word + ("e" if self.feminine else "")

    def named(self, rid: str) -> str:
        return self.noun if self.col == "profile" else f"{self.noun} « {rid} »"


PROFILE = Kind("profile", "profil", "profils", feminine=False)
OFFER = Kind("offer", "offre", "offres", feminine=True)
NEED = Kind("need", "besoin", "besoins", feminine=False)
#: The kinds of listing a place publishes, by their French plural (the admin's paths).
KINDS = {OFFER.plural: OFFER, NEED.plural: NEED}
