"""The parse stage: statements with positions, and every syntax error located with a hint."""

from __future__ import annotations

import pytest
from lark import Lark

from mailpolicy.parse import parse_text
from mailpolicy.parse import statements as st
from mailpolicy.parse.grammar import grammar_path


def codes(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.column) for d in parse_text(text, "p").diagnostics]


def test_grammar_has_no_conflicts_in_strict_mode() -> None:
    # strict=True refuses shift/reduce conflicts and colliding terminals (needs interegular, a test extra).
    import interegular  # noqa: F401  (a missing one is an error here, not a skip)

    Lark(grammar_path().read_text(), parser="lalr", strict=True)


def test_statements_remember_file_line_and_column() -> None:
    result = parse_text("# comment\n\n  allow user jim as a@example0.com, b@example0.com  # why\n", "site.mailpolicy")
    assert not result.diagnostics
    (allow,) = st.expanded(result.statements)
    assert isinstance(allow, st.AllowUser)
    assert str(allow.span) == "site.mailpolicy:3:3"
    assert allow.login.text == "jim"
    assert [(w.text, w.span.column) for w in allow.addresses] == [("a@example0.com", 21), ("b@example0.com", 37)]


def test_quoted_values_are_unquoted_and_marked() -> None:
    (include,) = parse_text('include "users \\"x\\".mailpolicy"\n', "p").statements
    assert include.path.text == 'users "x".mailpolicy'
    assert include.path.quoted


def test_file_without_final_newline_parses() -> None:
    assert len(parse_text("relay nobody", "p").statements) == 1


def test_crlf_line_endings_are_accepted() -> None:
    result = parse_text("relay nobody\r\nhostname mx.example0.com\r\n", "p")
    assert not result.diagnostics and len(result.statements) == 2


@pytest.mark.parametrize("mode,expected", [
    ("only authenticated", st.RelayMode.AUTHENTICATED),
    ("authenticated or trusted", st.RelayMode.AUTHENTICATED_OR_TRUSTED),
    ("nobody", st.RelayMode.NOBODY),
])
def test_relay_modes(mode: str, expected: st.RelayMode) -> None:
    (relay,) = parse_text(f"relay {mode}\n", "p").statements
    assert relay.mode is expected


def test_keywords_may_be_values_where_a_value_is_expected() -> None:
    (allow,) = st.expanded(parse_text("allow user as as user@example0.com\n", "p").statements)
    assert allow.login.text == "as"


def test_unknown_first_word_suggests_the_statement() -> None:
    (diag,) = parse_text("relya nobody\n", "p").diagnostics
    assert (diag.code, diag.span.column, diag.span.end_column) == ("MP102", 1, 6)
    assert "relay" in diag.hint


def test_missing_keyword_names_what_was_expected_and_how_to_write_it() -> None:
    (diag,) = parse_text("allow user jimminey jcricket@example0.com\n", "p").diagnostics
    assert diag.code == "MP101" and diag.span.column == 21
    assert "`as`" in diag.message
    assert "allow user LOGIN as ADDRESS" in diag.hint


def test_statement_cut_short_is_reported_on_its_own_line() -> None:
    (diag,) = parse_text("relay only\nrelay nobody\n", "p").diagnostics
    assert diag.span.line == 1 and "ends too early" in diag.message


def test_unterminated_string() -> None:
    (diag,) = parse_text('include "users.mailpolicy\n', "p").diagnostics
    assert (diag.code, diag.span.column) == ("MP103", 9)


def test_every_error_in_a_file_is_reported_and_good_lines_still_parse() -> None:
    result = parse_text("relya nobody\nhostname mx.example0.com\nset a b\ntrusted networks 1.2.3.4 5.6.7.8\n", "p")
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("MP102", 1), ("MP101", 3), ("MP101", 4)]
    assert [type(s).__name__ for s in result.statements] == ["Hostname"]


def test_control_characters_are_refused_at_their_column() -> None:
    assert codes("allow user a as b\x00c@example0.com\n") == [("MP110", 1, 18)]
    assert codes("hostname mx\rset x = y\n") == [("MP110", 1, 12)]


def test_many_errors_are_summarised() -> None:
    result = parse_text("bogus\n" * 80, "p")
    assert len(result.diagnostics) == 51
    assert "30 more" in result.diagnostics[-1].message


def test_set_value_takes_the_rest_of_the_line() -> None:
    (setting,) = parse_text("set smtpd_banner = $myhostname ESMTP #1\n", "p").statements
    assert setting.name.text == "smtpd_banner"
    assert setting.value.text == "$myhostname ESMTP #1"
