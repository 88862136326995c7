"""``GET /api/openapi.json``: an OpenAPI 3.1 description of the node's JSON API.

Written from the rules the handlers read their parameters with, never by hand: the search's
(``search.model.SEARCH_PARAMS``), the feed API's and push's (``node.federation.api_params``),
each a :class:`search.params.Param` whose ``read`` the handler calls and whose ``openapi``
is written here. The response shapes are in ``node/web/openapi_schemas.py``. Every operation
has an operationId, a tag, a summary, a description and every status the node can answer;
``tests/web/test_openapi_conformance.py`` holds it to the routes and to schemathesis.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from node.api_errors import json_response
from node.appkeys import KEY, SETTINGS, STORE, VERSION
from node.federation import api_params
from node.federation.feed_routes import base_url
from node.settings import Settings
from node.web import openapi_stats
from node.web.geojson import GEOJSON, MAP_PARAMS
from node.web.match_api import MATCH_PARAMS
from node.web.openapi_parts import ETAG, NOT_MODIFIED, POST_ERRORS
from node.web.openapi_parts import json_body as _json
from node.web.openapi_parts import operation as _operation
from node.web.openapi_schemas import SCHEMAS, ref
from search.model import SEARCH_PARAMS

NDJSON = "application/x-ndjson"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

TAGS = [
    {"name": "flux", "description": "Lire et copier les flux signés que détient ce nœud"},
    {"name": "envois", "description": "Abonnements et envois d'entrées entre nœuds (push)"},
    {"name": "recherche", "description": "Recherche dans l'index local de ce nœud"},
    {"name": "statistiques", "description": "Ce que compte ce nœud : lieux, offres, besoins"},
    {"name": "description", "description": "Ce nœud et cette description"},
]

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


def _ndjson(example: str | None, description: str) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"type": "string", "description": description}}
    if example is not None:
        media["example"] = example
    return media


def document(base: str, version: str, settings: Settings, did: str, line: str | None):
    """The description of a node at ``base``: ``did`` is its own feed, ``line`` (its first
    entry, if any) the example of a push."""
    did_example = api_params.DID.openapi(example=did)
    entries = [did_example, *(p.openapi() for p in api_params.entries_params(settings)[1:])]
    push = {NDJSON: _ndjson(line, "Des entrées signées, une ligne JCS chacune")}
    subscription = {"schema": ref("Subscription")}
    inbox_body = {
        "application/json": {
            **subscription,
            "example": {"mode": "subscribe", "callback": "https://voisin.example/inbox/callback/x"},
        },
        **{media: {"schema": ref("SubscriptionForm")} for media in FORMS},
        **push,
    }
    accepted = {"anyOf": [ref("SubscriptionAccepted"), ref("PushResult")]}
    ndjson_page = {"description": PAGES, "content": {NDJSON: _ndjson(None, "Une entrée par ligne")}}
    ndjson_page["headers"] = {
        "ETag": ETAG,
        "Link": {"description": 'La page suivante (rel="next")', "schema": {"type": "string"}},
    }
    paths: dict[str, Any] = {
        "/.well-known/maillage": {
            "get": _operation(
                "getNodeInfo", "description", "Qui est ce nœud",
                "Le did du nœud, son nom, la version du protocole et les adresses de ses flux.",
                {"200": _json(ref("NodeInfo"), "Description du nœud")},
            )
        },
        "/feeds": {
            "get": _operation(
                "listFeeds", "flux", "Flux détenus",
                "Chaque flux que ce nœud détient (le sien et ceux qu'il a copiés), avec son "
                "seq et l'id de sa tête.",
                {
                    "200": _json({"type": "array", "items": ref("FeedHead")}, "Têtes des flux",
                                 ETag=ETAG),
                    "304": NOT_MODIFIED,
                },
            )
        },
        "/feeds/{did}/entries": {
            "get": _operation(
                "getFeedEntries", "flux", "Entrées d'un flux, par pages (NDJSON)", PAGES,
                {"200": ndjson_page, "304": NOT_MODIFIED}, ("400", "404"),
                parameters=entries,
            )
        },
        "/feeds/{did}/head": {
            "get": _operation(
                "getFeedHead", "flux", "Dernière entrée d'un flux",
                "L'en-tête signé de la dernière entrée et sa signature : « quoi de neuf ? » "
                "en quelques centaines d'octets.",
                {"200": _json(ref("Head"), "Tête", ETag=ETAG), "304": NOT_MODIFIED},
                ("400", "404"), parameters=[did_example],
            )
        },
        "/feeds/{did}/fork": {
            "get": _operation(
                "getFeedFork", "flux", "Preuve de fourche d'un flux",
                "Les deux entrées signées au même seq qui prouvent que le flux a fourché (la "
                "clé a servi sur deux machines) ; 404 s'il n'a pas fourché.",
                {"200": _json(ref("Fork"), "Deux entrées au même seq")},
                ("400", "404"), parameters=[did_example],
            )
        },
        "/inbox": {
            "post": _operation(
                "postInbox", "envois", "S'abonner, ou envoyer des entrées",
                "Une demande d'abonnement (JSON ou formulaire ; l'intention est ensuite "
                "vérifiée à l'adresse de rappel) ou des entrées signées (NDJSON, toutes "
                "vérifiées : si une ligne est invalide, rien n'est gardé). Limité par adresse.",
                {"202": _json(accepted, "Accepté")}, POST_ERRORS,
                requestBody={"required": True, "content": inbox_body},
            )
        },
        "/inbox/callback/{token}": {
            "get": _operation(
                "confirmSubscription", "envois", "Vérification d'intention (challenge)",
                "Le nœud suivi vérifie que ce nœud a bien demandé l'abonnement (ou le "
                "désabonnement) : le défi est renvoyé tel quel, pour un jeton et un mode que "
                "ce nœud a demandés seulement.",
                {"200": {"description": "Le défi, renvoyé",
                         "content": {"text/plain": {"schema": {"type": "string"}}}}},
                ("400", "404"),
                parameters=[p.openapi() for p in api_params.CHALLENGE_PARAMS],
            ),
            "post": _operation(
                "postCallbackPush", "envois", "Entrées envoyées par un nœud suivi",
                "Des entrées signées (NDJSON) envoyées par un nœud auquel ce nœud s'est "
                "abonné, sous le jeton qu'il a donné ; vérifiées comme sur /inbox.",
                {"202": _json(ref("PushResult"), "Accepté")}, ("404", *POST_ERRORS),
                parameters=[api_params.TOKEN.openapi()],
                requestBody={"required": True, "content": push},
            ),
        },
        "/api/search": {
            "get": _operation(
                "searchRecords", "recherche", "Recherche dans l'index local",
                "Offres, besoins et lieux que ce nœud détient, trouvés dans son propre index "
                "(aucun autre nœud n'est interrogé). Une valeur vide vaut une absence.",
                {"200": _json(ref("SearchResult"), "Résultats", ETag=ETAG), "304": NOT_MODIFIED},
                ("400",), parameters=[p.openapi() for p in SEARCH_PARAMS],
            )
        },
        "/api/places.geojson": {
            "get": _operation(
                "placesGeojson", "recherche", "Les résultats d'une recherche sur une carte",
                "Les lieux, offres et besoins que liste la même recherche que /api/search "
                "(mêmes filtres), avec leur position, en GeoJSON (RFC 7946) : au plus 5 000, "
                "dans l'ordre de la recherche ; sans position, ils sont comptés dans total "
                "mais pas sur la carte. Les marqueurs de /carte viennent d'ici.",
                {"200": {**_json(ref("PlaceCollection"), "Collection GeoJSON", ETag=ETAG),
                         "content": {GEOJSON: {"schema": ref("PlaceCollection")}}},
                 "304": NOT_MODIFIED},
                ("400",), parameters=[p.openapi() for p in MAP_PARAMS],
            )
        },
        "/api/match": {
            "get": _operation(
                "matchNeed", "recherche", "Qui peut répondre à un besoin",
                "Pour un besoin que ce nœud détient : les offres (puis les lieux sans offre "
                "correspondante) qui peuvent y répondre, les meilleures d'abord, chacune avec "
                "son score sur 100, sa distance et ses raisons en français (catégorie, mots, "
                "capacité, délai, distance, zone). Les offres expirées sont écartées sauf "
                "expired=1. 404 : besoin inconnu ici.",
                {"200": _json(ref("MatchResult"), "Propositions", ETag=ETAG),
                 "304": NOT_MODIFIED},
                ("400", "404"), parameters=[MATCH_PARAMS[0].openapi(example=did),
                                       *(p.openapi() for p in MATCH_PARAMS[1:])],
            )
        },
        **openapi_stats.paths(),
        "/api/openapi.json": {
            "get": _operation(
                "getOpenApi", "description", "Cette description",
                "La description OpenAPI 3.1 de l'API de ce nœud, écrite à partir des règles "
                "mêmes qui lisent les paramètres.",
                {"200": _json({"type": "object"}, "OpenAPI 3.1", ETag=ETAG), "304": NOT_MODIFIED},
            )
        },
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Maillage : API d'un nœud",
            "version": version,
            "description": "Flux signés des tiers-lieux, réplication et recherche locale.",
            "contact": {"name": settings.name, "url": f"{base}/"},
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": base, "description": "Ce nœud"}],
        "tags": TAGS,
        "paths": paths,
        "components": {"schemas": {**SCHEMAS, **openapi_stats.SCHEMAS}},
    }


async def openapi(request: web.Request) -> web.Response:
    app = request.app
    did = app[KEY].did
    lines = await asyncio.to_thread(app[STORE].lines, did, 0, 1)
    line = lines[0].decode("utf-8") + "\n" if lines else None
    return json_response(document(base_url(request), app[VERSION], app[SETTINGS], did, line))
