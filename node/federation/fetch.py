"""A bounded HTTP client for talking to peers: every answer is read under hard limits.

A peer may be slow, broken or hostile. Whatever it sends, a request here ends within the
total timeout, reads at most ``max_bytes`` of (decompressed) body, and holds at most one
line of ``MAX_LINE`` bytes beyond the complete lines read. Failures raise :class:`FetchError`
with a French reason; ``unreachable`` tells a peer that could not be reached from one that
answered badly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import aiohttp
import orjson

from protocol.canonical import MAX_ENTRY_BYTES

#: Longest line accepted: one entry (64 KiB) and its newline.
MAX_LINE = MAX_ENTRY_BYTES + 1
CHUNK = 64 * 1024
TOO_LONG = f"ligne trop longue (plus de {MAX_LINE} octets)"
USER_AGENT = "maillage (réplication)"


class FetchError(Exception):
    """A request to a peer failed; ``str()`` is a French reason."""

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.unreachable = unreachable


@dataclass(slots=True)
class Answer:
    """A response read under the limits: status, validator, and the body or its lines."""

    status: int
    etag: str | None = None
    body: bytes = b""
    lines: list[bytes] = field(default_factory=list)
    #: Reading stopped at the size cap: ``lines`` are the complete lines read before it.
    truncated: bool = False
    #: Reading stopped at a line too long to be an entry: ``lines`` are the complete lines
    #: before it, and this says why (in French). The caller decides what the prefix is worth.
    broken: str | None = None
    bytes_read: int = 0


def session(connect_seconds: float, total_seconds: float) -> aiohttp.ClientSession:
    """A client session with connect, read and total timeouts (one per replication round)."""
    timeout = aiohttp.ClientTimeout(
        total=total_seconds, connect=connect_seconds, sock_read=total_seconds
    )
    return aiohttp.ClientSession(
        timeout=timeout,
        headers={"User-Agent": USER_AGENT},
        max_line_size=16 * 1024,
        max_field_size=16 * 1024,
        raise_for_status=False,
    )


async def get(
    client: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None = None,
    max_bytes: int,
    lines: bool = False,
) -> Answer:
    """GET ``url`` (conditional when ``etag`` is given) and read its body within the limits.

    With ``lines``, the body is split into NDJSON lines as it arrives: at a line longer than
    :data:`MAX_LINE` reading stops with ``broken`` set, and at ``max_bytes`` with
    ``truncated`` set; either way the complete lines before are kept (a bad line does not
    undo the good ones before it). Without it, a body over ``max_bytes`` is an error. A
    status other than 200 or 304 is an error.
    """
    headers = {"If-None-Match": f'"{etag}"'} if etag else {}
    try:
        async with client.get(url, headers=headers, allow_redirects=False) as response:
            answer = Answer(response.status, _etag(response.headers.get("ETag")))
            if response.status == 304:
                return answer
            if response.status != 200:
                raise FetchError(f"réponse HTTP {response.status} pour {_short(url)}")
            if lines:
                await _read_lines(response, answer, max_bytes)
            else:
                await _read_body(response, answer, max_bytes)
            return answer
    except FetchError:
        raise
    except aiohttp.ConnectionTimeoutError:
        raise FetchError("injoignable (délai de connexion dépassé)", unreachable=True) from None
    except TimeoutError:  # total or read timeout: the peer answers too slowly
        raise FetchError("réponse trop lente (délai dépassé)") from None
    except (aiohttp.ClientConnectionError, OSError) as exc:
        raise FetchError(f"injoignable ({_why(exc)})", unreachable=True) from None
    except aiohttp.ClientError as exc:
        raise FetchError(f"réponse invalide ({type(exc).__name__})") from None


async def get_json(client: aiohttp.ClientSession, url: str, *, max_bytes: int) -> object:
    """The JSON document at ``url`` (status 200 required)."""
    answer = await get(client, url, max_bytes=max_bytes)
    if answer.status != 200:
        raise FetchError(f"réponse HTTP {answer.status} pour {_short(url)}")
    try:
        return orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        raise FetchError(f"JSON illisible à {_short(url)}") from None


async def _read_body(response: aiohttp.ClientResponse, answer: Answer, max_bytes: int) -> None:
    chunks: list[bytes] = []
    async for chunk in response.content.iter_chunked(CHUNK):
        answer.bytes_read += len(chunk)
        if answer.bytes_read > max_bytes:
            raise FetchError(f"réponse trop grande (plus de {max_bytes} octets)")
        chunks.append(chunk)
    answer.body = b"".join(chunks)


async def _read_lines(response: aiohttp.ClientResponse, answer: Answer, max_bytes: int) -> None:
    pending = b""
    async for chunk in response.content.iter_chunked(CHUNK):
        answer.bytes_read += len(chunk)
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            if len(line) > MAX_LINE:
                answer.broken = TOO_LONG
                return
            if line:
                answer.lines.append(line)
        if len(pending) > MAX_LINE:
            answer.broken = TOO_LONG
            return
        if answer.bytes_read >= max_bytes:
            answer.truncated = True
            return
    if pending:  # the last line may lack its newline
        answer.lines.append(pending)


def _etag(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("W/"):
        return None  # weak validators are not used for entry pages
    value = value.strip('"')
    return value if 0 < len(value) <= 200 and value.isprintable() else None


def _short(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "…"


def _why(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return exc.os_error.strerror or "connexion refusée"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "connexion fermée par le pair"
    return type(exc).__name__


class Listed(NamedTuple):
    """One feed of a peer's ``/feeds``: its seq, and its head id when the peer gave one."""

    seq: int
    head: str | None


#: Longest head id kept from a listing (an id is ``sha256-`` and 43 characters).
MAX_HEAD = 100


def parse_feeds(body: bytes) -> dict[str, Listed]:
    """The ``/feeds`` answer of a peer as did → (seq, head); anything else is an error.

    The head is optional (a peer may give only seqs): without it, a different entry at the
    same seq cannot be seen from the listing, only when the feed grows past it.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise FetchError("liste des flux illisible (JSON invalide)") from None
    if not isinstance(data, list):
        raise FetchError("liste des flux illisible (tableau attendu)")
    listing: dict[str, Listed] = {}
    for item in data:
        if not isinstance(item, dict):
            raise FetchError("liste des flux illisible (objet attendu)")
        did, seq, head = item.get("did"), item.get("seq"), item.get("head")
        if not isinstance(did, str) or type(seq) is not int or seq < 0:
            raise FetchError("liste des flux illisible (did ou seq invalide)")
        usable = isinstance(head, str) and 0 < len(head) <= MAX_HEAD
        listing[did] = Listed(seq, head if usable else None)
    return listing


def parse_listing(body: bytes) -> dict[str, int]:
    """The ``/feeds`` answer of a peer as did → seq (see :func:`parse_feeds`)."""
    return {did: listed.seq for did, listed in parse_feeds(body).items()}
