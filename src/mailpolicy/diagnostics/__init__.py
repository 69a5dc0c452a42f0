"""Diagnostics: one catalogue of stable codes, one record type, one renderer per output format."""

from mailpolicy.diagnostics.diagnostic import (
    Diagnostic,
    Related,
    Severity,
    finalize,
    has_errors,
    sort_key,
    warnings_made_errors,
)

__all__ = ["Diagnostic", "Related", "Severity", "finalize", "has_errors", "sort_key", "warnings_made_errors"]
