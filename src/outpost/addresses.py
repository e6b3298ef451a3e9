"""The one address policy for every connection Outpost opens: feed and page fetches, webhook
deliveries and the mail server.

An address is reachable only when it is public (globally routable, not multicast), or when its
network is listed in the `fetch_allow_networks` setting. IPv6 forms that carry an IPv4 address
inside them (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4, Teredo) are judged by
the IPv4 address they lead to, so `64:ff9b::7f00:1` is loopback as surely as `127.0.0.1` is.
Deprecated site-local addresses (fec0::/10) and the ranges newer than Python's tables
(documentation 3fff::/20, SRv6 5f00::/16) are not public.

The host is resolved here and every address it resolves to must pass. A DNS answer that
changes between this check and the connection (DNS rebinding) is not caught: deployments
that need that guarantee send their traffic through an egress proxy (see SECURITY.md).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT, RFC 2765: ::ffff:0:a.b.c.d
# Not globally reachable, but newer than the ipaddress tables of Python 3.11: deprecated
# site-local (RFC 3879), documentation (RFC 9637) and SRv6 SIDs (RFC 9602).
NOT_GLOBAL = (
    ipaddress.ip_network("fec0::/10"),
    ipaddress.ip_network("3fff::/20"),
    ipaddress.ip_network("5f00::/16"),
)
SCHEMES = ("http", "https")


class AddressError(ValueError):
    """A URL or host that may not be connected to; the message is one line naming it."""


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (none for a plain IPv6 address)."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in net for net in NAT64) or address in IPV4_TRANSLATED:
        return [low32]
    if address in IPV4_COMPATIBLE and int(address) > 1:  # ::a.b.c.d, but not :: or ::1
        return [low32]
    return []


def is_public(address: IPAddress) -> bool:
    """Globally routable and unicast, and so is every IPv4 address it embeds."""
    inner = embedded_ipv4(address)
    if inner:
        return all(is_public(v4) for v4 in inner)
    if isinstance(address, ipaddress.IPv6Address) and any(address in n for n in NOT_GLOBAL):
        return False
    return address.is_global and not address.is_multicast


def allowed(address: IPAddress, allow: Iterable[IPNetwork]) -> bool:
    """Public, or inside a network the settings allow (directly or by the IPv4 it embeds)."""
    if is_public(address):
        return True
    nets = tuple(allow)
    candidates = [address, *embedded_ipv4(address)]
    return any(a.version == n.version and a in n for a in candidates for n in nets)


def resolve(host: str, port: int | None) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal is itself)."""
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise AddressError(f"cannot resolve host {host[:100]!r}: {exc}") from None
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        found.append(address)
    return found


def check_host(host: str, port: int | None, allow: Iterable[IPNetwork], what: str) -> None:
    """Raise AddressError unless every address of `host` may be connected to."""
    nets = tuple(allow)
    for address in resolve(host, port):
        if not allowed(address, nets):
            raise AddressError(
                f"refused to connect to {what}: {address} is a private, loopback or link-local "
                "address (allow its network in the fetch_allow_networks setting)"
            )


def split_url(url: str) -> tuple[str, int | None]:
    """The host and port of an http(s) URL, or AddressError naming what is wrong with it."""
    shown = url[:200]
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise AddressError(f"invalid URL {shown!r}: {exc}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise AddressError(f"only http and https URLs are fetched, not {shown!r}")
    if not parts.hostname:
        raise AddressError(f"no host in URL {shown!r}")
    if any(ord(c) < 0x20 or c == "\x7f" for c in url):
        raise AddressError(f"invalid URL {shown!r}: it contains control characters")
    return parts.hostname, port


def check_url(url: str, allow: Iterable[IPNetwork]) -> None:
    """Raise AddressError unless `url` is an http(s) URL whose host may be connected to."""
    host, port = split_url(url)
    check_host(host, port, allow, url[:200])
