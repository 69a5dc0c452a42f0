"""Diagnostics: one catalogue of stable codes, one record type, one renderer per output format."""

from mailpolicy.diagnostics.diagnostic import Diagnostic, Related, Severity, finalize, has_errors, sort_key

__all__ = ["Diagnostic", "Related", "Severity", "finalize", "has_errors", "sort_key"]
