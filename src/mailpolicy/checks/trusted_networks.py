"""Check the trusted networks: every client in them may use permit_mynetworks (mynetworks).

The networks are a policy's `trusted networks` entries, or the network words of the mynetworks a
deployed smtpd service runs with (its -o override, else main.cf's); each is judged alike.

The seed's server trusted `0.0.0.0/0 ... [::fff:127.0.0.0]/104`: every address on the internet,
plus a typo of Postfix's own `[::ffff:127.0.0.0]/104`. Each entry is judged on its own:

- MP302 (error): a prefix of length 0, `0.0.0.0/0` or `::/0`, or `[::ffff:0.0.0.0]/96` (every
  IPv4 client, written IPv4-mapped), or a NAT64 prefix (`64:ff9b::/96`, `64:ff9b:1::/48`), from
  which every IPv4 client connects behind a translator: it trusts every address.
- MP303 (error): a network that holds more public addresses than a /12 (IPv4: 1,048,576) or a
  /32 (IPv6, the smallest allocation a registry gives an ISP). Public is every address outside the
  special-purpose ranges of RFC 6890 (private, loopback, link-local, documentation, benchmarking,
  reserved; IANA's special-purpose registry) and multicast, from which no client connects: so
  `172.0.0.0/8`, the slip for 172.16.0.0/12, holds 15,728,640 public addresses and is reported,
  where judging by the prefix alone (/8, once the limit) let it pass. A /12 of public space is more
  than one site's own clients use; clients elsewhere log in.
- MP304 (error): host bits set, `192.168.1.5/24`. Postfix's cidr matching refuses it ("non-null
  host address bits") and the mynetworks lookup fails; the author meant either 192.168.1.0/24 or
  the one host, so the hint names both.
- MP305 (error): an address in dotted-quad IPv6 form, `::X:a.b.c.d`, whose X is not `ffff`: a typo
  of the IPv4-mapped prefix `::ffff:` (or the IPv4-compatible form RFC 4291 deprecates). Such an
  entry matches no client, so the author's intent silently does nothing.
- MP306 (warning): a private network wider than one site usually is. Thresholds: the whole of a
  private block (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16,
  fc00::/7, fd00::/8, fe80::/10), or, inside one, a prefix shorter than /16 (IPv4: 65,536
  addresses, a large site) or /48 (IPv6: what RFC 4193 gives one site). Loopback is never warned.

An IPv4-mapped network (`[::ffff:a.b.c.d]/n`, n >= 96) is judged as the IPv4 network it maps: it
names those IPv4 clients (Postfix's own default mynetworks lists `[::ffff:127.0.0.0]/104` beside
127.0.0.0/8), and judging it by the clients it may admit is the safe reading. MP302 and MP305 are reported alone for their entry: once the
entry trusts everyone, or means something else, the finer checks say nothing useful.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Iterator

from mailpolicy.checks.host import Host, Service, TrustedNetwork, Wording
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.networks import IPNetwork, render_network

# Widest public prefixes whose number of public addresses is still accepted (MP303, MP325).
MAX_PUBLIC_WIDTH = {4: 12, 6: 32}
# Inside a private block, prefixes shorter than these draw MP306.
MAX_PRIVATE_WIDTH = {4: 16, 6: 48}

_net = ipaddress.ip_network

# Private address space: (block, what it is). A whole block is wider than one site (MP306).
PRIVATE_BLOCKS: tuple[tuple[IPNetwork, str], ...] = (
    (_net("10.0.0.0/8"), "RFC 1918 private"),
    (_net("172.16.0.0/12"), "RFC 1918 private"),
    (_net("192.168.0.0/16"), "RFC 1918 private"),
    (_net("100.64.0.0/10"), "RFC 6598 carrier-grade NAT (shared by an ISP's customers)"),
    (_net("169.254.0.0/16"), "RFC 3927 link-local"),
    (_net("fc00::/7"), "RFC 4193 unique local"),
    (_net("fe80::/10"), "RFC 4291 link-local"),
)
# Sub-blocks that are also a whole block in practice (every ULA in use is under fd00::/8).
WHOLE_BLOCKS: tuple[IPNetwork, ...] = (_net("fd00::/8"),)
LOOPBACK: tuple[IPNetwork, ...] = (_net("127.0.0.0/8"), _net("::1/128"))
# The other addresses no client on the Internet connects from: RFC 6890's special-purpose ranges
# that are not globally reachable (IANA special-purpose registries), and multicast (RFC 5771,
# RFC 4291). With LOOPBACK and PRIVATE_BLOCKS they do not overlap, so sizes subtract.
NOT_PUBLIC: tuple[IPNetwork, ...] = tuple(_net(n) for n in (
    "0.0.0.0/8", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4", "::/128", "100::/64", "2001:db8::/32", "ff00::/8"))

_MAPPED = _net("::ffff:0:0/96")
# NAT64 prefixes (RFC 6052 well-known /96, RFC 8215 local-use /48): behind a translator every
# IPv4 client on the Internet connects from an address in them, so they are judged as IPv4 too.
_NAT64_WELL_KNOWN = _net("64:ff9b::/96")
_NAT64_REGION = _net("64:ff9b::/32")
_NAT64_PREFIXES = (_NAT64_WELL_KNOWN, _net("64:ff9b:1::/48"))
# An IPv6 address written with an IPv4 tail: `::fff:127.0.0.0`, `0:0:0:0:0:fff:1.2.3.4`.
_DOTTED_TAIL = re.compile(r"^[0-9a-f:]*:(\d{1,3}(?:\.\d{1,3}){3})$", re.IGNORECASE)


def check_trusted_networks(host: Host) -> Iterator[Diagnostic]:
    """Report trusted networks that trust everyone, too much, a typo, or not what was written, in every service."""
    return host.per_service(_judge)


def _judge(service: Service) -> Iterator[Diagnostic]:
    judged_alone = []
    for trusted in service.trusted_networks():
        problems = network_problems(trusted, service.wording)
        yield from problems
        if not any(p.code in (cat.TRUSTED_EVERYONE.code, cat.TRUSTED_TOO_WIDE.code) for p in problems):
            judged_alone.append(trusted)
    yield from union_too_wide(judged_alone)


def union_too_wide(networks: list[TrustedNetwork]) -> list[Diagnostic]:
    """MP325: the public networks together hold more public addresses than a /12 (IPv4) or /32 (IPv6).

    Measured as a union (overlaps count once), so sixteen /12s are as wrong as one /8 wider; the
    entry reported is the first whose addition crosses the limit, found by bisection over the
    entries in policy order (each step collapses the networks once: O(n log^2 n) in all).
    """
    found = []
    for version in (4, 6):
        public = [(t, j) for t in networks if (j := _as_ipv4(t.network) or t.network).version == version
                  and _private_block(j) is None]
        limit = 2 ** (public[0][1].max_prefixlen - MAX_PUBLIC_WIDTH[version]) if public else 0
        if not public or _public_size([j for _t, j in public]) <= limit:
            continue
        low, high = 1, len(public)
        while low < high:  # the shortest prefix of the entries whose union is over the limit
            middle = (low + high) // 2
            if _public_size([j for _t, j in public[:middle]]) > limit:
                high = middle
            else:
                low = middle + 1
        crossing = public[low - 1][0]
        total = _public_size([j for _t, j in public])
        shown = _count(total)
        found.append(cat.TRUSTED_UNION_TOO_WIDE.at(
            crossing.span, f"the trusted IPv{version} networks together hold {shown} public addresses, more than a "
                           f"/{MAX_PUBLIC_WIDTH[version]} holds; with `{crossing.written}` they cross that limit",
            hint="trust only the networks your own clients use; many narrow public networks trust as much of the "
                 "Internet as one wide one: clients elsewhere should authenticate with SASL"))
    return found


def _public_size(networks: list[IPNetwork]) -> int:
    """Return how many addresses of the networks' union are public (public_addresses)."""
    return sum(public_addresses(net) for net in ipaddress.collapse_addresses(networks))


