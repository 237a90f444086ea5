"""The client's address, as the one place that knows about reverse proxies (``RIGHTSDESK_TRUSTED_PROXIES``).

A request that comes straight from the client has the client's address. Behind a TLS-terminating proxy every
request comes from the proxy; only when the proxy's address is listed in ``RIGHTSDESK_TRUSTED_PROXIES`` is its
``X-Forwarded-For`` header believed: read from the right, the first hop that is not itself a trusted proxy is the
client. A header from anyone else is ignored, so a client cannot choose its own address. (The gateway is started
with uvicorn's own proxy handling off, so this is the only reading.)

:func:`client_key` is what the abuse limits count: an IPv4 address, or an IPv6 /64 (one subscriber's block).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import Request
from starlette.requests import HTTPConnection

from core.settings import IpNetwork, Settings

MAX_ADDRESS_LENGTH = 64


def _trusted(address: str, proxies: Sequence[IpNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def forwarded_client(peer: str, forwarded_for: str, proxies: Sequence[IpNetwork]) -> str:
    """The client behind ``peer``, given its ``X-Forwarded-For`` header and the trusted proxies."""
    if not proxies or not _trusted(peer, proxies):
        return peer[:MAX_ADDRESS_LENGTH]
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:MAX_ADDRESS_LENGTH]
    return (hops[0] if hops else peer)[:MAX_ADDRESS_LENGTH]


def client_address(request: Request) -> str:
    """The address of the client that sent ``request``."""
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else "unknown"
    return forwarded_client(peer, request.headers.get("x-forwarded-for", ""), settings.trusted_proxies)


def connection_address(connection: HTTPConnection) -> str:
    """The client's address as the gateway's proxy middleware left it (read from a trusted proxy's header)."""
    return connection.client.host if connection.client else "unknown"


def client_key(connection: HTTPConnection) -> str:
    """What limits count for this client: its IPv4 address, or its IPv6 /64."""
    address = connection_address(connection)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
