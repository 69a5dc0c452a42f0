"""Render diagnostics as a SARIF 2.1.0 log, for code scanning (GitHub's upload-sarif and others).

One run, the tool's rules taken from the catalogue (only the codes reported, each once), one
result per diagnostic with its physical location and related locations. Levels map one to one:
error, warning, note. Paths are written as relative URIs (`/` separated, percent-encoded) when
they are relative, as `file:` URIs when absolute, so a code-scanning upload resolves them
against the repository root it checked out.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Iterable
from urllib.parse import quote

from mailpolicy import __version__
from mailpolicy.diagnostics.catalogue import CATALOGUE
from mailpolicy.diagnostics.diagnostic import Diagnostic, Severity
from mailpolicy.source import Span

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def render_sarif(diagnostics: Iterable[Diagnostic]) -> str:
    """Return the SARIF log as indented JSON text."""
    diagnostics = list(diagnostics)
    codes = sorted({d.code for d in diagnostics})
    index = {code: number for number, code in enumerate(codes)}
    run = {
        "tool": {"driver": {"name": "mailpolicy", "version": __version__,
                            "rules": [_rule(code) for code in codes]}},
        "columnKind": "unicodeCodePoints",  # columns count characters, as the text renderer's carets do
        "results": [_result(d, index[d.code]) for d in diagnostics],
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"


def _rule(code: str) -> dict:
    entry = CATALOGUE.get(code)
    if entry is None:
        return {"id": code}
    return {"id": code, "name": entry.slug, "shortDescription": {"text": entry.summary},
            "defaultConfiguration": {"level": _LEVEL[entry.severity]}}


def _result(diagnostic: Diagnostic, rule_index: int) -> dict:
    text = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
    result: dict = {"ruleId": diagnostic.code, "ruleIndex": rule_index, "level": _LEVEL[diagnostic.severity],
                    "message": {"text": text}}
    if diagnostic.span is not None:
        result["locations"] = [_location(diagnostic.span)]
    if diagnostic.related:
        result["relatedLocations"] = [{**_location(r.span), "id": number, "message": {"text": r.message}}
                                      for number, r in enumerate(diagnostic.related)]
    return result


def _location(span: Span) -> dict:
    region = {"startLine": span.line, "startColumn": span.column}
    if span.end_column is not None and span.end_column > span.column:
        region["endColumn"] = span.end_column
    return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(span.path)}, "region": region}}


def artifact_uri(path: str) -> str:
    """Return a path as a URI reference: relative stays relative, absolute becomes file:///..."""
    posix = PureWindowsPath(path).as_posix() if "\\" in path else path
    if PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix)
    return quote(posix.removeprefix("./"))
