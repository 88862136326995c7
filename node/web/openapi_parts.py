"""The parts every operation of ``/api/openapi.json`` is made of: its errors, the 503 of a
busy node, the JSON body of an answer, the operation object itself. Shared by
``node/web/openapi.py`` and the modules writing the operations of one route group
(``openapi_stats.py``), so each stays short."""

from __future__ import annotations

from typing import Any

from node.web.openapi_schemas import ref

RETRY_AFTER = {
    "description": "Secondes à attendre avant de réessayer",
    "schema": {"type": "integer", "minimum": 0},
}
ETAG = {
    "description": "Validateur de la réponse (If-None-Match : 304)",
    "schema": {"type": "string"},
}


def json_body(schema: dict[str, Any], description: str, **headers: Any) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = {name.replace("_", "-"): value for name, value in headers.items()}
    return response


def error(description: str, **headers: Any) -> dict[str, Any]:
    return json_body(ref("Error"), description, **headers)


#: The errors an operation may answer, by status.
ERRORS: dict[str, dict[str, Any]] = {
    "400": error("Paramètre ou corps invalide (le message dit lequel, en français)"),
    "403": error("Refusé : adresse de rappel interdite, ou flux que ce nœud ne réplique pas"),
    "404": error("Inconnu ici : flux non détenu, abonnement non demandé"),
    "408": error("Corps de la requête trop lent à arriver"),
    "413": error("Corps trop volumineux (réglage max_request_bytes du nœud)"),
    "415": error("Type de contenu non pris en charge"),
    "417": error("Seule l'attente « Expect: 100-continue » est comprise"),
    "429": error(
        "Trop de requêtes ou d'abonnements : réessayer plus tard", Retry_After=RETRY_AFTER
    ),
}
NOT_MODIFIED = {"description": "Inchangé depuis l'ETag donné (If-None-Match)"}
BUSY = error(
    "Nœud occupé (trop de pages envoyées à la fois, trop de requêtes) ou index de recherche "
    "en construction : réessayer après Retry-After secondes",
    Retry_After=RETRY_AFTER,
)
POST_ERRORS = ("400", "403", "408", "413", "415", "417", "429")


def operation(
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    responses: dict[str, Any],
    errors: tuple[str, ...] = (),
    **more: Any,
) -> dict[str, Any]:
    """One operation: every status it may answer, 503 (with Retry-After) included."""
    return {
        "operationId": operation_id,
        "tags": [tag],
        "summary": summary,
        "description": description,
        **more,
        "responses": {**responses, **{code: ERRORS[code] for code in errors}, "503": BUSY},
    }
