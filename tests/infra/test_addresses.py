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
