"""The French vocabulary of Maillage: every code a record may carry, with its French label.

This is the one place where codes and labels live. Each :class:`Vocabulary` is an immutable,
ordered mapping from code to label; its order is the display order of form choices.

The vocabulary grows over time, and peers running newer versions may send codes this version
does not know. Such codes are *kept and shown*, never rejected: :meth:`Vocabulary.label`
returns the code itself for an unknown code, and records only check the syntax of a code
(:func:`is_valid_code`), never its membership.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

__all__ = [
    "ACCESS",
    "AUDIENCES",
    "CATEGORIES",
    "CATEGORY_GROUPS",
    "CHANNELS",
    "CODE_MAX_LENGTH",
    "CODE_PATTERN",
    "ENJEUX",
    "FAMILIES",
    "PRICE_UNITS",
    "PRICING",
    "STATUSES",
    "URGENCIES",
    "VOCABULARIES",
    "Vocabulary",
    "category_group",
    "is_valid_code",
    "scope_label",
]

#: Syntax of every vocabulary code: lowercase ASCII letters and digits, in words separated by
#: single dots or dashes (``production.petite-serie``). Anchored for JSON Schema consumers.
CODE_PATTERN = r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$"
CODE_MAX_LENGTH = 64
_CODE_RE = re.compile(CODE_PATTERN)


def is_valid_code(code: object) -> bool:
    """True when ``code`` is a string with the syntax of a vocabulary code (known or not)."""
    return (
        isinstance(code, str)
        and len(code) <= CODE_MAX_LENGTH
        and _CODE_RE.fullmatch(code) is not None
    )


class Vocabulary(Mapping[str, str]):
    """An immutable, ordered mapping ``code -> French label``.

    Iteration yields codes in display order. Indexing (``vocab[code]``) raises ``KeyError``
    for an unknown code, like any mapping; :meth:`label` never does.
    """

    __slots__ = ("_entries", "name", "title")

    def __init__(self, name: str, title: str, entries: Iterable[tuple[str, str]]) -> None:
        items: dict[str, str] = {}
        for code, label in entries:
            if not is_valid_code(code):
                raise ValueError(f"invalid vocabulary code {code!r} in {name}")
            if code in items:
                raise ValueError(f"duplicate vocabulary code {code!r} in {name}")
            if not label:
                raise ValueError(f"empty label for {code!r} in {name}")
            items[code] = label
        self.name = name
        self.title = title
        self._entries: Mapping[str, str] = MappingProxyType(items)

    def __getitem__(self, code: str) -> str:
        return self._entries[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Vocabulary({self.name!r}, {len(self)} codes)"

    def is_known(self, code: object) -> bool:
        """True when ``code`` belongs to this version of the vocabulary."""
        return isinstance(code, str) and code in self._entries

    def label(self, code: str) -> str:
        """The French label of ``code``, or the code itself when it is unknown."""
        return self._entries.get(code, code)

    def labels(self, codes: Iterable[str]) -> list[str]:
        """The labels of ``codes``, in the given order (unknown codes shown as themselves)."""
        return [self.label(code) for code in codes]

    def codes(self) -> tuple[str, ...]:
        """All known codes, in display order."""
        return tuple(self._entries)

    def choices(self, *keep: str) -> list[tuple[str, str]]:
        """``(code, label)`` pairs for a form, in display order.

        Codes passed in ``keep`` (typically those of the record being edited) that this
        vocabulary does not know are appended, labelled with themselves, so that editing a
        record never silently drops a code sent by a newer peer.
        """
        pairs = list(self._entries.items())
        seen = set(self._entries)
        for code in keep:
            if code not in seen:
                seen.add(code)
                pairs.append((code, code))
        return pairs


CATEGORIES = Vocabulary(
    "categories",
    "Catégorie",
    [
        ("accueil.coworking", "Coworking, postes de travail"),
        ("accueil.salle", "Location de salle, hébergement d'activités"),
        ("accueil.animation", "Animation, événements"),
        ("accueil.acces-libre", "Atelier en accès libre"),
        ("accueil.mediation-numerique", "Médiation numérique"),
        ("production.prototypage", "Prototypage"),
        ("production.petite-serie", "Petite série sur mesure"),
        ("production.reparation", "Réparation, réemploi"),
        ("production.machine-accompagnee", "Mise à disposition de machines accompagnée"),
        ("production.conception", "Conception, CAO"),
        ("production.textile", "Couture, textile"),
        ("formation.numerique", "Formation aux métiers du numérique et de la fabrication"),
        ("formation.transition", "Formation à la transition écologique, low-tech"),
        ("formation.certifiante", "Parcours certifiant"),
        ("formation.initiation", "Initiation grand public, jeunesse"),
    ],
)

#: The three parts of the common core of services; a category code starts with one of them.
CATEGORY_GROUPS = Vocabulary(
    "category-groups",
    "Socle commun de services",
    [
        ("accueil", "Accueil et animation"),
        ("production", "Production, prototypage, petite série"),
        ("formation", "Formation"),
    ],
)

ENJEUX = Vocabulary(
    "enjeux",
    "Enjeux territoriaux",
    [
        ("emploi-insertion", "Emploi et insertion"),
        ("inclusion-numerique", "Inclusion numérique"),
        ("transition-ecologique", "Transition écologique"),
        ("resilience-crise", "Résilience face aux crises"),
        ("revitalisation-rurale", "Revitalisation rurale"),
        ("alimentation", "Alimentation"),
        ("mobilite-teletravail", "Mobilité et télétravail"),
        ("jeunesse-education", "Jeunesse et éducation"),
        ("culture", "Culture"),
        ("sante", "Santé"),
    ],
)

FAMILIES = Vocabulary(
    "families",
    "Type de lieu",
    [
        ("fablab", "Fablab"),
        ("makerspace", "Makerspace, hackerspace"),
        ("coworking", "Coworking"),
        ("repair-cafe", "Repair café"),
        ("atelier-partage", "Atelier partagé"),
        ("ressourcerie", "Ressourcerie, recyclerie"),
        ("tiers-lieu-rural", "Tiers-lieu rural"),
        ("culturel", "Tiers-lieu culturel"),
        ("mediation-numerique", "Espace de médiation numérique"),
        ("mobile", "Tiers-lieu mobile, itinérant"),
        ("reseau", "Réseau de tiers-lieux"),
    ],
)

PRICING = Vocabulary(
    "pricing",
    "Tarification",
    [
        ("gratuit", "Gratuit"),
        ("prix-libre", "Prix libre"),
        ("adhesion", "Sur adhésion"),
        ("tarif", "Tarif fixe"),
        ("devis", "Sur devis"),
        ("echange", "Échange de services"),
    ],
)

PRICE_UNITS = Vocabulary(
    "price-units",
    "Unité de prix",
    [
        ("heure", "À l'heure"),
        ("jour", "À la journée"),
        ("piece", "À la pièce"),
        ("forfait", "Au forfait"),
    ],
)

ACCESS = Vocabulary(
    "access",
    "Accès",
    [
        ("public", "Ouvert à tous"),
        ("adherents", "Réservé aux adhérents"),
        ("sur-demande", "Sur demande"),
    ],
)

STATUSES = Vocabulary(
    "statuses",
    "État du lieu",
    [
        ("projet", "En projet"),
        ("actif", "En activité"),
        ("ferme-temporairement", "Fermé temporairement"),
        ("ferme", "Fermé définitivement"),
    ],
)

AUDIENCES = Vocabulary(
    "audiences",
    "Publics",
    [
        ("citoyens", "Citoyens"),
        ("associations", "Associations"),
        ("collectivites", "Collectivités"),
        ("entreprises", "Entreprises"),
        ("tiers-lieux", "Tiers-lieux"),
    ],
)

CHANNELS = Vocabulary(
    "channels",
    "Modalité d'intervention",
    [
        ("sur-place", "Sur place"),
        ("a-distance", "À distance"),
        ("itinerant", "Itinérant"),
    ],
)

URGENCIES = Vocabulary(
    "urgencies",
    "Urgence",
    [
        ("faible", "Faible"),
        ("normale", "Normale"),
        ("haute", "Haute"),
        ("critique", "Critique"),
    ],
)

#: Every vocabulary by name, for generic code (forms, exports, the JSON API).
VOCABULARIES: Mapping[str, Vocabulary] = MappingProxyType(
    {
        vocab.name: vocab
        for vocab in (
            CATEGORIES,
            CATEGORY_GROUPS,
            ENJEUX,
            FAMILIES,
            PRICING,
            PRICE_UNITS,
            ACCESS,
            STATUSES,
            AUDIENCES,
            CHANNELS,
            URGENCIES,
        )
    }
)


def category_group(code: str) -> str:
    """The common-core group of a category code: the part before the first dot.

    ``category_group("production.textile") == "production"``. For a code without a dot the
    code itself is returned; the group may be unknown to :data:`CATEGORY_GROUPS`.
    """
    return code.split(".", 1)[0]


def scope_label(code: str) -> str:
    """The French label of an endorsement's scope (``protocol.records.Endorse``): a
    category of the common core, or one of its groups (``production``), else the code."""
    if CATEGORIES.is_known(code):
        return CATEGORIES.label(code)
    return CATEGORY_GROUPS.label(code)


#: Blocklists (collection ``blocklist``, SPEC §16): what the collection is called, the name
#: (rid) of a node's list when none is given, the syntax of a list's name, and the most
#: places one list may hold (with reasons of 200 characters, the body stays near the 64 KiB
#: of an entry; more places go in another list).
BLOCKLIST_LABEL = "Liste de blocage"
BLOCKLIST_DEFAULT_NAME = "principale"
BLOCKLIST_NAME_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
BLOCKLIST_NAME_MAX_LENGTH = 64
BLOCKLIST_MAX_PLACES = 200
