"""Lay a policy file out canonically, line for line.

The canonical form (docs/fmt.md):
- each statement as its entry in `parse/registry.py` writes it, at the start of its line;
- a comment after a statement follows it after two spaces; a comment line starts at column 1;
  the text after `#` is kept as written;
- blank lines stay where they are (whitespace-only lines become empty), trailing blank lines
  are dropped, and the file ends with one newline; CRLF becomes LF.

No line moves: the compiled main.cf cites the policy's lines (`# ... (site.mailpolicy:12)`), so
formatting must not renumber them for the output to stay the same. A file with syntax errors is
not formatted: its diagnostics are returned instead.
"""

from __future__ import annotations


from mailpolicy.diagnostics import Diagnostic, has_errors
from mailpolicy.frozen import frozen
from mailpolicy.parse import parse_text
from mailpolicy.parse import statements as st
from mailpolicy.parse.registry import render_statement
from mailpolicy.parse.spelling import render_set
from mailpolicy.parse.statements import expanded


@frozen
class FormatResult:
    """The formatted text (None when the file could not be parsed) and the parse diagnostics."""

    text: str | None
    diagnostics: tuple[Diagnostic, ...] = ()


def format_text(text: str, path: str) -> FormatResult:
    """Return `text` in the canonical layout, or the syntax errors that prevent it."""
    parsed = parse_text(text, path)
    if has_errors(parsed.diagnostics):
        return FormatResult(None, parsed.diagnostics)
    lines = text.replace("\r\n", "\n").split("\n")
    by_line = {s.span.line: s for s in expanded(parsed.statements)}
    out = [_line(raw, by_line.get(number)) for number, raw in enumerate(lines, start=1)]
    while out and not out[-1]:
        out.pop()
    return FormatResult("".join(line + "\n" for line in out), parsed.diagnostics)


def _line(raw: str, statement: st.Statement | None) -> str:
    if statement is None:
        return raw.strip()  # blank, or a comment line
    end = statement.span.end_column
    comment = raw[end - 1:].strip() if end else ""  # only spaces and a comment follow a statement
    if isinstance(statement, st.SetParameter):
        # A set value runs to the end of the line; its comment is what the model builder cuts off.
        body, cut = render_set(statement)
        comment = cut or comment
    else:
        body = render_statement(statement)
    if body is None:
        return raw.strip()  # a statement kind added since this formatter was written: kept as written
    return f"{body}  {comment}" if comment else body
