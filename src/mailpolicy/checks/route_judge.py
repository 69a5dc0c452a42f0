"""Where a route takes mail for a domain, and which domains are the policy's own (checks/transports.py).

A route that stays on this host (a command other than smtp/lmtp, a unix-domain socket, a loopback
nexthop) or goes to an inner host of the administrator's (a name under the policy's own domains, a
private address: RFC 1918, RFC 4193) is harmless; one whose nexthop is the routed domain's own mail
servers relays; a named host nobody here can say who runs, or a transport whose command is not
known, is an assumption.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re

from mailpolicy.checks.relay_declaration import is_own_name, suffix_list
from mailpolicy.simulate.transport import Route

# The commands of Postfix 3.7's stock master.cf unix services that can be a transport.
STOCK_COMMANDS = {"smtp": "smtp", "relay": "smtp", "lmtp": "lmtp", "local": "local", "virtual": "virtual",
                  "error": "error", "retry": "error", "discard": "discard", "maildrop": "pipe", "uucp": "pipe",
                  "ifmail": "pipe", "bsmtp": "pipe", "scalemail-backend": "pipe", "mailman": "pipe"}
NETWORK_COMMANDS = ("smtp", "lmtp")
_INNER_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                           "fc00::/7"))


class Where(enum.IntEnum):
    """Where a route takes a recipient at domain D, from harmless to relaying."""

    STAYS = 0  # delivered on this host
    INNER = 1  # an inner host of the administrator's
    UNKNOWN_TRANSPORT = 2  # a transport whose command is not known here
    ELSEWHERE = 3  # a named host nobody here can say who runs
    DESTINATION = 4  # D's own mail servers


class RouteJudge:
    """Where a route goes for a domain, and which domains are the policy's own.

    The Public Suffix List is loaded only when a domain's ownership matters (a route that leaves
    this host for a named host), so a policy delivering everything here never pays for it.
    """

    def __init__(self, model, commands: dict[str, str], backup: dict) -> None:
        self.commands = commands
        words = model.config.words
        self.names = [n.lower().strip(".") for n in (*words("myhostname")[:1], *words("mydomain")[:1], *backup) if n]
        self._own: tuple[set[str], set[str]] | None = None

    @functools.cached_property
    def psl(self):
        return suffix_list()

    def add_own(self, domains) -> None:
        self.names.extend(domains)
        self._own = None

    def _owned(self) -> tuple[set[str], set[str]]:
        if self._own is None:
            names = {n for n in self.names if n and "$" not in n and not self.psl.is_public(n)} | {"localhost"}
            self._own = names, {self.psl.privatesuffix(n) for n in names} - {None}
        return self._own

    def is_own(self, domain: str) -> bool:
        if domain == "localhost" or domain.startswith("localhost."):
            return True  # this host's own name (RFC 6761), with or without $mydomain after it
        names, own = self._owned()
        if is_own_name(domain, names):
            return True
        return not self.psl.is_public(domain) and self.psl.privatesuffix(domain) in own

    def listed(self) -> str:
        own = self._owned()[1]
        return "its own: " + ", ".join(sorted(own)) if own else "it names no domain of its own"

    def command(self, transport: str) -> str | None:
        return self.commands.get(transport) if self.commands else STOCK_COMMANDS.get(transport)

    def where(self, route: Route, domain: str) -> Where:
        command = self.command(route.transport)
        if command is None:
            # With master.cf read, qmgr defers mail for a transport it does not define: nothing leaves.
            return Where.STAYS if self.commands else Where.UNKNOWN_TRANSPORT
        if command not in NETWORK_COMMANDS:
            return Where.STAYS
        return max((self._host(host, domain) for host in nexthop_hosts(route.nexthop)), default=Where.STAYS)

    def _host(self, host: str | None, domain: str) -> Where:
        if host is None:
            return Where.STAYS
        address = _address(host)
        if address is not None:
            if address.is_loopback:
                return Where.STAYS
            return Where.INNER if any(address in n for n in _INNER_NETWORKS if n.version == address.version) \
                else Where.ELSEWHERE
        if host == "localhost" or host.startswith("localhost."):
            return Where.STAYS
        if host == domain or host.endswith("." + domain):
            return Where.DESTINATION
        if self.is_own(host):
            return Where.INNER
        if not self.psl.is_public(domain) and self.psl.privatesuffix(host) == self.psl.privatesuffix(domain):
            return Where.DESTINATION
        return Where.ELSEWHERE


def nexthop_hosts(nexthop: str) -> list[str | None]:
    """Return the hosts a smtp/lmtp nexthop names (None: a unix-domain socket on this host).

    smtp(8) and lmtp(8) take `[host]:port`, `host:port`, `host`, `[ipv6:addr]`, `inet:host:port`
    and (lmtp) `unix:/path`; since Postfix 3.5 a list of them separated by commas or spaces.
    """
    hosts: list[str | None] = []
    for part in re.split(r"[\s,]+", nexthop.strip()):
        if not part:
            continue
        if part.startswith(("unix:", "/")):
            hosts.append(None)
            continue
        part = part[len("inet:"):] if part.startswith("inet:") else part
        if part.startswith("["):
            host = part[1:part.index("]")] if "]" in part else part[1:]
            host = host[len("ipv6:"):] if host.lower().startswith("ipv6:") else host
        else:
            host = part.split(":", 1)[0]
        hosts.append(host.lower().rstrip("."))
    return hosts


def _address(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
