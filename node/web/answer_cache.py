"""Rendered answers of the public read routes, kept while the index does not change.

A crowd asks the same few searches again and again (a newspaper links to one): each
answer of :func:`cached` routes (the search page, ``/api/search``, the Atom of a search, the
places' pages and feeds) is kept, bytes and headers, under the normalised request (the
parsed search parameters, so that ``?q=a&page=1`` and ``?page=1&q=a`` are one answer; the
path and sorted query elsewhere; the node's public address), with the **generation** it was
rendered from: the index's (``SearchIndex.generation``, raised by every write to the
index) and the writer's announcements (entries stored that the index does not hold, such
as a follow on a place's page). Any write thus makes every older answer stale: the next
request renders it again (while that render runs, the others get the older answer, see
:func:`cached`). An answer also lives ``answer_cache_seconds`` at most (what depends on the
clock: a place gone silent, an offer past its date). The cache holds
``answer_cache_bytes`` at most, the least recently used answers leaving first.

Every such answer carries a strong ``ETag`` (a hash of its bytes); a request whose
``If-None-Match`` names the answer kept is answered 304 before anything is rendered. A miss
renders under :mod:`node.web.admission` (a few at once, the rest shed with 503); a request
that waited for its turn looks in the cache again first, so a burst of one new search is
rendered once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from node.api_errors import ApiError
from node.appkeys import SEARCH, SETTINGS, WRITER
from node.federation.feed_routes import base_url
from node.web import conditional
from node.web.admission import ADMISSION
from search.model import ParamError, parse_params

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Bytes counted for an answer beyond its body (its key and headers).
OVERHEAD = 512
#: Headers not kept with an answer (recomputed when it is sent).
NOT_KEPT = frozenset({"content-length", "date", "server", "transfer-encoding"})
#: The routes whose query is search parameters (the key is them, parsed).
SEARCH_ROUTES = frozenset({"page", "api", "atom", "geojson", "map"})


@dataclass(frozen=True)
class Answer:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    etag: str  # without quotes
    generation: Any  # what it was made from
    made: float  # time.monotonic() when it was made

    def response(self, request: web.Request) -> web.Response:
        """This answer again, or 304 if the client holds it already."""
        headers = CIMultiDict(self.headers)
        if conditional.names(request, self.etag):  # either coding (conditional.py)
            # the validator alone: the caching policy is the middleware's (conditional.py)
            return web.Response(status=304, headers={"ETag": f'"{self.etag}"'})
        return web.Response(body=self.body, status=self.status, headers=headers)


class AnswerCache:
    """Answers by key, ``max_bytes`` at most in all, each ``ttl`` seconds at most."""

    def __init__(self, max_bytes: int, ttl: float) -> None:
        self.max_bytes, self.ttl = max_bytes, ttl
        self._answers: OrderedDict[Any, Answer] = OrderedDict()
        self.size = 0
        self.announced = 0  # writer announcements so far (part of the generation)
        self.hits = self.stale = self.misses = 0
        #: Keys being rendered now: meanwhile their older answer is served (still ``ttl``).
        self.rendering: set[Any] = set()
        self._memo: dict[str, tuple[Any, float, Any]] = {}

    def get(self, key: Any) -> Answer | None:
        """The answer kept under ``key``, of whatever generation, if under ``ttl`` old."""
        answer = self._answers.get(key)
        if answer is not None and answer.made + self.ttl < time.monotonic():
            self._drop(key)
            answer = None
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def put(self, key: Any, response: web.Response, generation: Any) -> Answer | None:
        """Keep ``response`` (a whole 200 answer) made from ``generation`` under ``key``;
        its ETag is set."""
        body = response.body
        if response.status != 200 or not isinstance(body, bytes):
            return None
        etag = conditional.body_etag(body)
        response.headers["ETag"] = f'"{etag}"'
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in NOT_KEPT)
        answer = Answer(body, response.status, headers, etag, generation, time.monotonic())
        cost = len(body) + OVERHEAD
        if cost > self.max_bytes // 4:
            return answer  # too big to keep: its ETag is set all the same
        if key in self._answers:
            self._drop(key)
        self._answers[key] = answer
        self.size += cost
        while self.size > self.max_bytes:
            self._drop(next(iter(self._answers)))
        return answer

    def _drop(self, key: Any) -> None:
        answer = self._answers.pop(key)
        self.size -= len(answer.body) + OVERHEAD

    def kept_value(self, name: str, generation: Any) -> Any:
        """The value kept as ``name`` for ``generation`` (``ttl`` seconds at most), or None."""
        kept = self._memo.get(name)
        if kept is not None and kept[0] == generation and kept[1] > time.monotonic():
            return kept[2]
        return None

    def keep_value(self, name: str, generation: Any, value: Any) -> None:
        self._memo[name] = (generation, time.monotonic() + self.ttl, value)

    def on_entries(self, _items: object) -> None:
        self.announced += 1


ANSWERS = web.AppKey("answers", AnswerCache)


def generation(app: web.Application) -> tuple[int, int]:
    """What the answers kept were made from: the index's generation and the writes."""
    return app[SEARCH].generation, app[ANSWERS].announced


