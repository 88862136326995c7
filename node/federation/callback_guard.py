"""Where push may connect: never into the node's own machine or networks on a stranger's word.

Anyone may ask this node to push to a callback URL (``POST /inbox``); the node then GETs it
(the intent check) and POSTs every new entry to it. Without a guard, that is a blind SSRF: a
stranger points the callback at ``http://127.0.0.1:…``, a box of the local network or the
cloud's metadata service, and the node sends requests there.

Every address is of one kind: ``global`` (the public Internet), ``loopback`` (127/8, ::1),
``private`` (RFC 1918, CGNAT 100.64/10, unique-local fc00::/7), ``link-local`` (169.254/16,
fe80::/10), or none: unspecified, multicast, reserved, documentation, benchmarking, site-local
and the other special-purpose ranges, never reached. IPv4 written inside IPv6 (mapped
``::ffff:a.b.c.d``, NAT64 ``64:ff9b::a.b.c.d``, 6to4 ``2002:…``) counts as the IPv4 address.

The rule: a global address is always allowed; a non-global kind is allowed only when the
node's *own* address is of that kind, so that a test network, the demo (everything on
127.0.0.1) or a Docker network (names resolving to 172.x) keeps working. The node's own
address is the host of ``public_url``, else the listening ``host``: an IP address gives its
kind, ``localhost`` (and ``*.localhost``) is loopback, any other name is resolved (cached for
a few minutes) and counts as global if one of its addresses is global or if it does not
resolve. Unspecified (``0.0.0.0``) adds no kind.

The check is made twice. :meth:`Reach.refusal` answers ``POST /inbox`` early (a literal
address, ``localhost``, or a name whose every address is refused). :class:`GuardedConnector`
filters, at connect time, the addresses each connection of the push session is about to use,
literal or freshly resolved: a name that resolves elsewhere by then (DNS rebinding) is
caught, and no byte is sent to a refused address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from node.settings import Settings

if TYPE_CHECKING:
    from aiohttp.tracing import Trace

log = logging.getLogger("maillage.push")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

GLOBAL = "global"
LOOPBACK = "loopback"
PRIVATE = "private"
LINK_LOCAL = "link-local"

#: What ``is_private`` mixes with documentation and reserved ranges: the local networks.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: Seconds the kinds of the node's own address, when it is a name, are kept.
OWN_NAME_TTL = 300.0

#: French names of the kinds, for the messages.
KIND_NAMES = {
    LOOPBACK: "la machine elle-même (loopback)",
    PRIVATE: "un réseau privé",
    LINK_LOCAL: "un lien local",
    None: "une adresse spéciale (non routable, multicast ou réservée)",
}


def kind(address: IPAddress) -> str | None:
    """The kind of ``address`` (``GLOBAL``, ``LOOPBACK``, ``PRIVATE``, ``LINK_LOCAL``), or
    None for an address push never reaches."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return kind(address.ipv4_mapped)
        if address in _NAT64:
            return kind(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and kind(address.sixtofour) != GLOBAL:
            return None
        if address.is_site_local:
            return None
    if address.is_unspecified or address.is_multicast:
        return None
    if address.is_loopback:  # before is_reserved, which holds ::1 (in ::/8)
        return LOOPBACK
    if address.is_link_local:
        return LINK_LOCAL
    if any(address in network for network in _PRIVATE_NETWORKS):
        return PRIVATE
    if address.is_reserved or not address.is_global:
        return None
    return GLOBAL


def literal(host: str) -> IPAddress | None:
    """The IP address written as ``host`` (brackets and IPv6 zone allowed), or None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_localhost(host: str) -> bool:
    """``localhost`` and the names under it (RFC 6761): the machine itself, whatever DNS says."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


class CallbackRefused(OSError):
    """A connection of push to an address of a kind this node does not reach."""


class Reach:
    """The kinds of address push may reach from this node (see the module's rule)."""

    def __init__(self, settings: Settings, resolver: AbstractResolver | None = None) -> None:
        self.settings = settings
        self.resolver = resolver or aiohttp.ThreadedResolver()
        public = settings.public_url
        self.own_host = (public.host if public is not None else None) or settings.host
        self._kinds: frozenset[str] | None = None
        self._kinds_until = 0.0
        self._lock = asyncio.Lock()

    async def kinds(self) -> frozenset[str]:
        """The kinds allowed: global, and the kind of the node's own address if another."""
        if self._kinds is not None and time.monotonic() < self._kinds_until:
            return self._kinds
        async with self._lock:
            if self._kinds is None or time.monotonic() >= self._kinds_until:
                own, lasting = await self._own_kinds()
                self._kinds = frozenset({GLOBAL, *own})
                self._kinds_until = float("inf") if lasting else time.monotonic() + OWN_NAME_TTL
        return self._kinds

    async def _own_kinds(self) -> tuple[set[str], bool]:
        """The non-global kinds of the node's own address, and whether that answer lasts."""
        host = self.own_host
        address = literal(host)
        if address is not None:
            own = kind(address)
            return ({own} if own not in (None, GLOBAL) else set()), True
        if is_localhost(host):
            return {LOOPBACK}, True
        addresses = await self._resolve(host)
        if not addresses:
            log.warning(
                "adresse du nœud %s introuvable : notifications vers les adresses publiques seules",
                host,
            )
            return set(), False
        kinds = {kind(address) for address in addresses}
        if GLOBAL in kinds:
            return set(), False
        return {k for k in kinds if k is not None}, False

    async def _resolve(self, host: str) -> list[IPAddress]:
        """The addresses of the name ``host``; none if it does not resolve in time."""
        try:
            async with asyncio.timeout(self.settings.push_timeout_seconds):
                results = await self.resolver.resolve(host, 0, family=socket.AF_UNSPEC)
        except (OSError, TimeoutError):
            return []
        return [a for a in (literal(r["host"]) for r in results) if a is not None]

    async def refusal(self, callback: str) -> str | None:
        """Why (French) a callback is refused before any connection, or None.

        A literal address or ``localhost`` is judged as written; a name is resolved, and
        refused when none of its addresses may be reached. A name that does not resolve is
        not refused here: the intent check will fail to reach it anyway.
        """
        host = URL(callback).raw_host or ""
        allowed = await self.kinds()
        address = literal(host)
        if address is not None:
            found = [kind(address)]
        elif is_localhost(host):
            found = [LOOPBACK]
        else:
            found = [kind(a) for a in await self._resolve(host)]
            if not found:
                return None
        if any(k in allowed for k in found):
            return None
        where = next(k for k in found if k not in allowed)
        return (
            f"callback refusé : {host} désigne {KIND_NAMES[where]}. Ce nœud n'envoie ses "
            "notifications qu'à des adresses publiques, ou du même type de réseau que la sienne."
        )

    async def filter(self, host: str, hosts: list[ResolveResult]) -> list[ResolveResult]:
        """The addresses of ``hosts`` push may connect to; CallbackRefused if none."""
        allowed = await self.kinds()
        kept = []
        for result in hosts:
            address = literal(result["host"])
            if address is not None and kind(address) in allowed:
                kept.append(result)
        if not kept:
            raise CallbackRefused(f"{host} : adresse refusée (ni publique, ni du réseau du nœud)")
        return kept


class GuardedConnector(aiohttp.TCPConnector):
    """A connector that connects only to the addresses a :class:`Reach` allows.

    ``_resolve_host`` is where aiohttp turns the host of a request into the addresses it then
    connects to, for IP literals (which never reach the resolver) and names alike; they are
    filtered there, after every resolution and DNS cache hit.
    """

    def __init__(self, reach: Reach, **options: Any) -> None:
        super().__init__(resolver=reach.resolver, **options)
        self.reach = reach

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Trace] | None = None
    ) -> list[ResolveResult]:
        hosts = await super()._resolve_host(host, port, traces=traces)
        return await self.reach.filter(host, hosts)


def refused(exc: BaseException) -> bool:
    """Whether a client error of the push session is a connection the guard refused."""
    return isinstance(exc, aiohttp.ClientConnectorError) and isinstance(
        exc.os_error, CallbackRefused
    )


def session(reach: Reach) -> aiohttp.ClientSession:
    """The HTTP client of push: every connection goes through ``reach``'s guard."""
    return aiohttp.ClientSession(
        connector=GuardedConnector(reach),
        timeout=aiohttp.ClientTimeout(total=reach.settings.push_timeout_seconds),
        headers={"User-Agent": "maillage-push"},
        trust_env=False,  # no proxy from the environment: the guard sees the real address
    )
