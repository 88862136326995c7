"""``GET /api/openapi.json``: an OpenAPI 3.1 description of the node's JSON API."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.api_errors import json_response
from node.appkeys import VERSION
from node.federation.feed_routes import base_url

NDJSON = "application/x-ndjson"
DID = {"name": "did", "in": "path", "required": True, "schema": {"type": "string"}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(_ref("Error"), "Erreur : code et message en français")
ERRORS = {"400": ERROR, "404": ERROR}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


STR = {"type": "string"}
DEPARTMENT = "^(?:[0-9]{2,3}|2[AB])$"
NULLABLE_STR = {"type": ["string", "null"]}
INT = {"type": "integer"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": STR, "message": STR},
    },
    "Entry": {
        "type": "object",
        "description": "Une entrée signée (une ligne NDJSON, JCS de l'objet)",
        "required": ["header", "body", "sig"],
        "properties": {"header": {"type": "object"}, "body": {}, "sig": STR},
    },
    "Subscription": {
        "type": "object",
        "required": ["mode", "callback", "feeds"],
        "properties": {
            "mode": {"enum": ["subscribe", "unsubscribe"]},
            "callback": {"type": "string", "format": "uri"},
            "feeds": {"type": "array", "items": STR, "maxItems": 1000},
            "lease_seconds": INT,
        },
    },
    "Place": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": STR,
            "city": NULLABLE_STR,
            "department": NULLABLE_STR,
            "did": NULLABLE_STR,
        },
    },
    "Hit": {
        "type": "object",
        "required": ["author", "col", "rid", "title", "snippet", "place", "url"],
        "properties": {
            "author": STR,
            "col": STR,
            "rid": STR,
            "title": STR,
            "snippet": {"type": "string", "description": "HTML : mots trouvés dans <mark>"},
            "place": _ref("Place"),
            "category": NULLABLE_STR,
            "category_label": NULLABLE_STR,
            "distance_km": {"type": ["number", "null"]},
            "url": STR,
            "updated": NULLABLE_STR,
            "valid_until": NULLABLE_STR,
            "body": {"type": "object"},
        },
    },
    "Facet": {
        "type": "object",
        "required": ["code", "label", "count"],
        "properties": {"code": STR, "label": STR, "count": INT},
    },
    "SearchResult": {
        "type": "object",
        "required": ["total", "page", "results", "facets"],
        "properties": {
            "total": INT,
            "page": INT,
            "per_page": INT,
            "results": {"type": "array", "items": _ref("Hit")},
            "facets": {
                "type": "object",
                "properties": {
                    k: {"type": "array", "items": _ref("Facet")}
                    for k in ("category", "department", "enjeu")
                },
            },
            "suggestion": NULLABLE_STR,
            "around": {
                "type": ["object", "null"],
                "description": "La recherche finissait par « près de » (ou « autour de »…) et "
                "le nom d'une commune de lieux connus : elle a été faite dans un rayon autour "
                "de cette commune, avec les mots qui précèdent.",
                "properties": {
                    "town": {"type": "string"},
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
            "any_word": {
                "type": "boolean",
                "description": "Aucun enregistrement ne contient tous les mots de q : les "
                "résultats en contiennent au moins un.",
            },
        },
    },
}

#: How a feed is paged (protocol/SPEC.md §10.3).
PAGES = (
    "Les lignes du flux après le seq after, dans l'ordre : au plus limit entrées et au plus "
    "1 Mio de lignes (réglage page_max_bytes du nœud), mais toujours au moins une entrée. Une "
    "page plus courte que limit n'est donc pas la fin du flux : l'en-tête Link (rel=\"next\") "
    "donne la page suivante, qui reprend après le dernier seq reçu ; la dernière page n'en a "
    "pas, et une page après la tête est vide. Chaque page a un ETag (requête conditionnelle : "
    "304). Quand le nœud envoie déjà autant de pages qu'il le peut, il répond 503 avec "
    "Retry-After."
)

SEARCH_PARAMETERS = [
    _query("q", "Texte libre (phrases entre guillemets)", {"type": "string", "maxLength": 500}),
    _query("col", "offer, need, profile, listing…", STR),
    _query("category", "Catégorie du socle commun", STR),
    _query("enjeu", "Enjeu territorial", STR),
    _query("department", "Code de département", {"type": "string", "pattern": DEPARTMENT}),
    _query("region", "Code de région", {"type": "string", "pattern": "^[0-9]{2}$"}),
    _query(
        "near",
        "latitude,longitude, ou le nom d'une commune où ce nœud connaît des lieux",
        {"type": "string", "examples": ["45.18,0.72", "Périgueux"]},
    ),
    _query("radius_km", "Rayon en km autour de near", {"type": "number", "exclusiveMinimum": 0}),
    _query("sort", "Ordre", {"enum": ["relevance", "distance", "recent"]}),
    _query("page", "Page", {"type": "integer", "minimum": 1, "maximum": 10000}),
    _query("per_page", "Résultats par page", {"type": "integer", "minimum": 1, "maximum": 100}),
]


def document(base: str, version: str) -> dict[str, Any]:
    ndjson = {NDJSON: {"schema": {"type": "string", "description": "Une entrée JCS par ligne"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Maillage : API d'un nœud",
            "version": version,
            "description": "Flux signés des tiers-lieux, réplication et recherche locale.",
        },
        "servers": [{"url": base}],
        "paths": {
            "/.well-known/maillage": {
                "get": {
                    "summary": "Qui est ce nœud",
                    "responses": {"200": _json({"type": "object"}, "Description du nœud")},
                }
            },
            "/feeds": {
                "get": {
                    "summary": "Flux détenus",
                    "responses": {
                        "200": _json(
                            {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"did": STR, "seq": INT, "head": STR},
                                },
                            },
                            "Têtes des flux",
                        )
                    },
                }
            },
            "/feeds/{did}/entries": {
                "get": {
                    "summary": "Entrées d'un flux, par pages (NDJSON)",
                    "description": PAGES,
                    "parameters": [
                        DID,
                        _query("after", "Après ce seq", INT),
                        _query(
                            "limit",
                            "Nombre maximal d'entrées (1 à 1000 par défaut)",
                            {"type": "integer", "minimum": 1},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": 'Lignes NDJSON ; en-tête Link (rel="next") tant '
                            "que le flux continue",
                            "content": ndjson,
                        },
                        "304": {"description": "Inchangé"},
                        **ERRORS,
                        "503": _json(
                            _ref("Error"),
                            "Le nœud envoie déjà autant de pages qu'il le peut (busy) : "
                            "réessayer après Retry-After secondes",
                        ),
                    },
                }
            },
            "/feeds/{did}/head": {
                "get": {
                    "summary": "Dernière entrée (en-tête et signature)",
                    "parameters": [DID],
                    "responses": {
                        "200": _json({"type": "object"}, "Tête"),
                        "304": {"description": "Inchangé"},
                        **ERRORS,
                    },
                }
            },
            "/feeds/{did}/fork": {
                "get": {
                    "summary": "Preuve de fourche",
                    "parameters": [DID],
                    "responses": {
                        "200": _json({"type": "object"}, "Deux entrées au même seq"),
                        **ERRORS,
                    },
                }
            },
            "/inbox": {
                "post": {
                    "summary": "Abonnement (JSON) ou poussée d'entrées (NDJSON)",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("Subscription")}, **ndjson},
                    },
                    "responses": {
                        "202": {"description": "Accepté"},
                        "400": ERROR,
                        "403": ERROR,
                        "429": ERROR,
                    },
                }
            },
            "/inbox/callback/{token}": {
                "parameters": [{"name": "token", "in": "path", "required": True, "schema": STR}],
                "get": {
                    "summary": "Vérification d'intention (challenge)",
                    "responses": {"200": {"description": "Challenge renvoyé"}, **ERRORS},
                },
                "post": {
                    "summary": "Poussée d'entrées d'un nœud suivi",
                    "requestBody": {"required": True, "content": ndjson},
                    "responses": {"202": {"description": "Accepté"}, **ERRORS},
                },
            },
            "/api/search": {
                "get": {
                    "summary": "Recherche dans l'index local",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": {
                        "200": _json(_ref("SearchResult"), "Résultats"),
                        "400": ERROR,
                        "503": _json(
                            _ref("Error"),
                            "Index de recherche en construction (index-loading, avec "
                            "Retry-After) ou illisible (index-unavailable)",
                        ),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "Cette description",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }


async def openapi(request: web.Request) -> web.Response:
    return json_response(document(base_url(request), request.app[VERSION]))