def public_addresses(net: IPNetwork) -> int:
    """Return how many addresses of `net` lie outside loopback, private and the other special ranges.

    Two CIDR networks either nest or are disjoint, so each special range inside `net` is
    subtracted whole, and a `net` inside one holds no public address.
    """
    size = net.num_addresses
    for block in (*LOOPBACK, *(b for b, _kind in PRIVATE_BLOCKS), *NOT_PUBLIC):
        if block.version != net.version:
            continue
        if net.subnet_of(block):
            return 0
        if block.subnet_of(net):
            size -= block.num_addresses
    return size


def network_problems(trusted: TrustedNetwork, wording: Wording) -> list[Diagnostic]:
    """Return the diagnostics of one trusted network entry."""
    written, net = trusted.written, trusted.network
    judged = _as_ipv4(net) or net
    if judged.prefixlen == 0:
        return [_everyone(trusted, judged, wording)]
    typo = _mapped_typo(trusted)
    if typo is not None:
        return [typo]
    found = []
    if trusted.host_bits:
        host = ipaddress.ip_network(_address_part(written))
        found.append(cat.TRUSTED_HOST_BITS.at(
            trusted.span, f"`{written}` has host bits set: Postfix refuses it (\"non-null host address bits\") "
                          "and the mynetworks lookup fails",
            hint=f"did you mean the network {render_network(net)}, or the host {render_network(host)}?"))
    block = _private_block(judged)
    if block is None:
        found.extend(_public_width(trusted, judged))
    else:
        found.extend(_private_width(trusted, judged, *block))
    return found


