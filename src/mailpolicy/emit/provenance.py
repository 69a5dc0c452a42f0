"""Name source files in generated output relative to the policy, so output does not depend on the cwd."""

from __future__ import annotations

import os

from mailpolicy.source import Span


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
