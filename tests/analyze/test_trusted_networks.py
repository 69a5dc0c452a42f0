"""Trusted networks: everyone, too wide, host bits, `::fff:` typos and wide private ranges."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from mailpolicy.analyze.context import WORDING
from mailpolicy.checks.host import TrustedNetwork
from mailpolicy.checks.trusted_networks import network_problems
from mailpolicy.model.values import network
from mailpolicy.source import Span
from tests.helpers import codes, compile_text

_SPAN = Span("t.mailpolicy", 1, 18, 30)


def problems(written: str):
    """Return the diagnostics of one network as `trusted networks` would hold it."""
    parsed = network(written)
    return network_problems(TrustedNetwork(written, parsed.network, parsed.host_bits, _SPAN), WORDING)


def only(written: str):
    (diagnostic,) = problems(written)
    return diagnostic


@pytest.mark.parametrize("written, family", [
    ("0.0.0.0/0", "IPv4"), ("::/0", "IPv6"), ("[::]/0", "IPv6"), ("[::ffff:0.0.0.0]/96", "IPv4"),
    ("10.0.0.1/0", "IPv4"),  # host bits do not matter: the prefix trusts everyone
])
def test_every_address_is_an_error_that_suggests_sasl(written, family) -> None:
    d = only(written)
    assert d.code == "MP302" and d.is_error
    assert f"every {family} address on the internet" in d.message
    assert "SASL" in d.hint and "relay only authenticated" in d.hint


@pytest.mark.parametrize("written", ["1.0.0.0/7", "0.0.0.0/1", "128.0.0.0/2", "2001::/16", "[2000::]/3",
                                     "[::ffff:8.0.0.0]/101", "10.0.0.0/7", "8.0.0.0/8", "11.0.0.0/11",
                                     # the slip for 172.16.0.0/12: 15,728,640 public addresses
                                     "172.0.0.0/8"])
def test_public_networks_wider_than_the_limit_are_errors(written) -> None:
    assert "MP303" in [d.code for d in problems(written)]


@pytest.mark.parametrize("written", ["11.0.0.0/12", "198.18.0.0/15", "240.0.0.0/4", "192.0.2.0/24", "[2001:db8::]/32", "203.0.113.7",
                                     "[2001:db8:1::]/48", "127.0.0.0/8", "[::1]/128", "[::ffff:127.0.0.0]/104",
                                     "10.1.0.0/16", "192.168.1.0/24", "fd12:3456:789a::/48", "172.20.0.0/16"])
def test_narrow_or_loopback_networks_are_fine(written) -> None:
    assert problems(written) == []


def test_public_width_counts_public_addresses() -> None:
    # 0.0.0.0/1 less 0/8, 10/8, 127/8 and 100.64/10 (RFC 6890: not globally reachable).
    assert f"{2**31 - 3 * 2**24 - 2**22:,} public addresses" in only("0.0.0.0/1").message
    assert "15,728,640 public addresses" in only("172.0.0.0/8").message  # less 172.16.0.0/12
    assert "2^111 public addresses" in only("2001::/16").message  # 2^112 less 2001:db8::/32


@pytest.mark.parametrize("written, meant, host", [
    ("192.168.1.5/24", "192.168.1.0/24", "192.168.1.5/32"),
    ("[2001:db8::1]/64", "[2001:db8::]/64", "[2001:db8::1]/128"),
    ("2001:db8::1/64", "[2001:db8::]/64", "[2001:db8::1]/128"),
])
def test_host_bits_name_the_network_and_the_host(written, meant, host) -> None:
    d = only(written)
    assert d.code == "MP304" and d.is_error and d.span == _SPAN
    assert "non-null host address bits" in d.message
    assert d.hint == f"did you mean the network {meant}, or the host {host}?"


def test_host_bits_and_too_wide_are_both_reported() -> None:
    assert sorted(d.code for d in problems("9.1.2.3/6")) == ["MP303", "MP304"]


@pytest.mark.parametrize("written, fixed, ipv4", [
    ("[::fff:127.0.0.0]/104", "[::ffff:127.0.0.0]/104", "127.0.0.0/8"),
    ("::ff:10.1.2.0/120", "[::ffff:10.1.2.0]/120", "10.1.2.0/24"),
    ("[0:0:0:0:0:fffe:192.0.2.1]/128", "[::ffff:192.0.2.1]/128", "192.0.2.1/32"),
    ("[::127.0.0.1]/104", "[::ffff:127.0.0.0]/104", "127.0.0.0/8"),  # IPv4-compatible, deprecated
])
def test_mapped_prefix_typos_get_the_corrected_form(written, fixed, ipv4) -> None:
    d = only(written)
    assert d.code == "MP305" and d.is_error
    assert d.hint == f"write {fixed}, the IPv4-mapped form of {ipv4}"


def test_typo_names_what_was_written_instead_of_ffff() -> None:
    assert "`::fff:`, not `::ffff:`" in only("[::fff:127.0.0.0]/104").message
    assert "IPv4-compatible" in only("[::127.0.0.1]/104").message


def test_ipv6_without_an_ipv4_tail_is_not_a_typo() -> None:
    assert problems("[::fff:7f00:0]/104") == []  # reserved space, but written as the author meant


@pytest.mark.parametrize("written, whole", [
    ("10.0.0.0/8", True), ("172.16.0.0/12", True), ("192.168.0.0/16", True), ("100.64.0.0/10", True),
    ("169.254.0.0/16", True), ("fc00::/7", True), ("fd00::/8", True), ("fe80::/10", True),
    ("10.0.0.0/12", False), ("10.128.0.0/15", False), ("fd12::/16", False), ("fd12:3456::/47", False),
    ("[::ffff:10.0.0.0]/104", True),
])
def test_wide_private_networks_warn(written, whole) -> None:
    d = only(written)
    assert d.code == "MP306" and not d.is_error
    assert ("the whole" in d.message) is whole
    assert "name the subnets your own clients use" in d.hint


def test_the_seed_networks_are_refused_each_with_its_own_code(tmp_path) -> None:
    c = compile_text(tmp_path, "sasl dovecot private/auth\nallow user a as a@example0.com\n"
                               "relay authenticated or trusted\n"
                               "trusted networks 0.0.0.0/0, 127.0.0.0/8, [::fff:127.0.0.0]/104, [::1]/128\n")
    # MP301 (the open-relay proof) also fires, at the `relay` line that lets those networks relay.
    assert codes(c) == [("MP301", 3), ("MP302", 4), ("MP305", 4)]
    assert [d.span.column for d in c.diagnostics if d.code != "MP301"] == [18, 42]
    assert not c.outputs


def test_a_warning_alone_still_compiles(tmp_path) -> None:
    c = compile_text(tmp_path, "trusted networks 192.168.0.0/16\n")
    assert codes(c) == [("MP306", 1)] and c.outputs


@settings(max_examples=200, derandomize=True)
@given(hs.ip_addresses(v=4), hs.integers(min_value=1, max_value=32))
def test_ipv4_verdicts_follow_the_documented_thresholds(address, prefix) -> None:
    net = ipaddress.ip_network((address, prefix), strict=False)
    found = {d.code for d in problems(f"{net}")}
    blocks = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")
    private = any(net.subnet_of(ipaddress.ip_network(b)) for b in blocks)
    assert ("MP303" in found) == (_public(net) > 2**20)  # more than a /12 of public addresses
    assert ("MP306" in found) == (private and (prefix < 16 or str(net) in blocks))
    assert "MP304" not in found and "MP302" not in found


# RFC 6890's IPv4 ranges that are not globally reachable, and multicast (RFC 5771), written out
# here from the RFC rather than taken from the check.
_NOT_PUBLIC_V4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")]


def _public(net) -> int:
    inside = [b for b in _NOT_PUBLIC_V4 if b.overlaps(net)]
    if any(net.subnet_of(b) for b in inside):
        return 0
    return net.num_addresses - sum(b.num_addresses for b in inside)


@pytest.mark.parametrize("written", ["64:ff9b::/96", "[64:ff9b::]/96", "64:ff9b:1::/48", "64:ff9b::/64"])
def test_nat64_prefixes_trust_every_ipv4_client(written) -> None:
    # RFC 6052 / RFC 8215: behind a NAT64 translator every IPv4 client comes from these prefixes.
    assert only(written).code == "MP302"


def test_a_nat64_slice_is_judged_as_the_ipv4_network_it_embeds() -> None:
    assert problems("[64:ff9b::c000:200]/120") == []  # 192.0.2.0/24


# MP325: the public networks measured as a union. (trusted networks, the entry reported or None)
UNIONS = [
    ("11.0.0.0/13, 11.8.0.0/13", None),  # together exactly one /12: the limit, not over it
    ("11.0.0.0/13, 11.8.0.0/13, 12.0.0.0/24", "12.0.0.0/24"),
    ("11.0.0.0/12, 11.0.0.0/13, 11.8.0.0/13", None),  # overlaps count once
    (", ".join(f"{n}.0.0.0/16" for n in range(20, 37)), "36.0.0.0/16"),  # seventeen /16s: more than a /12
    ("10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 11.0.0.0/12", None),  # private space is not counted
    ("11.0.0.0/12, 198.18.0.0/15, 192.0.2.0/24, 203.0.113.0/24", None),  # nor RFC 6890's other ranges
    ("2001:db6::/33, 2001:db6:8000::/33", None),
    ("2001:db6::/33, 2001:db6:8000::/33, 2001:dba::/48", "2001:dba::/48"),
    ("0.0.0.0/0, 11.0.0.0/24", None),  # MP302 already says it, alone
]


@pytest.mark.parametrize(("written", "reported"), UNIONS)
def test_many_narrow_public_networks_count_as_one_wide_one(tmp_path, written, reported) -> None:
    c = compile_text(tmp_path, f"local domains example0.com\ntrusted networks {written}\n")
    found = [d for d in c.diagnostics if d.code == "MP325"]
    if reported is None:
        assert found == []
    else:
        (d,) = found
        assert d.is_error and f"`{reported}`" in d.message
        assert d.span.column == 18 + written.index(reported)
