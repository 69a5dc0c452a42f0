"""How mynetworks (and every Postfix network list) writes a network: IPv6 inside brackets."""

from __future__ import annotations

import ipaddress

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def render_network(net: IPNetwork) -> str:
    """Return a network as mynetworks wants it: IPv6 in brackets (postconf(5), mynetworks)."""
    if net.version == 6:
        return f"[{net.network_address}]/{net.prefixlen}"
    return str(net)
