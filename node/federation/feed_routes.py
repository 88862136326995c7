"""The feed API: what a peer (or anyone) needs to copy and follow the feeds a node holds.

- ``GET /.well-known/maillage``: who this node is and where its endpoints are;
- ``GET /feeds``: every feed held, with its seq and head id (a follower holding that seq
  with another id fetches this entry: the fork is proven at its next poll);
- ``GET /feeds/{did}/entries?after=N&limit=M``: the verbatim NDJSON lines, by pages of at
  most M entries and ``page_max_bytes`` (always one entry at least), streamed;
- ``GET /feeds/{did}/head``: the latest header and its signature, "anything new?" in a few
  hundred bytes;
- ``GET /feeds/{did}/fork``: the proof that the feed forked (two signed entries at one seq).

Validators: the ETag of a page derives from the feed's head id and the page bounds, so a
poll that finds nothing new costs a 304 without a body (and without reading any line).
Every store read runs in a worker thread (SQLite is blocking). A page is never held whole in
memory: its extent is planned from the lines' sizes, then it is read, compressed and written
by batches of about :data:`BATCH_BYTES`, and only ``page_reads`` pages are sent at once
(``page_reads_waiting`` more wait; beyond, 503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import zlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import web

from node.api_errors import ApiError, bad_parameter, json_response
from node.appkeys import HIDDEN, KEY, SETTINGS, STORE, VERSION
from node.federation import api_params
from node.hidden import NOTHING_HIDDEN, Hidden
from node.store.database import FeedHead, Store
from protocol.encoding import b64url_encode
from search.params import Param, ParamError, single

log = logging.getLogger("maillage.feeds")

PROTOCOL_VERSION = 1
NDJSON = "application/x-ndjson"
#: Bodies smaller than this are sent as they are: gzip would save little and cost a header.
GZIP_MIN_BYTES = 1024
GZIP_SUFFIX = "-gzip"
#: zlib level 1: about 3 times faster than aiohttp's default (6) for a 15 % larger body; a
#: node on a Raspberry Pi has CPU to spare less than bandwidth (see docs/performance.md).
GZIP_LEVEL = 1
#: zlib's window bits for a gzip stream (header and trailer), written as the page streams.
GZIP_WBITS = 16 + zlib.MAX_WBITS
#: Lines read from the store and written at a time while a page is sent (at least one line).
BATCH_BYTES = 128 * 1024
#: Seconds a client has to take a page once its turn came: a slow reader holds a turn no
#: longer (1 MiB in 60 s is 17 kB/s).
SEND_SECONDS = 60
#: Seconds a client is asked to wait when every turn is taken and the line is full.
BUSY_RETRY_SECONDS = 5
#: A Host header worth echoing: a name or an address literal, and maybe a port.
_HOST = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


def base_url(request: web.Request) -> str:
    """The node's public address (``public_url``), else the one the client used.

    A Host header that is not a plain host name or address (and port) is not echoed: the
    address of the listening socket is given instead.
    """
    public = request.app[SETTINGS].public_url
    if public is not None:
        return str(public).rstrip("/")
    host = request.headers.get("Host", "")
    if not _HOST.fullmatch(host):
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        if not sockname:
            settings = request.app[SETTINGS]
            sockname = (settings.host, settings.port)
        address, port = sockname[0], sockname[1]
        host = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    return f"{request.scheme}://{host}"


async def well_known(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    did = request.app[KEY].did
    base = base_url(request)
    response = json_response(
        {
            "software": "maillage",
            "version": request.app[VERSION],
            "protocol": PROTOCOL_VERSION,
            "did": did,
            "name": settings.name,
            "urls": {
                "home": f"{base}/",
                "feeds": f"{base}/feeds",
                "entries": f"{base}/feeds/{{did}}/entries",
                "head": f"{base}/feeds/{{did}}/head",
            },
            "feed": {
                "entries": f"{base}/feeds/{did}/entries",
                "head": f"{base}/feeds/{did}/head",
            },
        }
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


async def feeds(request: web.Request) -> web.Response:
    hidden = request.app.get(HIDDEN, NOTHING_HIDDEN)
    held = [
        f for f in await asyncio.to_thread(request.app[STORE].feeds) if not hidden.hides(f.author)
    ]
    body = orjson.dumps([{"did": f.author, "seq": f.seq, "head": f.head} for f in held])
    tag = make_etag("feeds", hashlib.sha256(body).hexdigest())
    if known := matches(request, tag):
        return not_modified(known)
    response = web.Response(body=body, content_type="application/json")
    _validators(response, tag)
    return response


async def entries(request: web.Request) -> web.StreamResponse:
    """A page of verbatim lines: at most ``limit`` entries and at most ``page_max_bytes`` of
    lines (always at least one entry), streamed from the store in small batches, a few pages
    at a time (:class:`Turns`). ``Link: rel="next"`` names the next page when the feed goes
    on; a page shorter than ``limit`` is not the end of the feed."""
    store = request.app[STORE]
    settings = request.app[SETTINGS]
    did = _did(request)
    after = _integer(request, api_params.AFTER)
    limit = _integer(request, api_params.limit(settings))
    feed = await _feed(store, did, request.app.get(HIDDEN, NOTHING_HIDDEN))
    bound = settings.page_max_bytes
    tag = make_etag("entries", feed.head, str(after), str(limit), str(bound))
    if known := matches(request, tag):
        return not_modified(known)
    # At most the entries up to the head read above: the page is exactly what its ETag names,
    # even when an entry is appended meanwhile.
    count = max(0, min(limit, feed.seq - after))
    if not count:
        empty = web.Response(body=b"", content_type=NDJSON)
        _validators(empty, tag)
        return empty
    async with request.app[PAGE_TURNS].take():
        extent = await asyncio.to_thread(store.page_extent, did, after, count, bound)
        headers: dict[str, str] = {}
        if extent and extent[-1][0] < feed.seq:
            url = f"{base_url(request)}/feeds/{did}/entries?after={extent[-1][0]}&limit={limit}"
            headers["Link"] = f'<{url}>; rel="next"'
        total = sum(size + 1 for _, size in extent)
        zipped = accepts_gzip(request) and total >= GZIP_MIN_BYTES
        if zipped:
            headers["Content-Encoding"] = "gzip"
            tag += GZIP_SUFFIX  # a strong validator names one representation
        if total <= BATCH_BYTES:  # one batch: answered whole, with its Content-Length
            packer = _packer() if zipped else None
            body = await asyncio.to_thread(_batch, store, did, after, len(extent), packer)
            if packer is not None:
                body += packer.flush()
            whole = web.Response(body=body, content_type=NDJSON, headers=headers)
            _validators(whole, tag)
            return whole
        response = web.StreamResponse(headers=headers)
        response.content_type = NDJSON
        _validators(response, tag)
        await response.prepare(request)
        if request.method != "HEAD":
            await _send(request, response, store, did, _batches(after, extent), zipped)
    return response


async def _send(
    request: web.Request,
    response: web.StreamResponse,
    store: Store,
    did: str,
    batches: list[tuple[int, int]],
    zipped: bool,
) -> None:
    """Write the page batch by batch, each read (and compressed) in a worker thread; a
    client that does not take the page within :data:`SEND_SECONDS` is cut off."""
    packer = _packer() if zipped else None
    try:
        async with asyncio.timeout(SEND_SECONDS):
            for start, count in batches:
                chunk = await asyncio.to_thread(_batch, store, did, start, count, packer)
                if chunk:
                    await response.write(chunk)  # waits while the client lags behind
            if packer is not None:
                await response.write(packer.flush())
    except TimeoutError:
        log.info("page de %s non lue en %d s : connexion coupée", did, SEND_SECONDS)
        if request.transport is not None:
            request.transport.abort()
    except ConnectionError:
        pass  # the client went away: nothing more to send
    except Exception:  # the status line is sent: no error answer can follow it
        log.exception("envoi d'une page de %s interrompu", did)
        if request.transport is not None:
            request.transport.abort()


def _batches(after: int, extent: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The page's ``(after, count)`` store reads of about :data:`BATCH_BYTES` each (at least
    one line each)."""
    batches: list[tuple[int, int]] = []
    start, previous, count, size = after, after, 0, 0
    for seq, length in extent:
        if count and size + length + 1 > BATCH_BYTES:
            batches.append((start, count))
            start, count, size = previous, 0, 0
        count, size, previous = count + 1, size + length + 1, seq
    if count:
        batches.append((start, count))
    return batches