def request_key(kind: str, request: web.Request) -> Any:
    """The normalised request (None: not kept, such as a search with a bad parameter)."""
    if kind in SEARCH_ROUTES:
        try:
            query: Any = parse_params(request.query)
        except ParamError:
            return None  # the handler answers it (its own 400)
    else:
        query = tuple(sorted(request.query.items()))
    return (kind, request.path, query, base_url(request))


def cached(kind: str, handler: Handler) -> Handler:
    """``handler`` with its answers kept (see the module), rendered under admission.

    After a write, the first request of a key renders it again; while it does, the
    others get the answer of the generation before (stale by less than a render's time,
    under admission's ``search_queue_seconds``): a crowd does not re-render one page
    two hundred times after each write, and what a push brought is found within a render.
    That render again waits behind the searches nobody has any answer for (a new word,
    such as the one a push just brought), and when it cannot get its turn, its request
    gets the older answer rather than a 503.
    """

    async def answer(request: web.Request) -> web.StreamResponse:
        cache = request.app[ANSWERS]
        key = request_key(kind, request)
        made_from = generation(request.app)
        kept = cache.get(key) if key is not None else None
        if kept is not None and (kept.generation == made_from or key in cache.rendering):
            if kept.generation == made_from:
                cache.hits += 1
            else:
                cache.stale += 1
            return kept.response(request)
        cache.misses += 1
        mine = key is not None and key not in cache.rendering
        if mine:
            cache.rendering.add(key)
        older = kept if mine else None
        try:
            async with request.app[ADMISSION].slot(later=older is not None):
                kept = cache.get(key) if key is not None else None  # made while it waited
                if kept is not None and kept.generation == generation(request.app):
                    return kept.response(request)
                made_from = generation(request.app)
                response = await handler(request)
        except ApiError as exc:
            if older is None or exc.code != "busy":
                raise
            cache.stale += 1
            return older.response(request)  # busy: the answer before, rather than a 503
        finally:
            if mine:
                cache.rendering.discard(key)
        if key is not None and isinstance(response, web.Response):
            made = cache.put(key, response, made_from)
            if made is not None and conditional.names(request, made.etag):
                return made.response(request)
        return response

    answer.__name__ = getattr(handler, "__name__", kind)
    answer.__doc__ = handler.__doc__
    return answer


async def _answers(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[ANSWERS] = cache = AnswerCache(settings.answer_cache_bytes, settings.answer_cache_seconds)
    app[WRITER].add_listener(cache.on_entries)
    app[WRITER].add_fork_listener(cache.on_entries)
    yield


def setup(app: web.Application) -> None:
    """After the store and the index (``create_app``'s cleanup contexts)."""
    app.cleanup_ctx.append(_answers)
