"""Parse policy text into statements, reporting every syntax error with its line and a hint."""

from __future__ import annotations

import re

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.parse.lines import EMPTY, RowCollector, build_statement, line_reader
from mailpolicy.parse.statement_builder import StatementBuilder
from mailpolicy.parse.statements import Statement
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


@frozen
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
    diagnostics = _control_characters(lines, path) if _CONTROL.search(text) else []
    for d in diagnostics:
        lines[d.span.line - 1] = ""
    statements: list[Statement] = []
    # Every statement is one line, so each line is parsed on its own: a syntax error costs
    # one line, not a re-parse of the file, and most lines never reach lark at all.
    builder = _LarkLines(path)
    rows = RowCollector(path)
    for number, line in enumerate(lines, start=1):
        if rows.take(line, number):
            continue
        try:
            found = _parse_line(line, number, path, builder)
            if found:
                statements.extend(rows.flush())
                statements.extend(found)
        except _NotAStatement as problem:
            error = problem.error
            if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                rest = sum(not _parses(later, n, path, builder)
                           for n, later in enumerate(lines[number - 1:], start=number))
                diagnostics.append(cat.SYNTAX_ERROR.at(
                    Span(path, number, 1), f"... and {rest} more syntax errors not shown",
                    hint="fix the errors above first"))
                # Past the limit the file is likely not a policy at all: build nothing from it.
                statements = []
                break
            diagnostics.append(_describe(error, number, line, path))
    else:
        statements.extend(rows.flush())
    return ParseResult(source, tuple(statements), tuple(diagnostics))


class _NotAStatement(Exception):
    """Lark's error for a line that is not a statement (carried so lark is imported only when used)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class _LarkLines:
    """Parse single lines with lark, importing it (and loading its tables) at the first line that needs it."""

    def __init__(self, path: str) -> None:
        self.path = path

    def parse(self, line: str, number: int) -> tuple[Statement, ...]:
        from lark.exceptions import UnexpectedInput

        from mailpolicy.parse.grammar import parse_line_with_lark

        try:
            return tuple(parse_line_with_lark(line, number, self.path))
        except UnexpectedInput as error:
            raise _NotAStatement(error) from None


_BUILDER = StatementBuilder()


def _parse_line(line: str, number: int, path: str, lark: _LarkLines) -> tuple[Statement, ...]:
    """Return the statements of one line (none or one); raise _NotAStatement if it is not a statement."""
    reader = line_reader()
    if reader.is_blank(line):
        return EMPTY
    node = reader.tree(line, number, path)
    if node is not None:
        return (build_statement(node, _BUILDER),)
    return lark.parse(line, number)


def _parses(line: str, number: int, path: str, lark: _LarkLines) -> bool:
    try:
        _parse_line(line, number, path, lark)
    except _NotAStatement:
        return False
    return True


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


def _describe(error, line: int, text: str, path: str) -> Diagnostic:
    """Return the diagnostic for lark's error on a line: where, what was expected, and a usage hint."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    from mailpolicy.parse.usage import STATEMENT_WORDS, closest_statement, usage_for

    column = getattr(error, "column", None)
    if not isinstance(column, int) or column < 1 or getattr(error, "line", 1) != 1:
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


def _expected(error) -> str:
    names = sorted({_TOKEN_NAMES.get(name, f"`{name.lower()}`") for name in error.expected})
    if not names:
        return "something else"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
