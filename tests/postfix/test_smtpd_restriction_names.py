"""Restriction names smtpd 3.7 accepts but postconf(5) no longer lists are old names, not unknown ones."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mailpolicy.postfix import parameters as P
from mailpolicy.postfix.restriction_lists import takes_argument
from tests.helpers import compile_text
from tests.postfix_support import booted_sandbox

# Accepted by a sandboxed smtpd 3.7.11 (measured), each the old name of a documented restriction.
OLD_NAMES = {"check_recipient_maps": "reject_unlisted_recipient", "reject_rbl": "reject_rbl_client",
             "reject_unknown_address": "reject_unknown_sender_domain"}
# Strings of the smtpd 3.7.11 binary shaped like restriction names that smtpd answers with
# "unknown smtpd restriction" (measured one by one): function and parameter names.
NOT_RESTRICTIONS = frozenset("""
    check check_access check_addr check_addr_access check_address_map check_domain_access check_mail_access
    check_namadr_access check_queue check_rewrite check_server_access check_table_result defer_code
    permit_actions permit_dnswl_addr permit_dnswl_domain permit_mx_backup_networks permit_mx_primary
    reject_code reject_footer reject_footer_maps reject_invalid_hostaddr reject_non_fqdn_address reject_rbl_addr
    reject_rbl_domain reject_reason reject_reply reject_tempfail_action reject_unknown_mailhost
    reject_unknown_reverse_name reject_unverified_address reject_warning warn
    warn_compat_break_mynetworks_style warn_compat_break_relay_domains warn_compat_break_relay_restrictions
    warn_compat_break_smtpd_tls_fpt_dgst warn_compat_break_smtputf8_enable warn_compat_relay_before_rcpt_checks
""".split())
# The tail of each printable string: the linker shares one string's tail with a shorter one.
_CANDIDATE = re.compile(rb"(?:permit|reject|check|defer|warn)(?:_[a-z0-9]+)*(?=\0)")


@pytest.mark.parametrize("name, instead", sorted(OLD_NAMES.items()))
def test_old_names_smtpd_accepts_are_deprecated_not_unknown(name: str, instead: str) -> None:
    problem = P.check_restriction(name, "3.7")
    assert (problem.kind, problem.suggestion) == ("deprecated", instead)
    assert takes_argument(name) is (name == "reject_rbl")


def test_the_compile_check_warns_about_old_names_and_skips_their_arguments(tmp_path) -> None:
    value = "permit_mynetworks, check_recipient_maps, reject_rbl zen.example, reject_unknown_address, permit"
    c = compile_text(tmp_path, f"postfix 3.7\nset smtpd_recipient_restrictions = {value}\n")
    found = [(d.code, d.span.column) for d in c.diagnostics if d.code in ("MP316", "MP703")]
    assert found == [("MP703", 36 + value.index(name)) for name in
                     ("check_recipient_maps", "reject_rbl", "reject_unknown_address")]


@pytest.mark.postfix
def test_every_restriction_shaped_string_of_smtpd_is_known_or_measured_unknown() -> None:
    daemons = subprocess.run(["postconf", "-h", "daemon_directory"], capture_output=True, text=True, timeout=30)
    binary = Path(daemons.stdout.strip()) / "smtpd"
    found = {m.group().decode() for m in _CANDIDATE.finditer(binary.read_bytes())}
    known = P.restriction_names() | P.obsolete_restriction_names()
    assert set(OLD_NAMES) <= found
    assert found - known - NOT_RESTRICTIONS == set()


@pytest.mark.postfix
def test_smtpd_runs_the_old_names_without_a_configuration_error() -> None:
    main_cf = ("compatibility_level = 3.6\nmydestination = example0.com\nmynetworks = 127.0.0.1/32\n"
               "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
               "smtpd_recipient_restrictions = check_recipient_maps, reject_unknown_address, "
               "reject_rbl rbl.invalid, permit\n")
    for sandbox in booted_sandbox(main_cf, chroot=False):
        attempt = sandbox.try_send("127.0.0.1", None, None, "x@example0.com", "friend@gmail.test")
        assert (attempt.code, attempt.stage) == (250, "rcpt"), attempt
        assert "unknown smtpd restriction" not in sandbox.log()
