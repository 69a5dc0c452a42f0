"""The expressions composed from the grammar, and line-by-line parsing, build exactly what lark builds."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from lark.exceptions import UnexpectedInput

from mailpolicy.parse import parse_text
from mailpolicy.parse import statements as st
from mailpolicy.parse.grammar import _lark_trees, build_parser, parse_line_with_lark
from mailpolicy.parse.lines import RowCollector, build_statement, line_reader
from mailpolicy.parse.parser import MAX_SYNTAX_ERRORS
from mailpolicy.parse.statement_builder import StatementBuilder
from tests.perf.strategies import policy_lines, policy_texts, statement_lines

FEW = settings(max_examples=300, derandomize=True, deadline=None)


def lark_line(line: str, number: int = 7):
    """Return what lark alone makes of one line, or the error it raises."""
    try:
        return tuple(parse_line_with_lark(line, number, "p"))
    except UnexpectedInput as error:
        return type(error)


def whole_file_oracle(text: str) -> tuple[tuple, list[int]]:
    """Parse the whole text with lark, blanking each failing line, as the parser first did."""
    lines = text.replace("\r\n", "\n").split("\n")
    bad: list[int] = []
    while True:
        try:
            tree = build_parser().parse("\n".join(lines) + "\n")
            return tuple(_whole_file()("p", 0).transform(tree)), bad
        except UnexpectedInput as error:
            line = error.token.line if hasattr(error, "token") and error.token.type == "_NL" else error.line
            bad.append(line)
            lines[line - 1] = ""


def _whole_file():
    class WholeFile(_lark_trees()):
        """Lark's tree of a whole file: each subtree on its own line."""

        def __default__(self, data, children, meta):
            self.number = meta.line
            return super().__default__(data, children, meta)

        def __default_token__(self, token):
            self.number = token.line
            return super().__default_token__(token)

    return WholeFile


def fast_line(line: str, number: int = 7):
    """Return what the expressions composed from the grammar make of one line, or None (lark's to decide)."""
    reader = line_reader()
    if reader.is_blank(line):
        return ()
    node = reader.tree(line, number, "p")
    return None if node is None else (build_statement(node, StatementBuilder()),)


def rows_line(line: str, number: int = 7):
    """Return the statement the `allow user` rows make of one line, or None when they leave it."""
    rows = RowCollector("p")
    if not rows.take(line, number):
        return None
    return tuple(rows.flush()[0].expand())


@FEW
@given(policy_lines())
def test_a_line_the_rows_take_is_the_line_lark_builds(line: str) -> None:
    found = rows_line(line)
    if found is not None:  # most generated lines are quoted or broken: the rows leave those alone
        assert found == lark_line(line)


@FEW
@given(policy_lines())
def test_a_line_the_expressions_take_is_the_line_lark_builds(line: str) -> None:
    found = fast_line(line)
    assume(found is not None)
    assert found == lark_line(line)


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(statement_lines())
def test_a_statement_recognised_without_lark_is_the_one_lark_builds(line: str) -> None:
    found = fast_line(line)
    assume(found is not None)
    assert found == lark_line(line)


def test_the_keywords_left_to_lark_are_the_grammars() -> None:
    parser = build_parser()
    anonymous = {t.pattern.value for t in parser.terminals if t.pattern.type == "str" and t.pattern.value.isalpha()}
    assert line_reader().keywords == anonymous


def test_the_common_statements_are_recognised_without_lark() -> None:
    lines = ("postfix 3.7", "hostname mx.example0.com  # why", "local domains a.example, b.example",
             "local domains only a.example ,b.example", "trusted networks 10.0.0.0/8", "sasl dovecot private/auth",
             "sasl cyrus", "chroot off", "relay only authenticated", "relay authenticated or trusted", "relay nobody",
             "sender map hash:/etc/postfix/x", 'allow users from "owners.tsv"', "include more.mailpolicy",
             "set smtpd_banner = $myhostname ESMTP", "set x =", "set privileged x=y # z",
             "expect reject anonymous sending as a@b.example to c@d.example",
             "expect accept trusted sending as <> to c@d.example",
             "expect accept user jim sending as a@b.example to c@d.example",
             "expect reject anonymous sending as a@b.example to c@d.example on submission",
             "tls certificate /etc/ssl/a.pem key /etc/ssl/a.key", "tls certificate a key b chain c",
             "service inbound", "service submission on 192.0.2.1, [2001:db8::1]",
             "hosted domains a.example, b.example", "mailboxes a@a.example", "alias a@a.example to b@b.example, c",
             "deliver to lmtp private/dovecot-lmtp", "backup mx for c.example",
             "allow user bob as a@b.example", '\tallow  user "b b"  as "x@y.example" ,c@d.example  # why')
    for line in lines:
        found = fast_line(line)
        assert found is not None and found == lark_line(line), line


def test_plain_allow_user_lines_become_rows() -> None:
    for line in ("allow user bob as a@b.example", "\tallow  user bob  as x@y.example ,c@d.example  # why"):
        found = rows_line(line, 3)
        assert found is not None and found == lark_line(line, 3), line
    assert rows_line("allow user bob as a@b.example", 3)[0].addresses[0].span.line == 3


@pytest.mark.parametrize("line", ["allowuser bob as a@b.example", 'allow user bob as"a@b.example"',
                                  "allow user bob as a@b.example,", "allow user bob as", "allow users from x junk",
                                  "allow user bob as a@b.example junk", "allow user bob\u00a0as a@b.example",
                                  "allow user as as as", "sasl bob as", "local domains only",
                                  "expect reject user to sending as a@b to c@d", "relay only"])
def test_near_misses_and_keywords_in_a_value_go_to_lark(line: str) -> None:
    assert fast_line(line) is None
    assert rows_line(line) is None


@FEW
@given(policy_texts())
def test_parsing_line_by_line_finds_what_the_whole_file_parse_finds(text: str) -> None:
    result = parse_text(text, "p")
    # Control characters are blanked before either parse (covered in tests/parse).
    assume(not any(d.code == "MP110" for d in result.diagnostics))
    statements, bad_lines = whole_file_oracle(text)
    assert [d.span.line for d in result.diagnostics] == bad_lines
    assert tuple(st.expanded(result.statements)) == statements


def test_past_the_error_limit_the_rest_is_counted_and_nothing_is_built() -> None:
    text = "\n".join("allow user a as b@c.example" if i % 2 else f"junk {i}" for i in range(2 * MAX_SYNTAX_ERRORS + 20))
    result = parse_text(text, "p")
    assert len(result.diagnostics) == MAX_SYNTAX_ERRORS + 1
    assert result.diagnostics[-1].message == "... and 10 more syntax errors not shown"
    assert result.diagnostics[-1].span.line == 2 * MAX_SYNTAX_ERRORS + 1
    assert result.statements == ()


def test_every_kind_of_statement_still_parses_through_lark() -> None:
    text = ("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\nsasl dovecot private/auth\n"
            "relay only authenticated\nallow user bob as bob@example0.com\nset smtpd_banner = $myhostname\n")
    kinds = [type(s) for s in parse_text(text, "p").statements]
    assert kinds == [st.PostfixVersion, st.Hostname, st.LocalDomains, st.Sasl, st.Relay, st.AllowUserRows,
                     st.SetParameter]
