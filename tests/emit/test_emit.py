"""The emit stage: main.cf and map text."""

from __future__ import annotations

from tests.helpers import compile_text


def test_main_cf_cites_sources_relative_to_the_policy_and_has_no_timestamp(tmp_path) -> None:
    c = compile_text(tmp_path, "sasl dovecot private/auth\nrelay only authenticated\nset smtpd_helo_required = yes\n"
                               'include "inc/users.mailpolicy"\n',
                     **{"inc__users.mailpolicy": 'allow user a as a@example0.com\ninclude "x.mailpolicy"\n',
                        "inc__x.mailpolicy": "set smtpd_tls_security_level = may\n"})
    text = c.outputs["main.cf"]
    assert "(allow user lines)" in text and "(site.mailpolicy: relay)" in text
    assert "(inc/x.mailpolicy: set smtpd_tls_security_level)" in text
    assert str(tmp_path) not in text
    assert "20" not in text.split("\n")[0]  # no date in the header


def test_restriction_lists_are_one_entry_a_line_with_continuations(tmp_path) -> None:
    text = compile_text(tmp_path, "sasl dovecot private/auth\nrelay only authenticated\n").outputs["main.cf"]
    assert "smtpd_relay_restrictions =\n    permit_sasl_authenticated,\n    reject_unauth_destination\n" in text


def test_map_lines_are_address_tab_owners(tmp_path) -> None:
    c = compile_text(tmp_path, "sasl dovecot private/auth\nsender map texthash:/etc/postfix/owners\n"
                               "allow user a as x@example0.com\nallow user b as x@example0.com\n")
    lines = [line for line in c.outputs["owners"].splitlines() if not line.startswith("#")]
    assert lines == ["x@example0.com\ta, b"]
    assert "no postmap needed" in c.outputs["owners"]


def test_nothing_is_emitted_when_there_are_errors(tmp_path) -> None:
    assert compile_text(tmp_path, "hostname mx\n").outputs == {}
