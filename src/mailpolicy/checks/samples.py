"""The sample clients the checks send requests from, the same for every host."""

from __future__ import annotations

# An Internet client (RFC 5737 documentation address): trusted by no sane configuration.
OUTSIDE_CLIENT = "203.0.113.9"
# The client of a configuration that trusts no network: Postfix's own mynetworks always holds it.
LOOPBACK_CLIENT = "127.0.0.1"
