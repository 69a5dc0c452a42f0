"""`set` values: one main.cf line of characters a reader can see, nothing that joins or hides elements."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_text


@pytest.mark.parametrize("character, name", [
    ("\u00a0", "NO-BREAK SPACE"), ("\u200b", "ZERO WIDTH SPACE"), ("\u202e", "RIGHT-TO-LEFT OVERRIDE"),
    ("\u2003", "EM SPACE"), ("\ufeff", "ZERO WIDTH NO-BREAK SPACE"), ("\x9b", "(a control character)"),
])
def test_invisible_characters_in_a_value_are_refused_where_they_stand(tmp_path, character, name) -> None:
    prefix = "set smtpd_recipient_restrictions = permit_sasl_authenticated,"
    c = compile_text(tmp_path, f"{prefix}{character}reject_unauth_destination\n")
    (d,) = c.diagnostics
    assert (d.code, d.span.line, d.span.column, d.span.end_column) == ("MP212", 1, len(prefix) + 1, len(prefix) + 2)
    assert f"U+{ord(character):04X} {name}" in d.message
    assert not c.outputs and c.policy.settings == ()


def test_tabs_and_plain_unicode_text_are_fine(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtpd_banner = $myhostname\tESMTP Grüße\n")
    assert codes(c) == [] and c.policy.settings[0].value == "$myhostname\tESMTP Grüße"


def test_line_breaks_never_reach_a_value(tmp_path) -> None:
    # A CR or a Unicode line separator would start a new main.cf line; the parser refuses them first.
    for breaker in ("\r", "\u2028", "\x0b", "\x85"):
        c = compile_text(tmp_path, f"set smtpd_banner = a{breaker}mynetworks = 0.0.0.0/0\n")
        assert ("MP110", 1) in codes(c) and not c.outputs
        assert c.policy is None or c.policy.settings == ()
