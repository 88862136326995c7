"""The one error handler of the app, with the request size limit and CORS.

Every error a client can meet is answered in French, whether it comes from our own checks
(:class:`~node.api_errors.ApiError`) or from aiohttp (an unknown route, a method not allowed,
a body over ``client_max_size``): a browser asking for a page gets a French HTML page, and
everything else (the API, the feeds, the inbox, scripts) gets
``{"error": CODE, "message": TEXT}``. An unexpected exception is logged with its traceback and
answered 500: never a traceback to the client. A body that cannot be read (broken
chunks or compression: 400; too slow: 408) is answered too, and the connection closed; a
client gone before its answer leaves only its access-log line.

``Expect: 100-continue``: :func:`expect_continue` is the expectation handler of every POST
route. A body over the limit, or an expectation other than ``100-continue``, is refused
(413, 417) before the client is told to send it, and the connection is closed at once: the
client will not send a body it was not asked for (aiohttp would wait 10 s for it).

The answers to what aiohttp could not even parse (a NUL in a header, a garbage request
line) are made by :func:`unparsed_response`, for the server of :mod:`node.web.server`.

CORS: every answer to GET or HEAD carries ``Access-Control-Allow-Origin: *`` (the data is
public and signed; there are no cookies), set by :func:`cors_headers` as the answer is sent
(so a streamed page has it too), and an OPTIONS preflight for GET is answered 204. ``Allow``
(on OPTIONS and on a 405) names the methods of the resource's routes, and OPTIONS.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping

from aiohttp import HttpVersion11, hdrs, web

from node.api_errors import ApiError, error_response
from node.appkeys import SETTINGS
from node.display import html

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
    417: ("expectation-failed", "Seule l'attente « Expect: 100-continue » est comprise."),
}

#: Set on a request whose answer must close the connection once written, without waiting for
#: (or reading) the rest of its body; :mod:`node.web.server` honours it.
CLOSE_AFTER = web.RequestKey("close_after", bool)


class BodyTooSlow(Exception):
    """Set on a request's body by the server when it has not arrived in time (408)."""


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await _dispatch(request, handler)
    except ApiError as exc:
        response = _answer(request, exc.status, exc.code, exc.message)
        response.headers.update(exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects and the like go through untouched
            raise
        response = _from_http_exception(request, exc)
    except BodyTooSlow:
        request[CLOSE_AFTER] = True
        response = _answer(request, 408, "timeout", "Corps de la requête trop lent à arriver.")
    except web.RequestPayloadError:  # broken chunks, compression or length: read no further
        request[CLOSE_AFTER] = True
        response = _answer(request, 400, "bad-body", "Corps de la requête illisible.")
    except Exception as exc:
        if isinstance(exc, ConnectionResetError) and _client_gone(request):
            # The client left while its body was read: nobody to answer, nothing to log.
            request[CLOSE_AFTER] = True
            response = _answer(request, 400, "connection-lost", "Connexion interrompue.")
        else:
            log.exception("erreur inattendue en traitant %s %s", request.method, request.raw_path)
            response = _answer(request, 500, "internal-error", "Erreur interne du nœud.")
    return response


async def cors_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """The CORS headers of an answer to GET or HEAD, set as its headers are sent
    (``on_response_prepare``): an answer the handler streams itself has them too."""
    if request.method in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        if response.status != 304:  # keep the no-change answer as small as it can be
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def _answer(request: web.Request, status: int, code: str, message: str) -> web.Response:
    """The French page a browser asked for, else the JSON error."""
    if not wants_page(request):
        return error_response(status, code, message)
    if code == "internal-error":
        message = UNEXPECTED
    try:
        return error_page(request, status, message)
    except Exception:
        log.exception("page d'erreur impossible à produire")
        response = web.Response(text=BARE_500, status=500, content_type="text/html")
        response.headers["Content-Security-Policy"] = html.CONTENT_SECURITY_POLICY
        return response


async def _dispatch(request: web.Request, handler: Handler) -> web.StreamResponse:
    if too_large := _too_large(request):  # checked before anything reads the body
        return too_large
    if request.method == hdrs.METH_OPTIONS:
        return _options(request)
    return await handler(request)


def _too_large(request: web.Request) -> web.Response | None:
    """The 413 of a request announcing a body over ``max_request_bytes``, else None."""
    limit = request.app[SETTINGS].max_request_bytes
    length = request.content_length
    if length is None or length <= limit:
        return None
    response = error_response(
        413,
        "too-large",
        f"Requête trop volumineuse : {length} octets, au plus {limit} acceptés.",
    )
    response.force_close()  # do not read (or wait for) the body announced
    return response


def _client_gone(request: web.BaseRequest) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def expect_continue(request: web.Request) -> web.StreamResponse | None:
    """The ``Expect:`` handler of the POST routes: ``100 Continue`` only for a body that will
    be read; a refusal closes the connection once written (no body will come)."""
    if request.version < HttpVersion11:
        return None  # HTTP/1.0 has no 100 Continue: the body comes anyway
    if request.headers.get(hdrs.EXPECT, "").lower() != "100-continue":
        code, message = HTTP_ERRORS[417]
        response: web.Response | None = error_response(417, code, message)
    else:
        response = _too_large(request)
    if response is not None:
        request[CLOSE_AFTER] = True
        return response
    await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    request.writer.output_size = 0  # the answer itself is still to come (as aiohttp does)
    return None


def with_expect_continue(routes: list[web.RouteDef]) -> list[web.RouteDef]:
    """``routes``, each POST one with :func:`expect_continue` as its ``Expect:`` handler."""
    return [
        web.RouteDef(
            route.method,
            route.path,
            route.handler,
            {**route.kwargs, "expect_handler": expect_continue},
        )
        if route.method == hdrs.METH_POST
        else route
        for route in routes
    ]


def unparsed_response(status: int) -> web.Response:
    """The answer to a request aiohttp could not parse (no route, no app saw it)."""
    if status == 400:
        message = "Requête HTTP illisible : ligne de requête ou en-têtes invalides."
        response = error_response(400, "bad-request", message)
    else:
        code, message = HTTP_ERRORS.get(status, (f"http-{status}", f"Erreur HTTP {status}."))
        response = error_response(status, code, message)
    response.force_close()
    return response


def _options(request: web.Request) -> web.StreamResponse:
    """A CORS preflight (or a plain OPTIONS) on an existing route: ``Allow`` names the
    methods of its routes (``node.app.routes()``), as a 405 there does."""
    matched = request.match_info.http_exception
    if matched is not None and matched.status != 405:
        raise matched  # unknown route: 404 like any other method
    methods = getattr(matched, "allowed_methods", None) or {request.method}
    allow = allow_header(methods)
    wanted = request.headers.get("Access-Control-Request-Method")
    response = web.Response(status=204)
    response.headers["Allow"] = allow
    if wanted is None:
        return response
    if wanted not in CORS_METHODS or wanted not in methods:
        raise ApiError(
            405,
            "method-not-allowed",
            f"Seules les lectures (GET) sont permises d'une autre origine, pas {wanted}.",
            {"Allow": allow},
        )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = ", ".join(
        m for m in METHOD_ORDER if m in CORS_METHODS and m in methods
    )
    response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


#: The order methods are listed in ``Allow``.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allow_header(methods: Iterable[str]) -> str:
    """``Allow`` for a resource whose routes take ``methods``: those, and OPTIONS (every
    resource answers it, :func:`_options`)."""
    named = {m.upper() for m in methods} | {hdrs.METH_OPTIONS}
    return ", ".join([m for m in METHOD_ORDER if m in named] + sorted(named - set(METHOD_ORDER)))


def _from_http_exception(request: web.Request, exc: web.HTTPException) -> web.Response:
    code, message = HTTP_ERRORS.get(
        exc.status, (f"http-{exc.status}", f"Erreur HTTP {exc.status}.")
    )
    if wants_page(request):
        message = PAGE_MESSAGES.get(exc.status, "Requête invalide.")
    response = _answer(request, exc.status, code, message)
    if isinstance(exc, web.HTTPMethodNotAllowed):
        response.headers["Allow"] = allow_header(exc.allowed_methods)
    elif "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


#: What a browser's page says of the HTTP errors aiohttp raises.
PAGE_MESSAGES = {404: "Il n'y a rien à cette adresse.", 405: "Méthode non acceptée ici."}
ERROR_TITLES = {400: "Requête invalide", 404: "Page introuvable", 500: "Erreur interne"}
UNEXPECTED = (
    "Une erreur inattendue est survenue sur ce nœud. Réessayez dans un moment ; si elle "
    "revient, prévenez la personne qui s'occupe du nœud (le détail est dans son journal)."
)
#: The page of last resort, when even the error template cannot be rendered.
BARE_500 = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur interne</title>'
    f'<h1>Erreur interne</h1><p>{UNEXPECTED}</p><p><a href="/">Retour à la recherche</a></p>'
)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    title = ERROR_TITLES.get(status, f"Erreur {status}")
    return html.render(request, "error.html", {"title": title, "message": message}, status)


def wants_page(request: web.Request) -> bool:
    """A browser's GET of a page (not of the API, the feeds or the inbox)."""
    api = request.path.startswith(("/api/", "/feeds", "/.well-known/", "/inbox"))
    wants_html = "text/html" in request.headers.get("Accept", "")
    return wants_html and not api and request.method in ("GET", "HEAD")