def _everyone(trusted: TrustedNetwork, judged: IPNetwork, wording: Wording) -> Diagnostic:
    which = "IPv4 address" if judged.version == 4 else "IPv6 address"
    return cat.TRUSTED_EVERYONE.at(
        trusted.span, f"`{trusted.written}` trusts every {which} on the internet: any client in it "
                      "passes permit_mynetworks, so anyone could relay through this server",
        hint=wording.log_in_instead)


def _public_width(trusted: TrustedNetwork, judged: IPNetwork) -> list[Diagnostic]:
    limit = MAX_PUBLIC_WIDTH[judged.version]
    public = public_addresses(judged)
    if public <= 2 ** (judged.max_prefixlen - limit):
        return []
    return [cat.TRUSTED_TOO_WIDE.at(
        trusted.span, f"`{trusted.written}` trusts {_count(public)} public addresses (beyond the private, "
                      f"loopback and other special-purpose ranges of RFC 6890), more than a /{limit} holds",
        hint="trust only the networks your own clients use, each as narrow as it can be; clients "
             "elsewhere should authenticate with SASL")]


def _private_width(trusted: TrustedNetwork, judged: IPNetwork, block: IPNetwork, kind: str) -> list[Diagnostic]:
    if block in LOOPBACK:
        return []
    whole = judged == block or judged in WHOLE_BLOCKS
    limit = MAX_PRIVATE_WIDTH[judged.version]
    if not whole and judged.prefixlen >= limit:
        return []
    extent = (f"the whole {kind} block {judged}" if whole
              else f"{_count(judged.num_addresses)} addresses of the {kind} block {block}")
    return [cat.TRUSTED_WIDE_PRIVATE.at(
        trusted.span, f"`{trusted.written}` trusts {extent}; every host there counts as trusted (mynetworks)",
        hint=f"name the subnets your own clients use (e.g. {_example(judged)}); "
             f"a site's network is rarely wider than /{limit}")]


def _mapped_typo(trusted: TrustedNetwork) -> Diagnostic | None:
    net = trusted.network
    tail = _DOTTED_TAIL.match(_address_part(trusted.written))
    if net.version != 6 or tail is None or net.prefixlen < 96:
        return None
    high = int(net.network_address) >> 32
    if high == 0xFFFF:
        return None
    mapped = ipaddress.ip_network(f"{tail.group(1)}/{net.prefixlen - 96}", strict=False)
    meant = f"[::ffff:{mapped.network_address}]/{net.prefixlen}"
    form = "the deprecated IPv4-compatible form" if high == 0 else f"`::{high:x}:`, not `::ffff:`"
    return cat.TRUSTED_TYPO.at(
        trusted.span, f"`{trusted.written}` is not an IPv4-mapped network ({form}); no real client has such an address",
        hint=f"write {meant}, the IPv4-mapped form of {mapped}")


def _as_ipv4(net: IPNetwork) -> IPNetwork | None:
    """Return the IPv4 network an IPv4-mapped or NAT64 IPv6 network stands for."""
    if net.version != 6:
        return None
    if net.prefixlen >= 96 and (net.subnet_of(_MAPPED) or net.subnet_of(_NAT64_WELL_KNOWN)):
        return ipaddress.ip_network((int(net.network_address) & 0xFFFFFFFF, net.prefixlen - 96))
    if net.subnet_of(_NAT64_REGION) and any(prefix.subnet_of(net) for prefix in _NAT64_PREFIXES):
        return ipaddress.ip_network("0.0.0.0/0")  # holds a whole translation prefix: all of IPv4
    return None


def _private_block(net: IPNetwork) -> tuple[IPNetwork, str] | None:
    """Return the private or loopback block holding all of `net`, or None if any of it is public."""
    for loop in LOOPBACK:
        if net.version == loop.version and net.subnet_of(loop):
            return loop, "loopback"
    for block, kind in PRIVATE_BLOCKS:
        if net.version == block.version and net.subnet_of(block):
            return block, kind
    return None


def _example(net: IPNetwork) -> str:
    """Return the first /24 (IPv4) or /64 (IPv6) of a network: the size of one LAN."""
    return render_network(ipaddress.ip_network((net.network_address, 24 if net.version == 4 else 64)))


def _count(size: int) -> str:
    """Return a number of addresses: `16,777,216`, or `2^96` (rounded down) for IPv6 sizes."""
    return f"2^{size.bit_length() - 1}" if size > 2**32 else f"{size:,}"


def _address_part(written: str) -> str:
    """Return the address of a written network without brackets or prefix: `[::1]/128` -> `::1`."""
    return written.split("/")[0].strip("[]")
