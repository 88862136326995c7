"""The feed API: what a peer (or anyone) needs to copy and follow the feeds a node holds.

- ``GET /.well-known/maillage``: who this node is and where its endpoints are;
- ``GET /feeds``: every feed held, with its seq and head id (a follower holding that seq
  with another id fetches this entry: the fork is proven at its next poll);
- ``GET /feeds/{did}/entries?after=N&limit=M``: the verbatim NDJSON lines, by pages;
- ``GET /feeds/{did}/head``: the latest header and its signature, "anything new?" in a few
  hundred bytes;
- ``GET /feeds/{did}/fork``: the proof that the feed forked (two signed entries at one seq).

Validators: the ETag of a page derives from the feed's head id and the page bounds, so a
poll that finds nothing new costs a 304 without a body (and without reading any line).
Every store read runs in a worker thread (SQLite is blocking).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
from typing import Any

import orjson
from aiohttp import web

from node.api_errors import ApiError, bad_parameter, json_response
from node.appkeys import KEY, SETTINGS, STORE, VERSION
from node.store.database import FeedHead, Store
from protocol.encoding import b64url_encode
from protocol.errors import ProtocolError
from protocol.keys import public_bytes_from_did

PROTOCOL_VERSION = 1
NDJSON = "application/x-ndjson"
#: Bodies smaller than this are sent as they are: gzip would save little and cost a header.
GZIP_MIN_BYTES = 1024
GZIP_SUFFIX = "-gzip"
#: zlib level 1: about 3 times faster than aiohttp's default (6) for a 15 % larger body; a
#: node on a Raspberry Pi has CPU to spare less than bandwidth (see docs/benchmarks.md).
GZIP_LEVEL = 1
_DIGITS = re.compile(r"[0-9]{1,16}")
_MAX_SEQ = 2**53 - 1
DID_LENGTH = 56  # every Ed25519 did:key (protocol/SPEC.md §2.2)
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
    held = await asyncio.to_thread(request.app[STORE].feeds)
    body = orjson.dumps([{"did": f.author, "seq": f.seq, "head": f.head} for f in held])
    tag = make_etag("feeds", hashlib.sha256(body).hexdigest())
    if known := matches(request, tag):
        return not_modified(known)
    response = web.Response(body=body, content_type="application/json")
    _validators(response, tag)
    return response


async def entries(request: web.Request) -> web.Response:
    store = request.app[STORE]
    settings = request.app[SETTINGS]
    did = _did(request)
    after = _integer(request, "after", default=0, low=0, high=_MAX_SEQ)
    limit = _integer(request, "limit", default=settings.page_default, low=1, high=settings.page_max)
    feed = await _feed(store, did)
    tag = make_etag("entries", feed.head, str(after), str(limit))
    if known := matches(request, tag):
        return not_modified(known)
    # At most the entries up to the head read above: the page is exactly what its ETag names,
    # even when an entry is appended meanwhile.
    count = max(0, min(limit, feed.seq - after))
    gzip_ok = accepts_gzip(request)
    body, last, zipped = await asyncio.to_thread(_page, store, did, after, count, gzip_ok)
    response = web.Response(body=body, content_type=NDJSON)
    if last is not None and last < feed.seq:
        url = f"{base_url(request)}/feeds/{did}/entries?after={last}&limit={limit}"
        response.headers["Link"] = f'<{url}>; rel="next"'
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
        tag += GZIP_SUFFIX  # a strong validator names one representation
    _validators(response, tag)
    return response


def _page(
    store: Store, did: str, after: int, count: int, gzip_ok: bool
) -> tuple[bytes, int | None, bool]:
    """The body of a page (gzipped if asked and worth it), the seq of its last line, and
    whether it is gzipped. Runs in a worker thread: store read, join and compression."""
    lines = store.lines(did, after, count) if count else []
    if not lines:
        return b"", None, False
    body = b"".join(line + b"\n" for line in lines)
    last = orjson.loads(lines[-1])["header"]["seq"]
    if gzip_ok and len(body) >= GZIP_MIN_BYTES:
        return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), last, True
    return body, last, False


async def head(request: web.Request) -> web.Response:
    store = request.app[STORE]
    did = _did(request)
    feed = await _feed(store, did)
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
    did = request.match_info["did"]
    try:
        if len(did) != DID_LENGTH:  # before any base58 decoding, which is quadratic
            raise ProtocolError("bad-author", "wrong length")
        public_bytes_from_did(did)
    except ProtocolError:
        raise bad_parameter(
            "Identifiant de flux invalide : attendu un did:key Ed25519 (did:key:z6Mk…)."
        ) from None
    return did


async def _feed(store: Store, did: str) -> FeedHead:
    feed = await asyncio.to_thread(store.feed, did)
    if feed is None:
        raise ApiError(404, "unknown-feed", f"Ce nœud ne détient pas le flux {did}.")
    return feed


def _integer(request: web.Request, name: str, *, default: int, low: int, high: int) -> int:
    values = request.query.getall(name, [])
    if not values:
        return default
    if len(values) > 1:
        raise bad_parameter(f"Le paramètre « {name} » est donné plusieurs fois.")
    text = values[0]
    if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
        raise bad_parameter(
            f"Le paramètre « {name} » doit être un nombre entier entre {low} et {high} "
            f"(reçu : « {text[:40]} »)."
        )
    return int(text)
