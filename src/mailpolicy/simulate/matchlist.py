"""Postfix match lists: client patterns (mynetworks) and domain patterns (mydestination, relay_domains).

A match list is tried in the order written; the first pattern that matches decides, and a
pattern written `!pattern` decides "no" (postconf(5) mynetworks). Results are True, False,
UNKNOWN (a table or file whose contents are not known was reached before any decision), or
BAD_PATTERN (Postfix could not use a pattern: measured with Postfix 3.7, a mynetworks network
with host bits set, e.g. 127.0.0.9/8, logs "non-null host address bits" and every request that
reaches permit_mynetworks gets "451 4.3.0 <...>: Temporary lookup failure").
"""

from __future__ import annotations

import ipaddress

from mailpolicy.simulate.lookup import UNKNOWN, Tables, Table

BAD_PATTERN = "bad-pattern"


def _bare(text: str) -> str:
    return text[1:-1] if text.startswith("[") and text.endswith("]") else text


def parse_network(pattern: str):
    """Return the network a `1.2.3.0/24`, `[2001:db8::]/32`, `1.2.3.4` or `[::1]` pattern means.

    Returns None for a pattern that is not an address, BAD_PATTERN for a network with host bits.
    """
    address, slash, prefix = pattern.partition("/")
    address = _bare(address)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if not slash:
        return ipaddress.ip_network(ip)
    try:
        return ipaddress.ip_network(f"{ip}/{prefix}", strict=True)
    except ValueError:
        return BAD_PATTERN


def _domain_match(name: str, pattern: str, parent_matches: bool) -> bool:
    name, pattern = name.lower().rstrip("."), pattern.lower()
    if pattern.startswith("."):
        return name.endswith(pattern)
    return name == pattern or (parent_matches and name.endswith("." + pattern))


def _table_match(table: Table | None, keys: list[str]):
    if table is None:
        return UNKNOWN
    return any(table.find(k) is not None for k in keys)


def match_client(patterns: tuple[str, ...], address: str, name: str, tables: Tables, parent_matches: bool):
    """Tell whether a client (address, verified name) matches a host list such as mynetworks."""
    ip = ipaddress.ip_address(address)
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if body.startswith("/"):
            return UNKNOWN  # a file of patterns, read when smtpd starts
        if ":" in body and not body.startswith("[") and parse_network(body) is None:
            found = _table_match(tables.table(body), [str(ip)] + ([name] if name != "unknown" else []))
            if found is UNKNOWN:
                return UNKNOWN
            matched = found
        else:
            network = parse_network(body)
            if network is BAD_PATTERN:
                return BAD_PATTERN
            if network is not None:
                matched = ip.version == network.version and ip in network
            else:
                matched = name != "unknown" and _domain_match(name, body, parent_matches)
        if matched:
            return not negated
    return False


def match_domain(patterns: tuple[str, ...], domain: str, tables: Tables, parent_matches: bool):
    """Tell whether a domain matches a domain list (mydestination, relay_domains, virtual_*_domains)."""
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if body.startswith("/"):
            return UNKNOWN
        if ":" in body:
            table = tables.table(body)
            keys = [domain] + ([k for k in _parents(domain)] if parent_matches else [])
            found = _table_match(table, keys)
            if found is UNKNOWN:
                return UNKNOWN
            matched = found
        else:
            matched = _domain_match(domain, body, parent_matches)
        if matched:
            return not negated
    return False


def _parents(domain: str) -> list[str]:
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels))]


def match_interfaces(patterns: tuple[str, ...], address: str, host_addresses: tuple[str, ...]) -> bool:
    """Tell whether an address is one of inet_interfaces (`all`: the host's own) or proxy_interfaces."""
    try:
        ip = ipaddress.ip_address(_bare(address).removeprefix("IPv6:").removeprefix("ipv6:"))
    except ValueError:
        return False
    for pattern in patterns:
        if pattern.lower() in ("all", "loopback-only", "localhost"):
            candidates = host_addresses if pattern.lower() == "all" else ("127.0.0.1", "::1")
        else:
            candidates = (_bare(pattern),)
        for candidate in candidates:
            try:
                if ipaddress.ip_address(candidate) == ip:
                    return True
            except ValueError:
                continue
    return False
