"""Parse policy text into statements, reporting every syntax error with its line and a hint."""

from __future__ import annotations

import re

import attrs
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model.statements import Statement
from mailpolicy.parse.grammar import build_parser
from mailpolicy.parse.transformer import StatementBuilder
from mailpolicy.parse.usage import STATEMENT_WORDS, closest_statement, usage_for
from mailpolicy.source import SourceFile, Span

# After this many syntax errors in one file the rest are summarised, not listed.
MAX_SYNTAX_ERRORS = 50

# Tab and newline are the only control characters a policy may hold; a CR, NUL or escape
# inside a value could smuggle a second line into main.cf or a map.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\x85]")

_STRING_AT = re.compile(r'"([^"\\\n]|\\.)*"')

_TOKEN_NAMES = {
    "AS": "`as`", "VALUE": "a value", "STRING": "a quoted string", "_NL": "the end of the line",
    "COMMA": "`,`", "EQUAL": "`=`", "VERDICT": "`accept` or `reject`", "SET_VALUE": "a value",
}


@attrs.frozen
class ParseResult:
    """The statements of one file, its source text, and the syntax diagnostics found."""

    source: SourceFile
    statements: tuple[Statement, ...]
    diagnostics: tuple[Diagnostic, ...]


def parse_text(text: str, path: str) -> ParseResult:
    """Parse `text` (the content of `path`); never raises on bad input."""
    text = text.replace("\r\n", "\n")
    source = SourceFile(path, text)
    lines = text.split("\n")
    diagnostics = _control_characters(lines, path)
    for d in diagnostics:
        lines[d.span.line - 1] = ""
    statements: list[Statement] = []
    while True:
        try:
            statements = _parse("\n".join(lines) + "\n", path)
            break
        except UnexpectedInput as error:
            line = _error_line(error, lines)
            if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                rest = _count_remaining_errors(lines, path)
                diagnostics.append(cat.SYNTAX_ERROR.at(
                    Span(path, line, 1), f"... and {rest} more syntax errors not shown",
                    hint="fix the errors above first"))
                break
            diagnostics.append(_describe(error, line, lines, path))
            lines[line - 1] = ""
    return ParseResult(source, tuple(statements), tuple(diagnostics))


def _parse(text: str, path: str) -> list[Statement]:
    tree = build_parser().parse(text)
    return StatementBuilder(path).transform(tree)


def _error_line(error: UnexpectedInput, lines: list[str]) -> int:
    line = getattr(error, "line", -1)
    if line is None or line < 1:
        # End of input: blame the last line that has text.
        line = max((i + 1 for i, text in enumerate(lines) if text.strip()), default=1)
    if isinstance(error, UnexpectedToken) and error.token.type == "_NL":
        # A statement cut short is reported on its own line, not on the newline's.
        line = error.token.line
    return min(line, len(lines))


def _count_remaining_errors(lines: list[str], path: str) -> int:
    count = 0
    while True:
        try:
            _parse("\n".join(lines) + "\n", path)
            return count
        except UnexpectedInput as error:
            count += 1
            lines[_error_line(error, lines) - 1] = ""


def _control_characters(lines: list[str], path: str) -> list[Diagnostic]:
    found = []
    for number, line in enumerate(lines, start=1):
        match = _CONTROL.search(line)
        if match:
            found.append(cat.CONTROL_CHARACTER.at(
                Span(path, number, match.start() + 1, match.start() + 2),
                f"control character {match.group()!r} in the policy text",
                hint="remove it; a policy line may hold only printable text and tabs"))
    return found


def _describe(error: UnexpectedInput, line: int, lines: list[str], path: str) -> Diagnostic:
    text = lines[line - 1]
    column = getattr(error, "column", None)
    if not isinstance(column, int) or column < 1 or getattr(error, "line", line) != line:
        column = len(text) + 1 if isinstance(error, (UnexpectedEOF, UnexpectedToken)) else 1
    first = len(text) - len(text.lstrip()) + 1
    span = Span(path, line, column, column + 1)
    usage = usage_for(text)

    if column == first and usage is None and text.strip():
        word = text.split()[0]
        guess = closest_statement(word)
        hint = f"did you mean `{guess}`?" if guess else "statements begin with: " + ", ".join(STATEMENT_WORDS)
        return cat.UNKNOWN_STATEMENT.at(span.at_column(first, first + len(word)),
                                        f"`{word}` does not begin a statement", hint=hint)
    if text[column - 1:column] == '"' and not _STRING_AT.match(text, column - 1):
        return cat.UNTERMINATED_STRING.at(span.at_column(column, len(text) + 1),
                                          "this quoted string is not closed on its line",
                                          hint='close it with `"`; a value cannot span lines')
    if isinstance(error, UnexpectedToken) and error.token.type == "_NL":
        message = f"the statement ends too early; expected {_expected(error)}"
    elif isinstance(error, UnexpectedToken):
        shown = str(error.token).split()[0] if str(error.token).strip() else str(error.token)
        span = span.at_column(column, column + len(shown))
        message = f"unexpected `{shown}`; expected {_expected(error)}"
    elif isinstance(error, UnexpectedCharacters):
        message = f"unexpected `{text[column - 1:column]}`"
    else:
        message = "the statement is incomplete"
    hint = f"write: {usage}" if usage else "statements begin with: " + ", ".join(STATEMENT_WORDS)
    return cat.SYNTAX_ERROR.at(span, message, hint=hint)


def _expected(error: UnexpectedToken) -> str:
    names = sorted({_TOKEN_NAMES.get(name, f"`{name.lower()}`") for name in error.expected})
    if not names:
        return "something else"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
