"""Postfix match lists: client patterns (mynetworks) and domain patterns (mydestination, relay_domains).

A match list is tried in the order written; the first pattern that matches decides, and a
pattern written `!pattern` decides "no" (postconf(5) mynetworks). Results are True, False,
UNKNOWN (a table or file whose contents are not known was reached before any decision), or
BAD_PATTERN (Postfix could not use a pattern: measured with Postfix 3.7, a mynetworks network
with host bits set, e.g. 127.0.0.9/8, logs "non-null host address bits" and every request that
reaches permit_mynetworks gets "451 4.3.0 <...>: Temporary lookup failure").
"""

from __future__ import annotations

import functools
import ipaddress

from mailpolicy.simulate.lookup import UNKNOWN, NetworkIndex, Table, Tables, pattern_table

BAD_PATTERN = "bad-pattern"


def _bare(text: str) -> str:
    return text[1:-1] if text.startswith("[") and text.endswith("]") else text


# The proof, its candidates and each match list parse the same mynetworks entries (pure, immutable results).
@functools.lru_cache(maxsize=65536)
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


class _Names:
    """Host and domain name patterns indexed by name: `example.com`, `.example.com`.

    A pattern matches a name equal to it. match_ops.c match_hostname(): when
    parent_domain_matches_subdomains names the feature, `example.com` also matches every name
    ending in `.example.com` and a `.example.com` pattern matches nothing at all (measured on
    3.7: relay_domains = .example1.org refuses v@sub.example1.org); when it does not,
    `.example.com` matches every name ending in it. Only the first pattern written for a key
    counts: a later one can never decide.
    """

    def __init__(self, parent_matches: bool, exact: bool = False) -> None:
        self.parent_matches = parent_matches
        self.exact = exact  # match_ops.c match_string(): the whole name only, `.name` literally
        self._exact: dict[str, tuple[int, bool]] = {}
        self._suffix: dict[str, tuple[int, bool]] = {}

    def add(self, position: int, negated: bool, pattern: str) -> None:
        pattern = pattern.lower()
        if self.exact:
            self._exact.setdefault(pattern, (position, negated))
            return
        if pattern.startswith("."):
            if not self.parent_matches:
                self._suffix.setdefault(pattern, (position, negated))
            return
        self._exact.setdefault(pattern, (position, negated))
        if self.parent_matches:
            self._suffix.setdefault("." + pattern, (position, negated))

    def first(self, name: str) -> tuple[int, bool] | None:
        """Return (position, negated) of the first pattern that matches `name`, or None."""
        name = name.lower().rstrip(".")
        found = self._exact.get(name)
        dot = name.find(".")
        while dot >= 0:
            # A name ends in ".suffix" exactly when the suffix starts at one of its dots.
            candidate = self._suffix.get(name[dot:])
            if candidate is not None and (found is None or candidate[0] < found[0]):
                found = candidate
            dot = name.find(".", dot + 1)
        return found


def _table_match(table: Table | None, keys: list[str]):
    if table is None:
        return UNKNOWN
    return any(table.find(k) is not None for k in keys)


class ClientList:
    """A host list (mynetworks, smtpd_authorized_xclient_hosts) indexed once.

    Every candidate client of the open-relay proof is matched against $mynetworks, and the
    candidates are drawn from $mynetworks: scanning the list would make that quadratic in the
    number of trusted networks. The answer is the scan's: the first pattern in the order written
    that matches decides; a table, `/file` or unusable network written before it decides instead.
    """

    def __init__(self, patterns: tuple[str, ...], parent_matches: bool) -> None:
        self._networks = NetworkIndex()
        self._names = _Names(parent_matches)
        # Tables, files and unusable networks, in order: consulted only when written before the match.
        self._lookups: list[tuple[int, bool, str]] = []
        for position, pattern in enumerate(patterns):
            negated = pattern.startswith("!")
            body = pattern[1:] if negated else pattern
            if body.startswith("/") or (":" in body and not body.startswith("[") and parse_network(body) is None):
                self._lookups.append((position, negated, body))
                continue
            network = parse_network(body)
            if network is BAD_PATTERN:
                self._lookups.append((position, negated, BAD_PATTERN))
            elif network is not None:
                self._networks.add(network, (position, negated))
            else:
                self._names.add(position, negated, body)

    def match(self, address: str, name: str, tables: Tables):
        """Return True, False, UNKNOWN or BAD_PATTERN for a client (address, verified name)."""
        ip = ipaddress.ip_address(address)
        candidates = self._networks.values(ip)
        if name != "unknown":
            named = self._names.first(name)
            if named is not None:
                candidates.append(named)
        found = min(candidates, default=None)
        for position, negated, body in self._lookups:
            if found is not None and position > found[0]:
                break
            if body is BAD_PATTERN:
                return BAD_PATTERN
            if body.startswith("/"):
                return UNKNOWN  # a file of patterns, read when smtpd starts
            matched = _table_match(tables.table(body), [str(ip)] + ([name] if name != "unknown" else []))
            if matched is UNKNOWN:
                return UNKNOWN
            if matched:
                return not negated
        return found is not None and not found[1]


class DomainList:
    """A domain list (mydestination, relay_domains, virtual_*_domains) indexed once.

    The open-relay proof resolves a few addresses per local domain, and each resolution matches
    against $mydestination: scanning the list would make that quadratic in the number of domains.
    The answer is the scan's: the first pattern in the order written that matches decides, and a
    table or `/file` written before it makes the answer UNKNOWN or comes from the table.
    """

    def __init__(self, patterns: tuple[str, ...], parent_matches: bool, exact: bool = False) -> None:
        # exact: a string list (mydestination: resolve_local.c string_list_init), whose names
        # and table keys are the whole domain only; else a domain list (match_hostname()).
        self.parent_matches = parent_matches
        self.exact = exact
        self._names = _Names(parent_matches, exact)
        # Tables and files, in order: consulted only when written before the match.
        self._lookups: list[tuple[int, bool, str]] = []
        for position, pattern in enumerate(patterns):
            negated = pattern.startswith("!")
            body = pattern[1:] if negated else pattern
            if body.startswith("/") or ":" in body:
                self._lookups.append((position, negated, body))
            else:
                self._names.add(position, negated, body)

    def match(self, domain: str, tables: Tables):
        """Return True, False or UNKNOWN, as the first pattern that decides for `domain` says."""
        found = self._names.first(domain)
        for position, negated, body in self._lookups:
            if found is not None and position > found[0]:
                break
            if body.startswith("/"):
                return UNKNOWN
            # match_hostname(): a fixed-key table is also searched for the parent domains, as
            # `example.com` with parent matching and as `.example.com` without; a pattern table
            # sees the whole name only.
            keys = [domain] + ([] if self.exact else _parents(domain, self.parent_matches))
            table = tables.table(body)
            if table is None and (patterns := pattern_table(body)) is not None:
                table, keys = patterns, keys[:1]  # match_ops.c: a pattern table sees the whole name only
            matched = _table_match(table, keys)
            if matched is UNKNOWN:
                return UNKNOWN
            if matched:
                return not negated
        return found is not None and not found[1]


def _parents(domain: str, parent_matches: bool) -> list[str]:
    labels = domain.split(".")
    dot = "" if parent_matches else "."
    return [dot + ".".join(labels[i:]) for i in range(1, len(labels))]


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
