"""The HTTP server of a node: aiohttp's, with the limits a node open to the internet needs.

``maillage serve`` runs the app through :class:`NodeRunner`, an ``AppRunner`` whose
connections are :class:`NodeRequestHandler`\\ s. Each connection runs on one clock, set from
the settings:

- ``header_timeout_seconds``: a request's head (request line and headers) must be whole
  within this time of the connection's opening, or of the first byte of the next request
  on a kept-alive connection; else the connection is closed. A client sending its headers
  a byte at a time (« slowloris ») holds nothing for long.
- ``keepalive_seconds``: a connection idle between two requests is closed after it.
- ``body_timeout_seconds``: a body must be whole within this time of its head; else the
  handler reading it gets :class:`~node.web.errors.BodyTooSlow` (answered 408, the
  connection closed), or, if it was answered already, the connection is closed.

Many connections: at most ``max_connections_per_address`` at once from one address (an IPv6
/64 counts as one address) and ``max_connections`` in all, lowered under the number of files
the process may open (``LimitNOFILE``) so that it always has some left; the next connection
gets a short French 503 and is closed at once. The proxies of ``trusted_proxies`` count only
towards the total: they carry everyone's connections and limit each visitor themselves.

What aiohttp cannot parse (a NUL in a header, a garbage request line) is answered by
:func:`node.web.errors.unparsed_response` and logged at debug level, without a traceback.
An answer whose request is marked :data:`node.web.errors.CLOSE_AFTER`, or whose body is
broken, closes the connection once written, without waiting for the rest of the body.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import Counter
from typing import Any

import orjson
from aiohttp import web

from node.appkeys import SETTINGS
from node.settings import Settings
from node.web.errors import CLOSE_AFTER, BodyTooSlow, unparsed_response

log = logging.getLogger("maillage.net")

#: Files a node keeps for itself beyond its connections (store, index, peers, the refused
#: connections of a burst being closed): ``max_connections`` stays that far under the limit.
RESERVED_FILES = 256
#: Set on a request aiohttp could not parse (the access log says so rather than "GET /").
UNPARSED = web.RequestKey("unparsed", bool)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class NodeRunner(web.AppRunner):
    """An ``AppRunner`` for a node's app: its connections have the node's clocks and caps."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        settings = app[SETTINGS]
        kwargs.setdefault("keepalive_timeout", settings.keepalive_seconds)
        super().__init__(app, **kwargs)
        self._settings = settings

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # the app started and frozen, as AppRunner does
        return NodeServer(plain, self._settings)


class NodeServer(web.Server):
    """aiohttp's server of the app, making :class:`NodeRequestHandler` connections."""

    def __init__(self, plain: web.Server, settings: Settings) -> None:
        super().__init__(
            plain.request_handler,
            request_factory=self._make_node_request,
            handler_cancellation=plain.handler_cancellation,
            loop=asyncio.get_running_loop(),
            **plain._kwargs,  # what AppRunner gave it: access log, keep-alive, debug…
        )
        self._app_request_factory = plain.request_factory
        self.settings = settings
        files = file_limit()
        total = connection_ceiling(settings.max_connections, files)
        if total < settings.max_connections:
            log.info(
                "max_connections abaissé à %d : le processus ne peut ouvrir que %d fichiers",
                total,
                files,
            )
        self.limits = ConnectionLimits(settings.max_connections_per_address, total)

    def __call__(self) -> web.RequestHandler:
        return NodeRequestHandler(self, loop=self._loop, **self._kwargs)

    def _make_node_request(self, message: Any, payload: Any, protocol: Any, *args: Any) -> Any:
        request = self._app_request_factory(message, payload, protocol, *args)
        if isinstance(protocol, NodeRequestHandler):
            protocol.head_received(request)
        return request


