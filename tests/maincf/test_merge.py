"""Merging a compiled plan into a base main.cf: managed values in place, every other byte kept."""

from __future__ import annotations

from pathlib import Path

from mailpolicy.emit.provenance import Provenance
from mailpolicy.maincf.merge import BLOCK_BEGIN, BLOCK_END, merge_main_cf
from mailpolicy.output.marker import add_marker
from mailpolicy.postfix.main_cf import read_main_cf
from tests.helpers import SMALL_POLICY, compile_text

POLICY = SMALL_POLICY + "set smtpd_tls_security_level = may\n"

BASE = (
    "# Debian's main.cf\r\n"
    "smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)\r\n"
    "biff = no\r\n"
    "\r\n"
    "smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination\r\n"
    "myhostname = mx.example0.com\r\n"
    "mynetworks = 0.0.0.0/0\r\n"
    "    # the phone\r\n"
    "    10.0.0.0/8\r\n"
    "alias_maps = hash:/etc/aliases\r\n"
    "smtpd_tls_security_level=none\r\n"
    "inet_interfaces = all"
)


def _merge(tmp_path: Path, base: str, policy: str = POLICY):
    compilation = compile_text(tmp_path, policy)
    assert compilation.ok, compilation.diagnostics
    return merge_main_cf(read_main_cf(base, "base.cf"), compilation.plan, Provenance(compilation.path))


def test_managed_values_are_replaced_in_place_and_every_other_line_is_kept(tmp_path: Path) -> None:
    merged = _merge(tmp_path, BASE)
    lines = merged.text.split("\r\n")
    assert lines[:11] == [
        "# Debian's main.cf",
        "smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)",
        "biff = no",
        "",
        "smtpd_relay_restrictions =",
        "    permit_sasl_authenticated,",
        "    reject_unauth_destination",
        "myhostname = mx.example0.com",
        "mynetworks = 127.0.0.0/8 [::1]/128",
        "    # the phone",
        "alias_maps = hash:/etc/aliases",
    ]
    assert lines[11:13] == ["smtpd_tls_security_level = may", "inet_interfaces = all"]


def test_parameters_the_base_lacks_are_appended_in_a_marked_block(tmp_path: Path) -> None:
    merged = _merge(tmp_path, BASE)
    tail = merged.text.split("inet_interfaces = all\r\n", 1)[1].split("\r\n")
    assert tail[0] == ""
    assert tail[1].startswith(BLOCK_BEGIN)
    assert tail[-2:] == [BLOCK_END, ""]
    names = [line.split(" =")[0] for line in tail if " =" in line and not line.startswith("#")]
    assert names == ["compatibility_level", "mydestination", "smtpd_sasl_auth_enable", "smtpd_sasl_type",
                     "smtpd_sasl_path", "smtpd_sender_login_maps", "smtpd_sender_restrictions",
                     "smtpd_data_restrictions"]
    assert "mydestination = $myhostname, localhost, example0.com" in tail
    assert any(line.endswith("(local domains lines)") for line in tail)


def test_contradicting_base_values_are_reported_at_the_base_line(tmp_path: Path) -> None:
    merged = _merge(tmp_path, BASE)
    found = [(d.code, d.span.line, d.severity.value) for d in merged.diagnostics]
    assert found == [("MP604", 5, "warning"), ("MP604", 7, "warning"), ("MP604", 11, "warning")]
    mynetworks = merged.diagnostics[1]
    assert "mynetworks = 0.0.0.0/0 10.0.0.0/8" in mynetworks.message
    relay = merged.diagnostics[0]
    assert relay.related[0].span.line == 5 and relay.related[0].span.path.endswith("site.mailpolicy")


def test_same_value_in_another_layout_is_not_a_conflict(tmp_path: Path) -> None:
    base = "smtpd_relay_restrictions = permit_sasl_authenticated\n  reject_unauth_destination\n"
    merged = _merge(tmp_path, base)
    assert merged.diagnostics == ()
    assert merged.text.startswith("smtpd_relay_restrictions =\n    permit_sasl_authenticated,\n")


def test_merging_into_an_earlier_merge_gives_it_again(tmp_path: Path) -> None:
    first = _merge(tmp_path, BASE)
    deployed = add_marker(first.text, "site.mailpolicy")
    again = _merge(tmp_path, deployed)
    assert again.text == first.text
    assert again.diagnostics == ()


def test_a_changed_policy_replaces_the_old_block_instead_of_adding_one(tmp_path: Path) -> None:
    first = _merge(tmp_path, BASE)
    changed = _merge(tmp_path, first.text, POLICY.replace("set smtpd_tls_security_level = may\n",
                                                          "set smtpd_tls_loglevel = 1\n"))
    assert changed.text.count(BLOCK_BEGIN) == 1
    assert "smtpd_tls_loglevel = 1" in changed.text
    # The base's own line for the dropped setting is the base's again: kept as the merge left it.
    assert "smtpd_tls_security_level = may\r\n" in changed.text


def test_managed_parameter_the_policy_leaves_unset_keeps_the_base_value(tmp_path: Path) -> None:
    # (myhostname is no such parameter any more: a policy without `hostname` is refused, MP216.)
    policy = "postfix 3.7\nhostname mx.example0.com\nrelay nobody\n"
    merged = _merge(tmp_path, "smtpd_sasl_auth_enable = yes\nsmtpd_sasl_path = private/auth\n", policy)
    assert merged.text.startswith("smtpd_sasl_auth_enable = yes\nsmtpd_sasl_path = private/auth\n")
    assert [(d.code, d.span.line) for d in merged.diagnostics] == [("MP608", 1), ("MP608", 2)]


def test_every_definition_of_a_managed_parameter_is_replaced(tmp_path: Path) -> None:
    merged = _merge(tmp_path, "mynetworks = 0.0.0.0/0\nmynetworks = 10.0.0.0/8\n")
    assert merged.text.startswith("mynetworks = 127.0.0.0/8 [::1]/128\nmynetworks = 127.0.0.0/8 [::1]/128\n")
    assert [d.span.line for d in merged.diagnostics if d.code == "MP604"] == [1, 2]


def test_lines_postfix_refuses_are_reported(tmp_path: Path) -> None:
    merged = _merge(tmp_path, "  indented = 1\nbroken line\nbiff = no\n")
    assert [(d.code, d.span.line, d.severity.value) for d in merged.diagnostics] == [
        ("MP607", 1, "warning"), ("MP607", 2, "error")]
    assert merged.text.startswith("  indented = 1\nbroken line\nbiff = no\n")


def test_empty_base_gets_only_the_block(tmp_path: Path) -> None:
    merged = _merge(tmp_path, "")
    assert merged.text.startswith(BLOCK_BEGIN)
    assert merged.text.endswith(BLOCK_END + "\n")
