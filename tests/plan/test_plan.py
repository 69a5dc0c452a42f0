"""The plan: which parameters, in which order, and the ordering rules of the restriction lists."""

from __future__ import annotations

import pytest

from tests.helpers import compile_text

SASL = "sasl dovecot private/auth\n"


def relay_list(tmp_path, text: str) -> list[str]:
    return [e.name for e in compile_text(tmp_path, text).plan.parameter("smtpd_relay_restrictions").entries]


@pytest.mark.parametrize("mode,entries", [
    ("relay nobody", ["reject_unauth_destination"]),
    ("relay only authenticated", ["permit_sasl_authenticated", "reject_unauth_destination"]),
    ("relay only trusted", ["permit_mynetworks", "reject_unauth_destination"]),
    ("relay authenticated or trusted", ["permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination"]),
])
def test_relay_list_always_ends_in_reject_unauth_destination(tmp_path, mode, entries) -> None:
    assert relay_list(tmp_path, SASL + mode + "\n") == entries


def test_permit_mynetworks_only_when_trusted_clients_may_relay(tmp_path) -> None:
    plan = compile_text(tmp_path, SASL + "trusted networks 192.0.2.0/24\nrelay only authenticated\n").plan
    every_entry = [e.name for p in plan.parameters for e in (p.entries or ())]
    assert "permit_mynetworks" not in every_entry


def test_sender_login_mismatch_stands_alone_in_the_sender_list(tmp_path) -> None:
    plan = compile_text(tmp_path, SASL + "relay only authenticated\nallow user j as j@example0.com\n").plan
    assert [e.name for e in plan.parameter("smtpd_sender_restrictions").entries] == ["reject_sender_login_mismatch"]
    assert plan.parameter("smtpd_sender_login_maps").value == "hash:/etc/postfix/controlled_envelope_senders"


def test_without_owners_the_sender_list_is_explicitly_empty(tmp_path) -> None:
    plan = compile_text(tmp_path, "relay nobody\n").plan
    assert plan.parameter("smtpd_sender_restrictions").value == ""
    assert plan.parameter("smtpd_sender_login_maps") is None


def test_mynetworks_is_loopback_when_no_network_is_trusted(tmp_path) -> None:
    assert compile_text(tmp_path, "").plan.parameter("mynetworks").value == "127.0.0.0/8 [::1]/128"


def test_parameter_order_is_fixed_whatever_the_statement_order(tmp_path) -> None:
    a = compile_text(tmp_path, "set b_x = 1\nset a_x = 2\nrelay nobody\nhostname m.example0.com\n", "a.mailpolicy")
    b = compile_text(tmp_path, "hostname m.example0.com\nrelay nobody\nset a_x = 2\nset b_x = 1\n", "b.mailpolicy")
    assert [p.name for p in a.plan.parameters] == [p.name for p in b.plan.parameters]
    assert [p.name for p in a.plan.parameters][-2:] == ["a_x", "b_x"]


@pytest.mark.parametrize("version,level", [("3.7", "3.6"), ("3.6", "3.6"), ("3.4", "2"), ("2.11", None)])
def test_compatibility_level_follows_the_target_version(tmp_path, version, level) -> None:
    param = compile_text(tmp_path, f"postfix {version}\n").plan.parameter("compatibility_level")
    assert (param.value if param else None) == level


def test_sender_map_merges_owners_and_sorts_keys(tmp_path) -> None:
    plan = compile_text(tmp_path, SASL + "allow user b as X@example0.com\nallow user a as x@example0.com, "
                                         "@example0.com\nallow user b as x@example0.com\n").plan
    assert [(e.key, e.owners) for e in plan.sender_map.entries] == [
        ("@example0.com", ("a",)), ("x@example0.com", ("b", "a"))]


@pytest.mark.parametrize("written,chroot,expected", [
    ("private/auth", "", "private/auth"),
    ("/var/spool/postfix/private/auth", "", "private/auth"),
    ("/srv/queue/private/auth", "chroot /srv/queue\n", "private/auth"),
    ("/run/dovecot/auth-client", "chroot off\n", "/run/dovecot/auth-client"),
])
def test_sasl_path_is_made_chroot_relative(tmp_path, written, chroot, expected) -> None:
    c = compile_text(tmp_path, f"{chroot}sasl dovecot {written}\n")
    assert c.plan.parameter("smtpd_sasl_path").value == expected


def test_cyrus_path_is_the_application_name(tmp_path) -> None:
    assert compile_text(tmp_path, "sasl cyrus\n").plan.parameter("smtpd_sasl_path").value == "smtpd"
