"""Shortcuts taken for size answer as the plain scans they replace."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from mailpolicy.simulate.lookup import Table
from mailpolicy.simulate import proof
from mailpolicy.simulate.proof import _one_key_per_form

FEW = settings(max_examples=300, derandomize=True, deadline=None)
_KEYS = ("a@x.example", "b@x.example", "B@X.example", "@x.example", "@y.example", "user", "User", "c@y.example",
         "d@", "@", "", "e@f@x.example", "first.last")


def one_key_per_form_by_scan(keys: list[str]) -> list[str]:
    chosen: dict[tuple[str, str], str] = {}
    for key in keys:
        local, at, domain = key.rpartition("@")
        form = "user" if not at else ("@domain" if not local else "address")
        # Every bare `user` is one form: smtpd asks a bare local part of local domains only.
        chosen.setdefault((form, domain.lower() if at else ""), key)
    return list(chosen.values())


@FEW
@given(st.lists(st.sampled_from(_KEYS), max_size=10), st.sampled_from((1, 2, 3, 1 << 16)))
def test_one_key_per_form_is_the_first_of_each_form_in_order(keys: list[str], slice_size: int) -> None:
    saved, proof._SLICE = proof._SLICE, slice_size  # small slices: a form first seen in a later slice
    try:
        assert _one_key_per_form(iter(keys)) == one_key_per_form_by_scan(keys)
    finally:
        proof._SLICE = saved


def test_bare_keys_of_a_big_login_map_are_one_form() -> None:
    # Owned addresses of local domains write their bare key too (plan/sender_map.py): one sender
    # per bare key would make the relay proof and the shading check grow with the map.
    keys = [f"user{i}@x.example" for i in range(1000)] + [f"user{i}" for i in range(1000)] + ["a.b"]
    assert _one_key_per_form(iter(keys)) == ["user0@x.example", "user0"]


_NETWORKS = ("10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "0.0.0.0/0", "192.0.2.0/24",
             "::/0", "2001:db8::/32", "2001:db8::1/128", "[2001:db8::]/48", "not-a-network", "10.1.2.9/8")
_ADDRESSES = ("10.1.2.3", "10.9.9.9", "192.0.2.1", "198.51.100.1", "2001:db8::1", "2001:db9::1", "[2001:db8::5]",
              "junk", "::ffff:10.1.2.3")


def cidr_by_scan(entries: dict[str, str], key: str) -> str | None:
    try:
        address = ipaddress.ip_address(key.strip("[]"))
    except ValueError:
        return None
    for pattern, value in entries.items():
        try:
            network = ipaddress.ip_network(pattern.replace("[", "").replace("]", ""), strict=False)
        except ValueError:
            continue
        if address in network:
            return value
    return None


@FEW
@given(st.lists(st.sampled_from(_NETWORKS), max_size=8, unique=True), st.sampled_from(_ADDRESSES))
def test_a_cidr_table_answers_with_the_first_network_written_that_holds_the_address(networks, address) -> None:
    entries = {network: f"value {index}" for index, network in enumerate(networks)}
    assert Table("cidr", entries).find(address) == cidr_by_scan(entries, address)
