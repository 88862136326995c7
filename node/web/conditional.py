"""Validators, revalidation and compression of the public answers, in one middleware.

For a GET or HEAD of a public resource (the pages, the Atom feeds, ``/api/search``,
OpenSearch, the OpenAPI description, ``robots.txt``, the sitemaps, the static files):

- a strong ``ETag``: the one the handler set (a cache of rendered answers sets its own), else
  a hash of the body; the gzip variant's tag is that tag plus ``-gzip`` (as the feed API's),
  so the two representations never share a strong validator;
- a ``Last-Modified`` when the node knows when the content last changed: the handler's (a
  place, a sitemap, a static file), else, for the search answers, when this node last stored
  an entry (:meth:`~node.store.sitemaps.SitemapTables.newest_update`);
  a date younger than :data:`SETTLE_SECONDS` is not sent. A place's date is its feed's:
  what the page shows from elsewhere (who claims a listing, a silent node) may change
  without it, and the ETag, which browsers and feed readers send too, catches it;
- ``If-None-Match`` (a list, ``*``, weak comparison, RFC 9110 §13.1.2) and, when it is
  absent, ``If-Modified-Since``: 304 with no body and the same validators;
- ``Cache-Control`` per kind of resource (:func:`cache_control`) and ``Vary: Accept-Encoding``;
- gzip when ``Accept-Encoding`` asks for it and the body is text worth compressing.

A handler that answers 304 itself before rendering (a cache of rendered answers) checks
If-None-Match with :func:`names`, which knows the gzip variant of its tag.

Never touched: the admin area (secrets and CSRF tokens: compression would open it to BREACH,
and nothing there may be cached), the feed API and the inbox (they have their own validators
and compression, :mod:`node.federation.feed_routes`). An error answer is never cached
(``Cache-Control: no-store``). The middleware is outside the error handler, so it sees the
French error answers too.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import hashlib
import time
from email.utils import format_datetime

from aiohttp import hdrs, web
from aiohttp.payload import Payload

from node.appkeys import STORE
from node.federation.feed_routes import GZIP_SUFFIX, accepts_gzip, make_etag
from node.web.errors import Handler

#: Paths left alone: their answers carry secrets, or validators and compression of their own.
UNTOUCHED = ("/admin", "/feeds", "/.well-known/", "/inbox")
#: Answers whose Last-Modified, unless the handler set one, is the newest entry stored.
SEARCHES = frozenset({"/", "/search.atom", "/api/search"})
#: zlib level of the answers: 6 makes a search page 8 % smaller than 1 for 2.4× the time
#: (``python -m bench.crawl``); an answer is compressed each time it is sent, so the faster.
GZIP_LEVEL = 1
#: A Last-Modified younger than this is not sent, and the answer is revalidated by its ETag
#: alone: a date is a weak validator within its second (RFC 9110 §8.8.2.2), and an entry
#: just stored may not be in the search index yet (the catch-up runs every 0.5 s), so an
#: answer made now may not show the change its date names.
SETTLE_SECONDS = 5.0
#: Smaller bodies are sent as they are: gzip's 20 bytes of frame would eat most of the gain.
GZIP_MIN_BYTES = 256
#: Bodies larger than this are compressed in a worker thread (the loop keeps serving).
THREAD_BYTES = 64 * 1024
COMPRESSIBLE = ("text/", "application/json", "application/atom+xml", "application/xml")
COMPRESSIBLE_TYPES = frozenset(
    {"application/opensearchdescription+xml", "image/svg+xml", "application/geo+json"}
)


def body_etag(body: bytes) -> str:
    """The strong validator (unquoted) of an answer's body, whoever sets it."""
    return make_etag("body", hashlib.sha256(body).hexdigest())


def cache_control(path: str) -> str | None:
    """The Cache-Control of a public answer at ``path``, or None when it is left alone."""
    if path.startswith(UNTOUCHED):
        return None
    if path.startswith("/static/vendor/"):  # the version is in the URL (node.web.map_assets)
        return "public, max-age=31536000, immutable"
    if path.startswith("/static/") or path == "/favicon.ico":
        return "public, max-age=3600"  # not versioned in its URL: an upgrade shows in an hour
    if path in ("/robots.txt", "/opensearch.xml", "/api/openapi.json"):
        return "public, max-age=3600"
    if path.startswith("/sitemap"):
        return "public, max-age=3600"
    if path.endswith(".atom"):
        return "public, max-age=300"  # feed readers poll; a 304 costs them almost nothing
    return "public, max-age=60"  # pages and /api/search: fresh within a minute


