"""Names in `set` lines: parameters against the target version, restrictions inside restriction lists."""

from __future__ import annotations

import pytest

from mailpolicy.checks.names import is_restriction_list
from tests.helpers import codes, compile_text


def only(c, code):
    (diagnostic,) = [d for d in c.diagnostics if d.code == code]
    return diagnostic


def test_the_seed_smtp_typo_names_the_client_and_the_server(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtp_recipient_restrictions = reject_unauth_destination\n")
    d = only(c, "MP402")
    assert d.is_error and (d.span.line, d.span.column, d.span.end_column) == (1, 5, 32)
    assert "smtp_ is the SMTP *client*" in d.message
    assert "the server's parameter is `smtpd_recipient_restrictions`" in d.message
    assert "set smtpd_recipient_restrictions" in d.hint
    assert not c.outputs


def test_the_reverse_swap_names_the_client_parameter(tmp_path) -> None:
    d = only(compile_text(tmp_path, "set smtpd_sasl_password_maps = hash:/etc/postfix/relay_passwords\n"), "MP402")
    assert "smtpd_ is the SMTP *server*" in d.message and "`smtp_sasl_password_maps`" in d.message


def test_a_valid_client_name_with_a_server_twin_gets_a_note_only(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtp_tls_security_level = may\n")
    d = only(c, "MP402")
    assert d.severity.value == "note" and "`smtpd_tls_security_level`" in d.message and c.outputs


def test_no_note_when_both_sides_are_set(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtp_tls_security_level = may\nset smtpd_tls_security_level = may\n")
    assert codes(c) == []


def test_unknown_name_suggests_the_closest(tmp_path) -> None:
    d = only(compile_text(tmp_path, "\nset smtpd_recipent_limit = 3\n"), "MP401")
    assert d.span.line == 2 and "unknown Postfix 3.7 parameter `smtpd_recipent_limit`" in d.message
    assert d.hint == "did you mean `smtpd_recipient_limit`?"


def test_unknown_name_without_a_close_one_points_at_postconf(tmp_path) -> None:
    d = only(compile_text(tmp_path, "set frobnicate_everything = yes\n"), "MP401")
    assert "postconf(5) of Postfix 3.7" in d.hint


def test_a_name_of_a_later_version_says_which(tmp_path) -> None:
    d = only(compile_text(tmp_path, "postfix 2.10\nset smtputf8_enable = yes\n"), "MP403")
    assert "needs Postfix 3.0 or later (target is Postfix 2.10)" in d.message
    assert codes(compile_text(tmp_path, "postfix 3.7\nset smtputf8_enable = yes\n")) == []


def test_deprecated_name_is_a_warning_with_its_replacement(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtpd_use_tls = yes\n")
    d = only(c, "MP405")
    assert not d.is_error and d.hint == "use `smtpd_tls_security_level`" and c.outputs


def test_restriction_class_names_are_parameters_the_user_defines(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtpd_restriction_classes = freemail\n"
                               "set freemail = reject_unlisted_sender, frobnicate\n")
    assert codes(c) == [("MP316", 2)]
    assert only(c, "MP316").span.column == 40


def test_the_seed_removed_restriction_on_a_version_without_it(tmp_path) -> None:
    text = "postfix {}\nset smtpd_recipient_restrictions = permit_mynetworks, check_relay_domains\n"
    d = only(compile_text(tmp_path, text.format("3.10")), "MP702")
    assert d.is_error and (d.span.line, d.span.column, d.span.end_column) == (2, 55, 74)
    assert "not supported by Postfix 3.10" in d.message and "451 Server configuration error" in d.message
    assert d.hint == "use `reject_unauth_destination`"
    deprecated = only(compile_text(tmp_path, text.format("3.7")), "MP703")
    assert not deprecated.is_error and "deprecated" in deprecated.message


def test_unknown_restriction_is_located_and_case_does_not_matter(tmp_path) -> None:
    value = ("Permit_SASL_Authenticated, permit_mynetwork, check_client_access hash:/etc/postfix/access, "
             "reject_rbl_client zen.example, cidr:/etc/postfix/clients, sleep 1, reject_unauth_destination")
    c = compile_text(tmp_path, f"set smtpd_recipient_restrictions = {value}\n")
    d = only(c, "MP316")
    assert d.span.column == len("set smtpd_recipient_restrictions = ") + value.index("permit_mynetwork,") + 1
    assert d.span.end_column - d.span.column == len("permit_mynetwork")
    assert d.hint == "did you mean `permit_mynetworks`?"


def test_a_restriction_too_new_for_the_target(tmp_path) -> None:
    c = compile_text(tmp_path, "postfix 2.10\nset smtpd_client_restrictions = check_client_a_access hash:/x\n")
    assert "needs Postfix 3.0 or later" in only(c, "MP316").message


def test_a_misspelt_list_still_has_its_restrictions_checked(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtp_recipient_restrictions = permit_mynetworks, frobnicate\n")
    assert sorted(codes(c)) == [("MP316", 1), ("MP402", 1)]


def test_values_of_other_parameters_are_not_restriction_lists(tmp_path) -> None:
    assert codes(compile_text(tmp_path, "set smtpd_relay_before_recipient_restrictions = yes\n"
                                        "set smtpd_helo_required = yes\n")) == []


@pytest.mark.parametrize("name, expected", [
    ("smtpd_client_restrictions", True), ("smtpd_end_of_data_restrictions", True),
    ("smtp_recipient_restrictions", True), ("smtpd_relay_before_recipient_restrictions", False),
    ("smtpd_helo_required", False), ("freemail", False),
])
def test_which_parameters_hold_restriction_lists(name, expected) -> None:
    assert is_restriction_list(name, "3.7") is expected
    assert is_restriction_list("freemail", "3.7", frozenset({"freemail"}))
