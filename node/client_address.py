"""The address of the client, also behind a reverse proxy the operator trusts.

Behind Caddy or nginx every request comes from the proxy's own address, so a per-address
limit (``POST /inbox``) would put every peer in one bucket and the access log would name
only the proxy. The client's address is in ``X-Forwarded-For``, which anyone can also
forge: the header is read only when the request comes from a network of
``trusted_proxies``, and from its right end. Each trusted proxy appended the address it
saw; the first address that is not a trusted proxy is the client's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

from node.appkeys import SETTINGS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Where the address, once worked out, is kept on the request (the access log reads it).
_CLIENT = web.RequestKey("client", str)


def client_address(request: web.BaseRequest) -> str:
    """The client's address: ``request.remote``, or what a trusted proxy says it is."""
    known = request.get(_CLIENT)
    if known is None:
        trusted = _trusted(request)
        forwarded = ",".join(request.headers.getall("X-Forwarded-For", ())) if trusted else ""
        known = request[_CLIENT] = forwarded_client(request.remote, forwarded, trusted)
    return known


def _trusted(request: web.BaseRequest) -> Sequence[Network]:
    """The trusted proxies of the app serving ``request``; none for a request that reached
    no app (aiohttp answered it itself, unable to parse it: ``request.app`` is unset)."""
    if not isinstance(request, web.Request):
        return []
    try:
        app = request.app
    except (AssertionError, AttributeError):  # no route was ever matched
        return []
    return [] if app is None else app[SETTINGS].trusted_proxies


def forwarded_client(remote: str | None, forwarded: str, trusted: Sequence[Network]) -> str:
    """The client's address given the peer's address ``remote``, the ``X-Forwarded-For``
    header (entries joined by commas) and the trusted proxy networks."""
    address = remote or "?"
    if not trusted or not _is_trusted(_parse(address), trusted):
        return address
    for entry in reversed(forwarded.split(",")):
        entry = entry.strip()
        if not entry:
            continue
        parsed = _parse(entry)
        if parsed is None:  # not an address: a proxy passed on what its peer forged
            return address
        address = str(parsed)
        if not _is_trusted(parsed, trusted):
            return address
    return address


def _parse(text: str) -> IPAddress | None:
    """An address as written in ``X-Forwarded-For`` or by aiohttp; a port or the brackets
    around an IPv6 address are dropped; IPv4 mapped into IPv6 is read as IPv4."""
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)
