"""What ``maillage export`` offers, and the CSV columns it writes: plain constants.

Light on purpose: the command line's parser builds ``maillage export --help`` from these
without importing the exporter (:mod:`node.io.export`, which reads the store).
"""

from __future__ import annotations

FORMATS = ("csv", "geojson", "jsonld")
DELIMITERS = {";": ";", ",": ",", "tab": "\t"}

#: The columns of the CSV file (and the properties of a GeoJSON feature), in order, each
#: with its French description. Stable: new columns are only ever added before ``body``.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("col", "collection : profile, listing, offer, need, follow…"),
    ("col_label", "la collection en français : Lieu, Lieu recensé, Offre, Besoin, Suivi…"),
    ("author", "identifiant (did) du lieu qui a signé l'enregistrement"),
    ("rid", "identifiant de l'enregistrement dans le flux de son auteur"),
    ("seq", "numéro de l'entrée du flux qui l'a publié"),
    ("updated", "date de publication déclarée par l'auteur (UTC)"),
    ("page", "adresse de sa page sur ce nœud (offres, besoins, lieux)"),
    ("title", "titre (offre, besoin) ou nom (lieu, suivi)"),
    ("summary", "résumé (lieu)"),
    ("description", "description"),
    ("category", "code de la catégorie (offre, besoin)"),
    ("category_label", "la catégorie en français"),
    ("enjeux", "codes des enjeux, séparés par « ; »"),
    ("enjeux_labels", "les enjeux en français, séparés par « ; »"),
    ("tags", "mots-clés, séparés par « ; »"),
    ("families", "types de lieu (codes), séparés par « ; »"),
    ("status", "état du lieu (code)"),
    ("pricing", "tarification (code : gratuit, tarif, devis…)"),
    ("price", "prix, en euros (point décimal)"),
    ("price_unit", "unité du prix (heure, jour, piece, forfait)"),
    ("quantity", "quantité demandée (besoin)"),
    ("unit", "unité de la quantité (besoin)"),
    ("due_date", "date souhaitée (besoin)"),
    ("urgency", "urgence (besoin)"),
    ("valid_until", "valable jusqu'au (offre, besoin)"),
    ("place_name", "nom du lieu : le lieu lui-même, sinon le profil de l'auteur"),
    ("street", "adresse du lieu (même règle)"),
    ("postcode", "code postal"),
    ("commune", "commune"),
    ("insee_code", "code commune INSEE"),
    ("department", "code du département"),
    ("region", "code de la région"),
    ("lat", "latitude (WGS 84) : la sienne, sinon celle du lieu de l'auteur (offre, besoin)"),
    ("lon", "longitude (WGS 84), même règle"),
    ("website", "site web (lieu) ou adresse du nœud suivi (suivi)"),
    ("email", "courriel de contact (lieu)"),
    ("phone", "téléphone de contact (lieu)"),
    ("source", "source d'un lieu recensé (provenance)"),
    ("licence", "licence de cette source"),
    ("body", "l'enregistrement complet, en JSON canonique (RFC 8785)"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)
#: The columns without ``body`` (``maillage export --no-body``): the JSON of ``body``, full
#: of commas, colons and quotes, defeats the separator sniffing of csvkit and pandas.
FLAT_COLUMN_NAMES: tuple[str, ...] = tuple(name for name in COLUMN_NAMES if name != "body")
