"""The fields of the admin forms: one per member of a record body, named by its path.

A field's name in the form is its path in the body (``conditions.price``), so that the errors
of :func:`protocol.records.validate_record` land next to the field they concern. The choices
of a field come from :mod:`protocol.vocabulary`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from protocol import vocabulary as vocab

MAX_EQUIPMENT = 500
#: Empty equipment rows offered below the filled ones (no script: a row is added by saving).
SPARE_ROWS = 3
EQUIPMENT_PARTS = (("type", "Type"), ("make", "Marque"), ("model", "Modèle"), ("quantity", "Nb"))


def field_id(path: str) -> str:
    """The HTML id of the field at ``path``."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", path)


@dataclass(frozen=True)
class Field:
    path: str
    label: str
    #: text, textarea, int, decimal, date, url, email, tel, select, checks, words, lines;
    #: flag: one checkbox whose ticking puts an object at ``path`` (its presence means yes)
    kind: str = "text"
    vocab: vocab.Vocabulary | None = None
    hint: str = ""
    required: bool = False
    max_length: int | None = None

    @property
    def id(self) -> str:
        return field_id(self.path)

    @property
    def input_type(self) -> str:
        return self.kind if self.kind in ("url", "email", "tel", "date") else "text"

    @property
    def input_mode(self) -> str | None:
        return {"int": "numeric", "decimal": "decimal"}.get(self.kind)

    def choices(self, current: Any) -> list[tuple[str, str]]:
        """``(code, label)`` choices; the codes of ``current`` unknown here are kept."""
        assert self.vocab is not None
        keep = current if isinstance(current, list) else [current] if current else []
        return self.vocab.choices(*[c for c in keep if isinstance(c, str)])

    def option_groups(self, current: Any) -> list[tuple[str | None, list[tuple[str, str]]]]:
        """The choices of a select, by group: the categories by part of the common core."""
        choices = self.choices(current)
        if self.vocab is not vocab.CATEGORIES:
            return [(None, choices)]
        groups: dict[str, list[tuple[str, str]]] = {}
        for code, label in choices:
            group = vocab.category_group(code)
            name = vocab.CATEGORY_GROUPS.label(group) if group in vocab.CATEGORY_GROUPS else ""
            groups.setdefault(name or "Autres", []).append((code, label))
        return list(groups.items())


#: An offer's answer to calls for mobilisation (``mobilisable``: its presence means yes).
MOBILISABLE_GROUP = (
    "Mobilisation",
    [
        Field(
            "mobilisable",
            "Répond aux appels à mobilisation",
            "flag",
            hint="cochez si le lieu peut produire pour un besoin urgent du réseau (comme les "
            "visières de 2020) : l'offre est alors signalée dans les correspondances",
        ),
        Field(
            "mobilisable.capacity_per_week",
            "Capacité par semaine",
            "int",
            hint="combien le lieu peut en faire par semaine, un nombre entier ; laissez vide "
            "si vous ne savez pas",
        ),
        Field(
            "mobilisable.unit",
            "Unité de la capacité",
            hint="ce que la capacité compte : pièces, mètres, repas…",
            max_length=40,
        ),
    ],
)
OFFER_GROUPS: list[tuple[str, list[Field]]] = [
    (
        "L'essentiel",
        [
            Field("title", "Titre", required=True, max_length=200),
            Field(
                "category",
                "Catégorie",
                "select",
                vocab.CATEGORIES,
                hint="dans le socle commun de services",
                required=True,
            ),
            Field("description", "Description", "textarea", max_length=20_000),
            Field("tags", "Mots-clés", "words", hint="séparés par des virgules : laser, bois"),
            Field("enjeux", "Enjeux territoriaux servis", "checks", vocab.ENJEUX),
            Field("valid_until", "Valable jusqu'au", "date", hint="vide : sans date de fin"),
        ],
    ),
    (
        "Conditions d'intervention",
        [
            Field("conditions.pricing", "Tarification", "select", vocab.PRICING),
            Field("conditions.price", "Prix en euros", "decimal", hint="par exemple 25,00"),
            Field("conditions.unit", "Le prix s'entend", "select", vocab.PRICE_UNITS),
            Field("conditions.limits.min_quantity", "Quantité minimale", "int"),
            Field("conditions.limits.max_quantity", "Quantité maximale", "int"),
            Field("conditions.limits.lead_time_days", "Délai de réalisation (jours)", "int"),
            Field("conditions.limits.notice_days", "Prévenir combien de jours avant", "int"),
            Field(
                "conditions.people_available.hours_per_month",
                "Heures disponibles par mois",
                "decimal",
            ),
            Field("conditions.people_available.volunteers", "Bénévoles mobilisables", "int"),
            Field("conditions.people_available.paid_staff", "Salariés mobilisables", "int"),
            Field(
                "conditions.value_proposition",
                "Proposition de valeur",
                "textarea",
                hint="ce que le lieu apporte, en quelques phrases",
                max_length=2000,
            ),
            Field("conditions.audiences", "Publics", "checks", vocab.AUDIENCES),
            Field("conditions.channel", "Modalité", "select", vocab.CHANNELS),
        ],
    ),
    (
        "Zone d'intervention",
        [
            Field("area.departments", "Départements", "words", hint="numéros : 24, 33, 2A"),
            Field("area.radius_km", "Rayon autour du lieu (km)", "int"),
        ],
    ),
    MOBILISABLE_GROUP,
]