def _packer() -> Any:
    """A gzip stream compressor (zlib level :data:`GZIP_LEVEL`, no file name, mtime 0)."""
    return zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS)


def _batch(store: Store, did: str, after: int, count: int, packer: Any) -> bytes:
    """``count`` lines after ``after``, joined (and compressed): runs in a worker thread."""
    data = b"".join(line + b"\n" for line in store.lines(did, after, count))
    return packer.compress(data) if packer is not None else data


class Turns:
    """Heavy reads (pages of entries) a few at a time: ``running`` at once and ``waiting``
    more in line; beyond, :meth:`take` answers 503 at once rather than queue without end."""

    def __init__(self, running: int, waiting: int) -> None:
        self._running = asyncio.Semaphore(running)
        self._capacity = running + waiting
        self._admitted = 0

    @contextlib.asynccontextmanager
    async def take(self) -> AsyncIterator[None]:
        if self._admitted >= self._capacity:
            raise ApiError(
                503,
                "busy",
                "Ce nœud envoie déjà autant de pages qu'il le peut : réessayez dans quelques "
                "secondes.",
                {"Retry-After": str(BUSY_RETRY_SECONDS)},
            )
        self._admitted += 1
        try:
            async with self._running:
                yield
        finally:
            self._admitted -= 1


