"""Source files and the positions every model node remembers."""

from __future__ import annotations

import functools

import attrs

from mailpolicy.frozen import frozen


@frozen(order=True)
class Span:
    """A position in a source file: 1-based line and column, with an end column on the same line."""

    path: str
    line: int
    column: int
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    @property
    def short(self) -> str:
        """Return `file:line`, as generated files cite their source."""
        return f"{self.path}:{self.line}"

    def at_column(self, column: int, end_column: int | None = None) -> Span:
        """Return a span on the same line starting at another column."""
        return attrs.evolve(self, column=column, end_column=end_column)


@frozen
class SourceFile:
    """The text of one policy file, kept so diagnostics can show the offending line."""

    path: str
    text: str

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line, or an empty string past the end."""
        lines = _lines(self.text)
        if 1 <= line <= len(lines):
            return lines[line - 1]
        return ""


@functools.lru_cache(maxsize=4)
def _lines(text: str) -> tuple[str, ...]:
    """Split a file into lines once, however many diagnostics show its lines.

    Only `\n` ends a line, as in the parser and the loader: str.splitlines() also splits at form
    feeds, `\x1c`-`\x1e` and U+2028, so every line after one of those was shown off by one.
    """
    return tuple(line[:-1] if line.endswith("\r") else line for line in text.split("\n"))