@web.middleware
async def conditional_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.method not in (hdrs.METH_GET, hdrs.METH_HEAD):
        return response
    policy = cache_control(request.path)
    if policy is None:
        return response
    if response.status >= 400:
        response.headers[hdrs.CACHE_CONTROL] = "no-store"
        return response
    if response.status == 304:  # answered by the handler (a cache of rendered answers)
        _handler_not_modified(request, response, policy)
        if hdrs.LAST_MODIFIED not in response.headers and request.path in SEARCHES:
            modified = await _newest_update(request)
            if modified is not None and settled(modified):
                response.headers[hdrs.LAST_MODIFIED] = modified
        return response
    if not _bytes_body(response):
        return response
    assert isinstance(response, web.Response) and isinstance(response.body, bytes)
    body = response.body
    compress = accepts_gzip(request) and _worth_compressing(response, body)
    weak, tag = _handler_tag(response)
    tag = tag or body_etag(body)
    if compress:
        tag += GZIP_SUFFIX
    headers = {
        hdrs.ETAG: ("W/" if weak else "") + f'"{tag}"',
        hdrs.CACHE_CONTROL: policy,
        hdrs.VARY: _vary(response),
    }
    modified = response.headers.pop(hdrs.LAST_MODIFIED, None)
    if modified is None and request.path in SEARCHES:
        modified = await _newest_update(request)
    if modified is not None and settled(modified):
        headers[hdrs.LAST_MODIFIED] = modified
    else:
        modified = None
    if _not_modified(request, tag, modified):
        answer = web.Response(status=304)
        answer.headers.update(headers)
        return answer
    response.headers.update(headers)
    if compress:
        if len(body) > THREAD_BYTES:
            response.body = await asyncio.to_thread(_gzip, body)
        else:
            response.body = _gzip(body)
        response.headers[hdrs.CONTENT_ENCODING] = "gzip"
    return response


def _handler_not_modified(request: web.Request, response: web.StreamResponse, policy: str) -> None:
    """A handler's own 304: the policy, Vary, and the validator the client named (the gzip
    variant of the handler's tag when that is the one it holds)."""
    response.headers.setdefault(hdrs.CACHE_CONTROL, policy)
    response.headers[hdrs.VARY] = _vary(response)
    weak, tag = _handler_tag(response)
    if tag is not None and accepts_gzip(request):
        variant = tag + GZIP_SUFFIX
        if any(given.value == variant for given in request.if_none_match or ()):
            response.headers[hdrs.ETAG] = ("W/" if weak else "") + f'"{variant}"'


def names(request: web.Request, tag: str) -> bool:
    """If-None-Match names ``tag`` (unquoted, as a handler sets it) in either coding, or is
    ``*``: what a handler answering 304 itself before rendering checks."""
    variants = ("*", tag, tag + GZIP_SUFFIX)
    return any(given.value in variants for given in request.if_none_match or ())


def _bytes_body(response: web.StreamResponse) -> bool:
    """A 200 whose whole body is in memory and not encoded yet (a streamed answer, a file
    or an answer already compressed is left as it is)."""
    return (
        response.status == 200
        and isinstance(response, web.Response)
        and isinstance(response.body, bytes)
        and not isinstance(response.body, Payload)
        and hdrs.CONTENT_ENCODING not in response.headers
    )


def _vary(response: web.StreamResponse) -> str:
    """The handler's Vary, with Accept-Encoding."""
    given = [v.strip() for v in response.headers.get(hdrs.VARY, "").split(",") if v.strip()]
    if not any(v.lower() == "accept-encoding" for v in given):
        given.append(hdrs.ACCEPT_ENCODING)
    return ", ".join(given)


def _handler_tag(response: web.StreamResponse) -> tuple[bool, str | None]:
    """Whether the tag the handler set is weak, and its opaque part (None: no tag set)."""
    given = response.headers.get(hdrs.ETAG, "")
    weak = given.startswith("W/")
    value = given.removeprefix("W/").strip('"')
    return weak, value or None


def _worth_compressing(response: web.Response, body: bytes) -> bool:
    kind = response.content_type
    return len(body) >= GZIP_MIN_BYTES and (
        kind.startswith(COMPRESSIBLE) or kind in COMPRESSIBLE_TYPES
    )


def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def _not_modified(request: web.Request, tag: str, modified: str | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match when present (weak comparison), else
    If-Modified-Since against ``modified``."""
    if hdrs.IF_NONE_MATCH in request.headers:
        return any(given.value in ("*", tag) for given in request.if_none_match or ())
    since = request.if_modified_since
    if since is None or modified is None:
        return False
    last = http_date_parse(modified)
    return last is not None and last <= since


def settled(modified: str, now: float | None = None) -> bool:
    """The date is older than :data:`SETTLE_SECONDS` (an unparsable one is not)."""
    moment = http_date_parse(modified)
    current = time.time() if now is None else now
    return moment is not None and moment.timestamp() <= current - SETTLE_SECONDS


def http_date_parse(value: str) -> datetime.datetime | None:
    try:
        parsed = datetime.datetime.strptime(value, "%a, %d %b %Y %H:%M:%S GMT")
    except ValueError:
        return None
    return parsed.replace(tzinfo=datetime.UTC)


def http_date(stored: str | None) -> str | None:
    """An HTTP date (``Last-Modified``) from a date of the store (``2026-11-27T08:00:00Z``)."""
    if not stored:
        return None
    try:
        moment = datetime.datetime.strptime(stored, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return format_datetime(moment.replace(tzinfo=datetime.UTC), usegmt=True)


async def _newest_update(request: web.Request) -> str | None:
    return http_date(await asyncio.to_thread(request.app[STORE].newest_update))
