"""The diagnostic record: what went wrong, where, and what to do about it."""

from __future__ import annotations

import enum
from typing import Iterable

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.source import Span


class Severity(str, enum.Enum):
    """How bad a finding is; only errors stop a compile (or warnings, with --warnings-as-errors)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@frozen
class Related:
    """A second location that explains a diagnostic (the other line of a conflict)."""

    span: Span
    message: str


@frozen
class Diagnostic:
    """One finding, located in a source file, with a hint that says what to do."""

    code: str
    severity: Severity
    message: str
    span: Span | None
    hint: str | None = None
    related: tuple[Related, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """Tell whether any diagnostic is an error."""
    return any(d.is_error for d in diagnostics)


def sort_key(diagnostic: Diagnostic) -> tuple:
    """Order diagnostics by file, line and column, then code, so output is stable."""
    span = diagnostic.span
    where = (span.path, span.line, span.column) if span else ("", 0, 0)
    return (*where, diagnostic.code, diagnostic.message)


def finalize(diagnostics: Iterable[Diagnostic], warnings_as_errors: bool = False) -> tuple[Diagnostic, ...]:
    """Return diagnostics without repeats, warnings made errors if asked, in file and line order."""
    unique = list(dict.fromkeys(diagnostics))
    if warnings_as_errors:
        unique = warnings_made_errors(unique)
    return tuple(sorted(unique, key=sort_key))


def warnings_made_errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Return the diagnostics with every warning made an error (--warnings-as-errors), in the same order."""
    return [attrs.evolve(d, severity=Severity.ERROR) if d.severity is Severity.WARNING else d for d in diagnostics]
