"""Loopback stand-ins for the policy's clients, and the one main.cf change they need.

Every client of the sandbox connects from 127.0.0.0/8 on this machine, so a policy's real
networks (192.0.2.0/24, 2001:db8::/32 ...) can never match a sandbox client, and its default
"this host only" (127.0.0.0/8) would match every one. The sandbox's copy of `mynetworks` is
therefore the policy's list, minus any network holding the outside stand-in, plus the trusted
stand-in: the server then sees each client class as the policy means it. Nothing else of
main.cf changes (apart from the sandbox's own isolation parameters).
"""

from __future__ import annotations

import ipaddress


from mailpolicy.frozen import frozen
from mailpolicy.parse.statements import ClientKind

# "The internet": a client in none of the trusted networks.
OUTSIDE_SOURCE = "127.0.0.9"
# "A trusted network" (and this host): the address a local client connects from anyway.
TRUSTED_SOURCE = "127.0.0.1"


@frozen
class StandIns:
    """The policy's mynetworks, the sandbox's copy of it, and the source address of each client kind."""

    policy_mynetworks: str
    sandbox_mynetworks: str

    @property
    def changed(self) -> bool:
        return self.policy_mynetworks != self.sandbox_mynetworks

    @staticmethod
    def source_for(kind: ClientKind) -> str:
        """Return the loopback address a client of this kind connects from."""
        return TRUSTED_SOURCE if kind is ClientKind.TRUSTED else OUTSIDE_SOURCE

    def describe(self) -> str:
        """Say, in one line, how the sandbox stands in for the policy's clients."""
        text = (f"clients: outside (anonymous, user LOGIN) from {OUTSIDE_SOURCE}, "
                f"trusted from {TRUSTED_SOURCE}")
        if self.changed:
            text += (f"; the sandbox's mynetworks is `{self.sandbox_mynetworks}` "
                     f"instead of the policy's `{self.policy_mynetworks}`")
        return text


def stand_ins(mynetworks: str) -> StandIns:
    """Return the sandbox copy of a mynetworks value, with both stand-ins where they belong."""
    # mynetworks separates its patterns by whitespace and/or commas (postconf(5)).
    patterns = mynetworks.replace(",", " ").split()
    kept = [p for p in patterns if not _matches(p, OUTSIDE_SOURCE)]
    if not any(_matches(p, TRUSTED_SOURCE) for p in kept):
        kept.append(f"{TRUSTED_SOURCE}/32")
    return StandIns(mynetworks, " ".join(kept))


def _matches(pattern: str, address: str) -> bool:
    """Tell whether a mynetworks pattern (address, CIDR, [IPv6]/len) contains address."""
    text = pattern.replace("[", "").replace("]", "")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        # A host name, /file or type:table pattern: the compiler never writes one, and
        # it cannot stand for a loopback client either way.
        return False
    return ipaddress.ip_address(address) in network
