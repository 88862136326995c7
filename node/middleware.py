"""The one middleware of the app: request size limit, CORS, and errors as JSON.

Every error a client can meet is answered as ``{"error": CODE, "message": TEXT}`` (the text
in French), whether it comes from our own checks (:class:`ApiError`) or from aiohttp (an
unknown route, a method not allowed, a body over ``client_max_size``). An unexpected
exception is logged with its traceback and answered with a plain JSON 500: never a traceback
to the client.

CORS: every answer to GET or HEAD carries ``Access-Control-Allow-Origin: *`` (the data is
public and signed; there are no cookies), and an OPTIONS preflight for GET is answered 204.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import orjson
from aiohttp import hdrs, web

from node.appkeys import SETTINGS

log = logging.getLogger("maillage.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Headers a cross-origin script may send on a GET (checked by the browser's preflight).
ALLOWED_HEADERS = "If-None-Match, Cache-Control"
#: Response headers a cross-origin script may read, beyond the CORS-safelisted ones.
EXPOSED_HEADERS = "ETag, Link"
CORS_METHODS = frozenset({"GET", "HEAD"})

#: Code and French message for the HTTP errors aiohttp itself raises.
HTTP_ERRORS: Mapping[int, tuple[str, str]] = {
    400: ("bad-request", "Requête invalide."),
    404: ("not-found", "Il n'y a rien à cette adresse."),
    405: ("method-not-allowed", "Cette méthode n'est pas acceptée à cette adresse."),
    413: ("too-large", "Requête trop volumineuse."),
}


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


def json_response(data: object, *, status: int = 200) -> web.Response:
    """A JSON response serialised with orjson (UTF-8, no spaces)."""
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def error_response(status: int, code: str, message: str) -> web.Response:
    return json_response({"error": code, "message": message}, status=status)


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await _dispatch(request, handler)
    except ApiError as exc:
        response = error_response(exc.status, exc.code, exc.message)
        response.headers.update(exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects and the like go through untouched
            raise
        response = _from_http_exception(exc)
    except Exception:
        log.exception("erreur inattendue en traitant %s %s", request.method, request.raw_path)
        response = error_response(500, "internal-error", "Erreur interne du nœud.")
    if request.method in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        if response.status != 304:  # keep the no-change answer as small as it can be
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


async def _dispatch(request: web.Request, handler: Handler) -> web.StreamResponse:
    limit = request.app[SETTINGS].max_request_bytes
    length = request.content_length  # checked before anything reads the body
    if length is not None and length > limit:
        response = error_response(
            413,
            "too-large",
            f"Requête trop volumineuse : {length} octets, au plus {limit} acceptés.",
        )
        response.force_close()  # do not read (or wait for) the body announced
        return response
    if request.method == hdrs.METH_OPTIONS:
        return _options(request)
    return await handler(request)


def _options(request: web.Request) -> web.StreamResponse:
    """A CORS preflight (or a plain OPTIONS) on an existing route."""
    matched = request.match_info.http_exception
    if matched is not None and matched.status != 405:
        raise matched  # unknown route: 404 like any other method
    wanted = request.headers.get("Access-Control-Request-Method")
    response = web.Response(status=204)
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    if wanted is None:
        return response
    if wanted not in CORS_METHODS:
        raise ApiError(
            405, "method-not-allowed", f"Seules les lectures (GET) sont permises, pas {wanted}."
        )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
    response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _from_http_exception(exc: web.HTTPException) -> web.Response:
    code, message = HTTP_ERRORS.get(
        exc.status, (f"http-{exc.status}", f"Erreur HTTP {exc.status}.")
    )
    response = error_response(exc.status, code, message)
    if "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response