#: The turns of this app's page reads (``page_reads`` at once, ``page_reads_waiting`` more).
PAGE_TURNS = web.AppKey("page_turns", Turns)


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[PAGE_TURNS] = Turns(settings.page_reads, settings.page_reads_waiting)


async def head(request: web.Request) -> web.Response:
    store = request.app[STORE]
    did = _did(request)
    feed = await _feed(store, did, request.app.get(HIDDEN, NOTHING_HIDDEN))
    tag = make_etag("head", feed.head)
    if known := matches(request, tag):
        return not_modified(known)
    line = await asyncio.to_thread(store.line, did, feed.seq)
    if line is None:  # the head moved and the store was trimmed: cannot happen today
        raise ApiError(503, "unavailable", "Tête du flux momentanément indisponible.")
    entry = orjson.loads(line)
    data: dict[str, Any] = {
        "did": did,
        "seq": entry["header"]["seq"],
        "head": feed.head,
        "header": entry["header"],
        "sig": entry["sig"],
    }
    response = json_response(data)
    _validators(response, tag)
    return response


async def fork(request: web.Request) -> web.Response:
    """The fork proof of a feed: both lines, verbatim, for anyone to verify."""
    did = _did(request)
    proof = await asyncio.to_thread(request.app[STORE].fork, did)
    if proof is None:
        raise ApiError(404, "no-fork", f"Aucune fourche connue pour le flux {did}.")
    return json_response(
        {
            "did": did,
            "seq": proof.seq,
            "entries": [proof.first.line.decode("utf-8"), proof.second.line.decode("utf-8")],
        }
    )


# -- helpers ------------------------------------------------------------------------------


def make_etag(*parts: str) -> str:
    """An opaque strong validator (unquoted): 22 base64url characters."""
    digest = hashlib.sha256("\x00".join(("maillage-1", *parts)).encode()).digest()
    return b64url_encode(digest[:16])


def matches(request: web.Request, tag: str) -> str | None:
    """The validator of If-None-Match that names ``tag`` (in any content coding), if any."""
    for given in request.if_none_match or ():
        if given.value in (tag, tag + GZIP_SUFFIX):
            return given.value
        if given.value == "*":
            return tag
    return None


def not_modified(tag: str) -> web.Response:
    response = web.Response(status=304)
    _validators(response, tag)
    return response


def _validators(response: web.Response, tag: str) -> None:
    response.headers["ETag"] = f'"{tag}"'
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Accept-Encoding"


def accepts_gzip(request: web.Request) -> bool:
    """Accept-Encoding lists gzip with a non-zero quality."""
    for item in request.headers.get("Accept-Encoding", "").lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() not in ("gzip", "x-gzip"):
            continue
        quality = params.strip().removeprefix("q=").strip() if params else "1"
        try:
            return float(quality or 1) > 0
        except ValueError:
            return False
    return False


def _did(request: web.Request) -> str:
    """The did of the path (``api_params.DID``: a pattern, no decoding; a did no feed has is
    then a 404)."""
    try:
        return str(api_params.DID.read(request.match_info["did"]))
    except ParamError as exc:
        raise bad_parameter(f"{exc.message[:1].upper()}{exc.message[1:]}.") from None


async def _feed(store: Store, did: str, hidden: Hidden) -> FeedHead:
    """The head of a feed this node serves: a feed it hides (``node.hidden``) is not served
    onward, answered as one it does not hold."""
    feed = None if hidden.hides(did) else await asyncio.to_thread(store.feed, did)
    if feed is None:
        raise ApiError(404, "unknown-feed", f"Ce nœud ne détient pas le flux {did}.")
    return feed


def _integer(request: web.Request, param: Param) -> int:
    """The value of the integer query parameter ``param`` (its default when absent)."""
    try:
        raw = single(request.query.getall(param.name, []), param)
        value = param.default if raw is None else param.read(raw)
    except ParamError:
        given = request.query.getall(param.name, [""])
        raise bad_parameter(
            f"Le paramètre « {param.name} » doit être donné une fois, nombre entier entre "
            f"{param.minimum} et {param.maximum} (reçu : « {given[0][:40]} »)."
        ) from None
    assert isinstance(value, int)
    return value
