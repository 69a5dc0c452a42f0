"""Value validation: what becomes a token of main.cf or a map must mean exactly what was written."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from mailpolicy.model import values
from mailpolicy.postfix.networks import render_network


@pytest.mark.parametrize("text,expected", [
    ("Example0.COM", "example0.com"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("example0.com.", "example0.com"),
])
def test_domains_are_normalised(text: str, expected: str) -> None:
    assert values.domain(text) == expected


@pytest.mark.parametrize("text", ["", "exa mple.com", "a..b", "-a.com", "a$b.com", "a,b.com", "x" * 64 + ".com"])
def test_bad_domains_are_refused(text: str) -> None:
    with pytest.raises(values.ValueProblem):
        values.domain(text)


@pytest.mark.parametrize("text,expected", [
    ("JCricket@Example0.com", "jcricket@example0.com"),
    ("@example0.com", "@example0.com"),
    ("first.last+tag@example0.com", "first.last+tag@example0.com"),
    # RFC 5322 atext smtpd accepts and postmap keys as written.
    ("A=B@example0.com", "a=b@example0.com"),
    ("{Team}@example0.com", "{team}@example0.com"),
])
def test_addresses_are_lower_cased_like_postmap_keys(text: str, expected: str) -> None:
    assert values.address(text) == expected


@pytest.mark.parametrize("text", [
    "victim%gmail.test@example0.com", "gmail.test!victim@example0.com", "a@b@example0.com",
    ".a@example0.com", "a..b@example0.com", "nodomain", "a#b@example0.com",
    "a$b@example0.com", "ä@example0.com",
])
def test_bad_addresses_are_refused(text: str) -> None:
    with pytest.raises(values.ValueProblem):
        values.address(text)


@pytest.mark.parametrize("text", ["jimminey", "j.cricket@example0.com", "user_1", "a+b-c"])
def test_good_logins(text: str) -> None:
    assert values.login(text) == text


@pytest.mark.parametrize("text", ["", "-rf", "a b", "a,b", "a#b", "a=b", "a$b", "a\nb", "x" * 256])
def test_bad_logins(text: str) -> None:
    with pytest.raises(values.ValueProblem):
        values.login(text)


def test_networks_in_every_spelling() -> None:
    assert values.network("[::1]/128").network == ipaddress.ip_network("::1/128")
    assert values.network("::1/128").network == ipaddress.ip_network("::1/128")
    assert values.network("10.0.0.1").network == ipaddress.ip_network("10.0.0.1/32")
    assert values.network("192.168.1.5/24").host_bits
    assert not values.network("192.168.1.0/24").host_bits


def test_ipv6_networks_are_rendered_in_brackets_for_mynetworks() -> None:
    assert render_network(ipaddress.ip_network("2001:db8::/32")) == "[2001:db8::]/32"
    assert render_network(ipaddress.ip_network("10.0.0.0/8")) == "10.0.0.0/8"


@pytest.mark.parametrize("text", ["10.0.0.0/33", "300.1.1.1", "[::1/128", "example.com"])
def test_bad_networks(text: str) -> None:
    with pytest.raises(values.ValueProblem):
        values.network(text)


def test_sender_maps() -> None:
    assert values.sender_map("lmdb:/etc/postfix/owners") == ("lmdb", "/etc/postfix/owners")
    for bad in ("/etc/postfix/owners", "mysql:/etc/x.cf", "hash:relative", "hash:/etc/po stfix", "hash:/etc/$x"):
        with pytest.raises(values.ValueProblem):
            values.sender_map(bad)


def test_versions() -> None:
    assert values.version("3.7") == "3.7"
    assert values.version("3.10") == "3.10"
    for bad in ("3", "2.9", "4.0", "3.7.11", "x"):
        with pytest.raises(values.ValueProblem):
            values.version(bad)


_ADDRESS_PIECES = ("a", "B", "x.y", "..", ".", "+", "'", "é", "%", "!", "@", "-", "xn--bcher-kva", "example0",
                   ".com", "COM", "a" * 64, "-bad-", "1", "_")


@settings(max_examples=400, derandomize=True, deadline=None)
@given(hst.lists(hst.sampled_from(_ADDRESS_PIECES), max_size=7))
def test_the_canonical_shortcut_answers_as_the_full_check(pieces: list[str]) -> None:
    text = "".join(pieces)

    def outcome(check):
        try:
            return check(text)
        except values.ValueProblem as problem:
            return problem.message

    assert outcome(values.address) == outcome(values.checked_address)
