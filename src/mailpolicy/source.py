"""Source files and the positions every model node remembers."""

from __future__ import annotations

import attrs


@attrs.frozen(order=True)
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


@attrs.frozen
class SourceFile:
    """The text of one policy file, kept so diagnostics can show the offending line."""

    path: str
    text: str

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line, or an empty string past the end."""
        lines = self.text.splitlines()
        if 1 <= line <= len(lines):
            return lines[line - 1]
        return ""
