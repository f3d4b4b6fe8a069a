"""Client addresses as the product counts them: one visitor, one throttle key, one hint in a list.

IPv6 hands a household, an office or a phone a whole /64, so any address inside it is the same
visitor (rotating within it would otherwise reset click dedupe and every throttle); an IPv4 address
mapped into IPv6 is that IPv4 address.
"""
from __future__ import annotations

import ipaddress

IPV6_VISITOR_PREFIX = 64


def _parse(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def visitor_address(ip: str | None) -> str:
    """The part of the address that names a visitor: IPv4 as is, IPv6 its /64 network."""
    address = _parse(ip)
    if address is None:
        return (ip or "").strip()
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, IPV6_VISITOR_PREFIX), strict=False))
    return str(address)


def network_hint(ip: str | None) -> str:
    """The network, not the address (IPv4 /24, IPv6 /48): enough to recognise "my office"."""
    address = _parse(ip)
    if address is None:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network((address, prefix), strict=False))
