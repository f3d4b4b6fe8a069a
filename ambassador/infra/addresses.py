"""Client addresses as the product counts them: one visitor, one throttle key, one hint in a list.

IPv6 hands a household, an office or a phone a whole /64, so any address inside it is the same
visitor (rotating within it would otherwise reset click dedupe and every throttle); an IPv4 address
mapped into IPv6 is that IPv4 address.
"""
from __future__ import annotations

import ipaddress
import socket

IPV6_VISITOR_PREFIX = 64
_V4_MAPPED = bytes(10) + b"\xff\xff"
_HOST_BITS = bytes(8)  # the last 64 bits of an IPv6 address, zeroed: its /64 network


def _parse(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def visitor_address(ip: str | None) -> str:
    """The part of the address that names a visitor: IPv4 as is, IPv6 its /64 network ("2001:db8:1:2::/64").

    Runs on every counted redirect: the C parser and printer (inet_pton/inet_ntop, RFC 5952 text as
    `ipaddress` writes it) take about 1 µs where `ipaddress` takes 17 µs for an IPv6 address. Whatever they
    refuse (a zone id, garbage) takes the `ipaddress` path, which gives the same text for what both accept.
    """
    text = (ip or "").strip()
    try:
        packed = socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
    except (OSError, ValueError):
        return _visitor_address(text)
    if len(packed) == 4:
        return socket.inet_ntop(socket.AF_INET, packed)
    if packed[:12] == _V4_MAPPED:
        return socket.inet_ntop(socket.AF_INET, packed[12:])
    return f"{socket.inet_ntop(socket.AF_INET6, packed[:8] + _HOST_BITS)}/{IPV6_VISITOR_PREFIX}"


def _visitor_address(ip: str) -> str:
    """visitor_address through `ipaddress` (the reference, and the path for what inet_pton refuses)."""
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
