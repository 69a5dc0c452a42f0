"""Checks of the core compiler: SASL paths, owners, and `set` lines that fight the policy."""

from __future__ import annotations

from tests.helpers import codes, compile_text


def test_absolute_path_outside_the_chroot_is_an_error_that_explains(tmp_path) -> None:
    c = compile_text(tmp_path, "sasl dovecot /var/run/dovecot/auth\n")
    (diag,) = [d for d in c.diagnostics if d.code == "MP310"]
    assert "/var/spool/postfix/var/run/dovecot/auth" in diag.message
    assert diag.span.column == 14 and not c.outputs


def test_absolute_path_under_the_chroot_gets_a_note(tmp_path) -> None:
    c = compile_text(tmp_path, "sasl dovecot /var/spool/postfix/private/auth\nallow user a as a@example0.com\n")
    assert [d.code for d in c.diagnostics] == ["MP311"] and c.outputs


def test_dovecot_socket_outside_private_is_an_error(tmp_path) -> None:
    assert ("MP312", 1) in codes(compile_text(tmp_path, "sasl dovecot auth-client\n"))
    assert ("MP312", 1) in codes(compile_text(tmp_path, "sasl dovecot /var/spool/postfix/auth-client\n"))


def test_allow_user_and_authenticated_relay_need_sasl(tmp_path) -> None:
    c = compile_text(tmp_path, "relay only authenticated\nallow user a as a@example0.com\n")
    assert ("MP308", 2) in codes(c) and ("MP309", 1) in codes(c)


def test_sasl_without_owners_warns(tmp_path) -> None:
    assert codes(compile_text(tmp_path, "sasl dovecot private/auth\n")) == [("MP315", 1)]


def test_address_in_a_foreign_domain_warns_once_per_domain(tmp_path) -> None:
    c = compile_text(tmp_path, "local domains example0.com\nsasl dovecot private/auth\n"
                               "allow user a as a@example9.com, b@example9.com, a@example0.com\n")
    assert codes(c) == [("MP314", 3)]


def test_duplicate_allow_warns(tmp_path) -> None:
    c = compile_text(tmp_path, "sasl dovecot private/auth\nallow user a as a@x.example\nallow user a as A@x.example\n")
    assert ("MP214", 3) in codes(c)


def test_set_of_a_managed_parameter_points_at_the_managing_statement(tmp_path) -> None:
    c = compile_text(tmp_path, "trusted networks 10.1.0.0/16\nset mynetworks = 0.0.0.0/0\n")
    (diag,) = [d for d in c.diagnostics if d.code == "MP406"]
    assert diag.span.line == 2 and diag.related[0].span.line == 1
    assert "trusted networks" in diag.hint


def test_same_parameter_set_twice(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtpd_banner = a\nset smtpd_banner = b\n")
    assert ("MP407", 2) in codes(c)
