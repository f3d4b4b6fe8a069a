"""One reading of client addresses for click dedupe, throttles and the sessions list."""
from __future__ import annotations

import pytest

from ambassador.infra.addresses import network_hint, visitor_address


@pytest.mark.parametrize(("ip", "visitor", "hint"), [
    ("198.51.100.7", "198.51.100.7", "198.51.100.0/24"),
    ("::ffff:198.51.100.7", "198.51.100.7", "198.51.100.0/24"),  # IPv4 mapped into IPv6 is that IPv4
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", "2001:db8:1::/48"),
    ("not an address", "not an address", ""),
    (None, "", ""),
])
def test_addresses(ip, visitor, hint):
    assert visitor_address(ip) == visitor
    assert network_hint(ip) == hint


@pytest.mark.parametrize("ip", ["2001:DB8:0:0:1::1", "2001:db8::", "::1", "::", "0:0:0:0:1:0:0:0", "fe80::1%eth0",
                                "2001:0db8:0001:0000:0000:0000:0000:0001", " 203.0.113.9 ", "::ffff:0:0",
                                "1:0:0:0:0:0:0:0", "203.0.113.09", "1.2.3", "", "\x00"])
def test_the_fast_visitor_address_reads_addresses_as_ipaddress_does(ip):
    from ambassador.infra.addresses import _visitor_address

    assert visitor_address(ip) == _visitor_address(ip.strip())


def test_the_fast_visitor_address_agrees_on_random_addresses():
    import ipaddress
    import random

    from ambassador.infra.addresses import _visitor_address

    rng = random.Random(5)
    for _ in range(20_000):  # runs of zeros where RFC 5952 text compresses them, or must not
        hextets = [rng.choice((0, 0, 0, 1, 0xFFFF, rng.randrange(65536))) for _ in range(8)]
        ip = str(ipaddress.IPv6Address(b"".join(h.to_bytes(2, "big") for h in hextets)))
        assert visitor_address(ip) == _visitor_address(ip), ip
        v4 = ".".join(str(rng.randrange(256)) for _ in range(4))
        assert visitor_address(v4) == _visitor_address(v4) == v4
