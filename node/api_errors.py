"""The errors a client can meet, answered as JSON: ``{"error": CODE, "message": TEXT}``.

Raised by every room that answers HTTP (the feed API and the inbox of ``node.federation``, the
search API and pages of ``node.web``); turned into a response by the one error handler of
``node.web.middleware``. It lives below them all so that a low room can raise it.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy


class ApiError(Exception):
    """An error answered to the client as JSON: HTTP ``status``, ``code`` and French text."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad_parameter(message: str) -> ApiError:
    return ApiError(400, "bad-parameter", message)


#: Seconds a client is asked to wait while the search index is being built.
RETRY_AFTER_SECONDS = 5


def index_not_ready(percent: int | None, failed: bool = False) -> ApiError:
    """503: the search index is being built (or could not be opened)."""
    if failed:
        message = (
            "La recherche est indisponible sur ce nœud (index illisible) ; ses flux restent servis."
        )
        return ApiError(503, "index-unavailable", message)
    done = f" ({percent} %)" if percent is not None else ""
    message = f"L'index de recherche est en construction{done} : réessayez dans un instant."
    return ApiError(503, "index-loading", message, {"Retry-After": str(RETRY_AFTER_SECONDS)})


async def read_form(request: web.BaseRequest, max_fields: int = 1000) -> MultiDictProxy[Any]:
    """The form posted (urlencoded or multipart), or a 400 if it cannot be read: a
    multipart type without its boundary, a broken part or part header, an unknown charset,
    bad UTF-8, more than ``max_fields`` fields. A body over the size limit stays a 413."""
    unreadable = ApiError(
        400, "bad-form", "Formulaire illisible : corps ou type de contenu invalide."
    )
    if max_fields != request.client_max_fields:
        request = request.clone(client_max_fields=max_fields)
    try:
        return await request.post()
    except (ValueError, LookupError, HttpProcessingError):  # UnicodeDecodeError: a ValueError
        raise unreadable from None
    except web.HTTPRequestEntityTooLarge as exc:
        if "fields" not in (exc.text or ""):  # aiohttp says which limit was passed
            raise
        raise ApiError(
            400, "bad-form", f"Formulaire refusé : plus de {max_fields} champs."
        ) from None


def json_response(data: object, *, status: int = 200) -> web.Response:
    """A JSON response serialised with orjson (UTF-8, no spaces)."""
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def error_response(status: int, code: str, message: str) -> web.Response:
    return json_response({"error": code, "message": message}, status=status)
