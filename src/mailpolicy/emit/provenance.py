"""Name source files in generated output relative to the policy, so output does not depend on the cwd."""

from __future__ import annotations

import os

from mailpolicy.source import Span


# Statements whose lines add up, possibly across included files: the value is decided by all of
# them, so the citation names the statement alone (naming the first one's file would change when
# a line of the same kind is added to another file).
COLLECTED = frozenset({"local domains", "trusted networks", "allow user", "refuse senders"})


class Provenance:
    """Cite source positions relative to the folder of the top policy file."""

    def __init__(self, top_path: str) -> None:
        self.top_path = top_path
        self.base = os.path.dirname(os.path.abspath(top_path))

    @property
    def top_name(self) -> str:
        return os.path.basename(self.top_path)

    def cite(self, span: Span | None) -> str:
        """Return `file:line` for a span, or `default` for a value no line stated."""
        if span is None:
            return "default"
        relative = os.path.relpath(os.path.abspath(span.path), self.base).replace(os.sep, "/")
        return f"{relative}:{span.line}"

    def cite_statement(self, span: Span | None, statement: str) -> str:
        """Return `file: statement` for generated files, or `default` for a value no line stated.

        Generated files name the statement, not its line: a line added above it would otherwise
        renumber every citation below, and a review of the output would show changes to
        parameters whose values did not change. Explain and diagnostics keep line numbers.
        """
        if span is None or not statement:
            return self.cite(span)
        if statement in COLLECTED:
            return f"{statement} lines"
        return f"{self.cite(span).rpartition(':')[0]}: {statement}"