#: The need form, in the order one thinks of a need: what, how many, by when, how urgent,
#: where, until when; each field says what it is for (the operator publishes a need in a
#: minute, often in a hurry).
NEED_GROUPS: list[tuple[str, list[Field]]] = [
    (
        "Ce qu'il vous faut",
        [
            Field(
                "title",
                "Titre",
                required=True,
                max_length=200,
                hint="ce qu'il faut, en quelques mots : « 500 visières de protection »",
            ),
            Field(
                "category",
                "Catégorie",
                "select",
                vocab.CATEGORIES,
                hint="le type de service cherché, dans le socle commun : il sert à trouver "
                "les lieux qui le proposent",
                required=True,
            ),
            Field(
                "description",
                "Description",
                "textarea",
                max_length=20_000,
                hint="le détail : matière, dimensions, usage, livraison. Laissez vide si le "
                "titre suffit.",
            ),
        ],
    ),
    (
        "Combien, pour quand",
        [
            Field(
                "quantity",
                "Quantité",
                "int",
                hint="combien il en faut, un nombre entier : il sert à trouver les lieux qui "
                "peuvent tout fournir. Laissez vide si ce n'est pas une quantité.",
            ),
            Field(
                "unit",
                "Unité de la quantité",
                hint="ce que la quantité compte : pièces, mètres, heures…",
                max_length=40,
            ),
            Field(
                "due_date",
                "Pour le",
                "date",
                hint="la date à laquelle il vous le faut (AAAA-MM-JJ ou JJ/MM/AAAA) ; après "
                "elle, le besoin est clos. Laissez vide s'il n'y a pas d'échéance.",
            ),
            Field(
                "urgency",
                "Urgence",
                "select",
                vocab.URGENCIES,
                hint="haute ou critique : le besoin est poussé en priorité à tout le réseau "
                "et s'affiche en bandeau ; faible ou normale : il paraît dans les recherches",
            ),
        ],
    ),
    (
        "Où",
        [
            Field(
                "area.departments",
                "Départements",
                "words",
                hint="où le besoin doit être servi, numéros séparés par des virgules : 24, 33. "
                "Laissez vide pour ne pas limiter.",
            ),
            Field(
                "area.radius_km",
                "Rayon autour du lieu (km)",
                "int",
                hint="ou jusqu'à quelle distance de votre lieu. Laissez vide pour ne pas limiter.",
            ),
        ],
    ),
    (
        "Validité et mots-clés",
        [
            Field(
                "valid_until",
                "Valable jusqu'au",
                "date",
                hint="après cette date, le besoin n'apparaît plus dans les recherches. "
                "Laissez vide : il vaut jusqu'à l'échéance.",
            ),
            Field("tags", "Mots-clés", "words", hint="séparés par des virgules : visière, PETG"),
            Field("enjeux", "Enjeux territoriaux servis", "checks", vocab.ENJEUX),
        ],
    ),
    ("Conditions (facultatif)", OFFER_GROUPS[1][1]),
]

PROFILE_GROUPS: list[tuple[str, list[Field]]] = [
    (
        "Le lieu",
        [
            Field("name", "Nom du lieu", required=True, max_length=200),
            Field(
                "summary",
                "En une phrase",
                "textarea",
                hint="280 caractères au plus ; affichée dans les résultats",
                max_length=280,
            ),
            Field("description", "Description", "textarea", max_length=20_000),
            Field("families", "Type de lieu", "checks", vocab.FAMILIES),
            Field("status", "État", "select", vocab.STATUSES),
            Field("access", "Accès", "select", vocab.ACCESS),
            Field(
                "opening_hours",
                "Horaires",
                hint="syntaxe OpenStreetMap, par exemple Tu-Sa 10:00-18:00",
                max_length=1000,
            ),
        ],
    ),
    (
        "Adresse",
        [
            Field("address.street", "Rue", max_length=200),
            Field("address.postcode", "Code postal"),
            Field("address.city", "Commune", max_length=100),
            Field("address.insee_code", "Code commune INSEE", hint="par exemple 24322"),
            Field("department", "Département", hint="numéro : 24, 2A, 971"),
            Field("region", "Région", hint="code à 2 chiffres : 75 pour la Nouvelle-Aquitaine"),
            Field("geo.lat", "Latitude", "decimal", hint="par exemple 45.1846"),
            Field("geo.lon", "Longitude", "decimal", hint="par exemple 0.7214"),
        ],
    ),
    (
        "Contact",
        [
            Field("website", "Site web", "url"),
            Field("contact.name", "Personne à contacter", max_length=200),
            Field("contact.email", "Courriel", "email"),
            Field("contact.phone", "Téléphone", "tel"),
            Field("contact.url", "Page de contact", "url"),
            Field(
                "node_urls",
                "Adresses de ce nœud",
                "lines",
                hint="une par ligne : où les autres lieux joignent ce nœud",
            ),
        ],
    ),
]

FORMS: Mapping[str, list[tuple[str, list[Field]]]] = {
    "profile": PROFILE_GROUPS,
    "offer": OFFER_GROUPS,
    "need": NEED_GROUPS,
}


def fields(col: str) -> list[Field]:
    return [field for _, group in FORMS[col] for field in group]