class NodeRequestHandler(web.RequestHandler):
    """One connection: admitted or refused, then on the clock of its head, body or idleness."""

    def __init__(self, manager: NodeServer, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._settings = manager.settings
        self._limits = manager.limits
        self._address: str | None = None
        self._exempt = False
        self._admitted = False
        self._idle = False
        self._answered = False
        self._clock: asyncio.TimerHandle | None = None  # head or idleness
        self._body_clock: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        peer = peer_address(transport.get_extra_info("peername"))
        self._address = address_key(peer)
        self._exempt = peer is not None and any(peer in n for n in self._settings.trusted_proxies)
        refusal = self._limits.admit(self._address, exempt=self._exempt)
        if refusal is not None:
            log.warning("connexion refusée à %s : %s", self._address, refusal)
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(refusal_answer(refusal))
            self.force_close()  # the answer is written, then the socket closed
            return
        self._admitted = True
        self._start_clock(self._settings.header_timeout_seconds)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._stop_clocks()
        if self._admitted:
            self._admitted = False
            self._limits.release(self._address, exempt=self._exempt)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._idle and data:  # the first byte of the next request: its head's clock
            self._idle = False
            self._start_clock(self._settings.header_timeout_seconds)
        super().data_received(data)

    def head_received(self, request: web.BaseRequest) -> None:
        """A whole head arrived (called as its request is made): the body's clock, if any."""
        self._stop_clocks()
        self._idle = False
        self._answered = False
        body = request.content
        if not body.is_eof():
            self._body_clock = self._loop.call_later(
                self._settings.body_timeout_seconds, self._body_late, request
            )
            body.on_eof(self._stop_body_clock)

    async def finish_response(
        self, request: web.BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> Any:
        self._answered = True
        result = await super().finish_response(request, resp, start_time)
        if request.get(CLOSE_AFTER) or request.content.exception() is not None:
            self.force_close()  # written already; no lingering for a body that will not come
        elif resp.keep_alive and self.transport is not None:
            self._idle = True
            self._start_clock(self._settings.keepalive_seconds)
        return result

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:  # a fault of the node, not of the request: aiohttp logs it
            return super().handle_error(request, status, exc, message)
        log.debug("requête illisible de %s : %s", request.remote, exc or message)
        if request.writer.output_size > 0:
            raise ConnectionError("answer already started: no room for the error")
        request[UNPARSED] = True
        return unparsed_response(status)

    # -- the clocks ----------------------------------------------------------------------

    def _start_clock(self, seconds: float) -> None:
        if self._clock is not None:
            self._clock.cancel()
        self._clock = self._loop.call_later(seconds, self._late)

    def _late(self) -> None:
        self._clock = None
        log.debug("connexion de %s fermée : requête trop lente ou inactive", self._address)
        self.force_close()

    def _stop_body_clock(self) -> None:
        if self._body_clock is not None:
            self._body_clock.cancel()
            self._body_clock = None

    def _stop_clocks(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            self._clock = None
        self._stop_body_clock()

    def _body_late(self, request: web.BaseRequest) -> None:
        self._body_clock = None
        if request.content.is_eof():
            return
        log.debug("corps trop lent de %s : %s %s", self._address, request.method, request.path)
        if self._answered:
            self.force_close()
        else:  # the handler reading it is answered 408 (node.web.errors)
            request.content.set_exception(BodyTooSlow())


class ConnectionLimits:
    """The connections open, by address and in all, against their caps."""

    def __init__(self, per_address: int, total: int) -> None:
        self.per_address = per_address
        self.total = total
        self.open = 0
        self._by_address: Counter[str] = Counter()

    def admit(self, address: str | None, *, exempt: bool = False) -> str | None:
        """None if a connection from ``address`` may open (it is counted), else why not;
        an ``exempt`` address (a trusted proxy) counts only towards the total."""
        if self.open >= self.total:
            return f"{self.open} connexions ouvertes en tout (max_connections = {self.total})"
        if address is not None and not exempt:
            held = self._by_address[address]
            if held >= self.per_address:
                return (
                    f"{held} connexions déjà ouvertes depuis cette adresse "
                    f"(max_connections_per_address = {self.per_address})"
                )
            self._by_address[address] = held + 1
        self.open += 1
        return None

    def release(self, address: str | None, *, exempt: bool = False) -> None:
        self.open -= 1
        if address is not None and not exempt:
            self._by_address[address] -= 1
            if self._by_address[address] <= 0:
                del self._by_address[address]


def peer_address(peername: object) -> IPAddress | None:
    """The IP address of a connection's peer (IPv4 mapped into IPv6 read as IPv4); None for
    what has none (a Unix socket)."""
    host = peername[0] if isinstance(peername, tuple) and peername else None
    if not isinstance(host, str):
        return None
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_key(address: IPAddress | None) -> str | None:
    """What a connection counts against: its IPv4 address, or its IPv6 /64 (one machine
    may hold a whole /64)."""
    if address is None:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def file_limit() -> int | None:
    """How many files this process may open (its soft ``RLIMIT_NOFILE``), if known."""
    try:
        import resource
    except ImportError:  # not a Unix
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def connection_ceiling(wanted: int, files: int | None) -> int:
    """``max_connections``, lowered so that ``RESERVED_FILES`` (at most half) stay free."""
    if files is None:
        return wanted
    return max(1, min(wanted, files - min(RESERVED_FILES, files // 2)))


def refusal_answer(reason: str) -> bytes:
    """The whole HTTP answer written to a connection refused (before it said anything)."""
    body = orjson.dumps(
        {
            "error": "too-many-connections",
            "message": f"Trop de connexions ouvertes ({reason}) ; réessayez dans un instant.",
        }
    )
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nRetry-After: 10\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body
