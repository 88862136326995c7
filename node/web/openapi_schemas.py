"""The response shapes of the JSON API, as JSON Schemas (the ``components`` of the document
``node/web/openapi.py`` writes). Each one is the exact shape its handler answers: the feed
API (``node.federation.feed_routes``), push (``inbox``), search (``search_api``) and match
(``match_api``)."""

from __future__ import annotations

from typing import Any

from node.federation.api_params import DID_PATTERN, form_subscription_schema, subscription_schema

STR = {"type": "string"}
INT = {"type": "integer"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
DID = {"type": "string", "pattern": f"^(?:{DID_PATTERN})$"}
ENTRY_ID = {"type": "string", "pattern": "^sha256-[A-Za-z0-9_-]{43}$"}


#: A hit's trust distance (``search.trust``): in the search's, the matches' and the map's.
HOPS = {
    "type": ["integer", "null"],
    "minimum": 0,
    "description": "Distance de confiance : 0 ce nœud, 1 un lieu qu'il suit ou recommande, "
    "2 ce que ceux-ci suivent ou recommandent… ; null hors d'atteinte (docs/confiance.md)",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], description: str, optional: tuple[str, ...] = ()):
    return {
        "type": "object",
        "description": description,
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


_URLS = {name: STR for name in ("home", "feeds", "entries", "head")}

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": {**STR, "description": "Code de l'erreur, stable (bad-parameter…)"},
            "message": {**STR, "description": "Ce qui ne va pas, en français"},
        },
        "Une erreur : un code pour les programmes, un message en français",
    ),
    "NodeInfo": _object(
        {
            "software": {"const": "maillage"},
            "version": STR,
            "protocol": {"const": 1},
            "did": DID,
            "name": STR,
            "urls": _object(_URLS, "Où sont les flux de ce nœud"),
            "feed": _object({"entries": STR, "head": STR}, "Le flux propre du nœud"),
        },
        "Qui est ce nœud et où sont ses points d'accès",
    ),
    "FeedHead": _object(
        {"did": DID, "seq": INT, "head": ENTRY_ID}, "Un flux détenu : son seq et sa tête"
    ),
    "Head": _object(
        {
            "did": DID,
            "seq": INT,
            "head": ENTRY_ID,
            "header": {"type": "object", "description": "En-tête signé de la dernière entrée"},
            "sig": STR,
        },
        "La dernière entrée d'un flux, sans son corps",
    ),
    "Fork": _object(
        {
            "did": DID,
            "seq": INT,
            "entries": {"type": "array", "items": STR, "minItems": 2, "maxItems": 2},
        },
        "Deux entrées signées au même seq : la preuve qu'un flux a fourché",
    ),
    "Subscription": subscription_schema(),
    "SubscriptionForm": form_subscription_schema(),
    "SubscriptionAccepted": _object(
        {
            "mode": {"enum": ["subscribe", "unsubscribe"]},
            "callback": STR,
            "feeds": {"type": "array", "items": STR},
            "lease_seconds": INT,
            "status": {"const": "verification"},
        },
        "Demande reçue : l'intention va être vérifiée à l'adresse de rappel",
    ),
    "PushResult": _object(
        {
            "stored": INT,
            "duplicates": INT,
            "forks": INT,
            "refused": {
                "type": "array",
                "maxItems": 100,
                "items": _object(
                    {"author": STR, "seq": INT, "reason": STR}, "Une entrée non gardée"
                ),
            },
        },
        "Entrées reçues : gardées, déjà connues, fourches, refusées",
    ),
    "Place": _object(
        {"name": STR, "city": NULLABLE_STR, "department": NULLABLE_STR},
        "Le lieu d'où vient un résultat",
    ),
    "Hit": _object(
        {
            "author": DID,
            "col": STR,
            "rid": STR,
            "title": STR,
            "snippet": {**STR, "description": "HTML : mots trouvés dans <mark>"},
            "place": ref("Place"),
            "category": NULLABLE_STR,
            "category_label": NULLABLE_STR,
            "url": STR,
            "updated": NULLABLE_STR,
            "valid_until": NULLABLE_STR,
            "distance_km": {"type": "number", "description": "Distance à near, en km"},
            "hops": HOPS,
        },
        "Un résultat",
        optional=("distance_km",),
    ),
    "MatchNeed": _object(
        {
            "author": DID,
            "rid": STR,
            "title": STR,
            "url": STR,
            "place": ref("Place"),
            "category": NULLABLE_STR,
            "category_label": NULLABLE_STR,
            "quantity": NULLABLE_INT,
            "unit": NULLABLE_STR,
            "due_date": NULLABLE_STR,
            "urgency": NULLABLE_STR,
            "urgency_label": NULLABLE_STR,
        },
        "Le besoin auquel les propositions répondent",
    ),
    "Match": _object(
        {
            "author": DID,
            "col": {"enum": ["offer", "profile", "listing"]},
            "rid": STR,
            "title": STR,
            "place": ref("Place"),
            "url": STR,
            "score": {
                "type": "number",
                "minimum": 0,
                "maximum": 100,
                "description": "Somme pondérée des critères, sur 100 (docs/matching.md)",
            },
            "distance_km": {"type": ["number", "null"], "description": "Distance au besoin"},
            "covers": {
                "type": ["boolean", "null"],
                "description": "Couvre la quantité demandée (null : capacité inconnue)",
            },
            "in_time": {
                "type": ["boolean", "null"],
                "description": "Tient l'échéance (null : délai ou échéance inconnus)",
            },
            "mobilisable": {"type": "boolean", "description": "Répond aux appels"},
            "reasons": {"type": "array", "items": STR, "description": "Pourquoi, en français"},
            "hops": HOPS,
        },
        "Une proposition pour le besoin",
    ),
    "MatchResult": _object(
        {
            "need": ref("MatchNeed"),
            "matches": {"type": "array", "items": ref("Match")},
            "total": INT,
            "page": INT,
            "per_page": INT,
        },
        "Les propositions pour un besoin, les meilleures d'abord, par pages",
    ),
    "Facet": _object({"code": STR, "label": STR, "count": INT}, "Une valeur d'une facette"),
    "PlaceFeature": _object(
        {
            "type": {"const": "Feature"},
            "id": STR,
            "geometry": _object(
                {
                    "type": {"const": "Point"},
                    "coordinates": {
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 2,
                        "maxItems": 2,
                        "description": "[longitude, latitude] en degrés (RFC 7946)",
                    },
                },
                "Où il est",
            ),
            "properties": _object(
                {
                    "title": STR,
                    "col": STR,
                    "col_label": STR,
                    "place": {**STR, "description": "Nom du lieu"},
                    "city": STR,
                    "url": {**STR, "description": "Chemin de sa page sur ce nœud"},
                    "category_label": STR,
                    "hops": HOPS,
                },
                "Ce que montre son marqueur",
            ),
        },
        "Un lieu, une offre ou un besoin sur la carte",
    ),
    "PlaceCollection": _object(
        {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array", "items": ref("PlaceFeature")},
            "total": {**INT, "description": "Résultats de la recherche, situés ou non"},
            "located": {**INT, "description": "Résultats situés, sur la carte"},
            "truncated": {"type": "boolean", "description": "Carte limitée à 5 000 résultats"},
            "message": {**NULLABLE_STR, "description": "Pourquoi la carte est incomplète"},
        },
        "Les résultats situés d'une recherche, en GeoJSON (RFC 7946)",
    ),
    "SearchResult": _object(
        {
            "total": INT,
            "page": INT,
            "per_page": INT,
            "results": {"type": "array", "items": ref("Hit")},
            "facets": {
                "type": "object",
                "description": "Nombre de résultats par catégorie, département et enjeu",
                "properties": {
                    k: {"type": "array", "items": ref("Facet")}
                    for k in ("category", "department", "enjeu")
                },
            },
            "suggestion": {**NULLABLE_STR, "description": "Vouliez-vous dire…"},
            "any_word": {
                "type": "boolean",
                "description": "Aucun enregistrement ne contient tous les mots de q : les "
                "résultats en contiennent au moins un.",
            },
            "around": {
                "type": ["object", "null"],
                "description": "La recherche finissait par « près de » (ou « autour de »…) et "
                "le nom d'une commune de lieux connus : elle a été faite dans un rayon autour "
                "de cette commune, avec les mots qui précèdent.",
                "required": ["town", "lat", "lon", "radius_km"],
                "properties": {
                    "town": STR,
                    "lat": {"type": "number"},
                    "lon": {"type": "number"},
                    "radius_km": {"type": "number"},
                },
            },
            "unknown_town": {
                **NULLABLE_STR,
                "description": "La commune donnée par near n'est celle d'aucun lieu que "
                "connaît ce nœud (donnez alors latitude,longitude).",
            },
        },
        "Une page de résultats, avec les facettes",
    ),
}
