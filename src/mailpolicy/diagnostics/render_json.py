"""Render diagnostics as JSON for machines: a stable, documented shape."""

from __future__ import annotations

import json
from typing import Iterable

from mailpolicy.diagnostics.diagnostic import Diagnostic
from mailpolicy.diagnostics.printable import printable
from mailpolicy.source import Span


def _span(span: Span | None) -> dict | None:
    if span is None:
        return None
    return {"file": printable(span.path), "line": span.line, "column": span.column, "end_column": span.end_column}


def as_dict(d: Diagnostic) -> dict:
    """Return one diagnostic as a JSON-ready dict."""
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": printable(d.message),
        "location": _span(d.span),
        "hint": printable(d.hint) if d.hint is not None else None,
        "related": [{"message": printable(r.message), "location": _span(r.span)} for r in d.related],
    }


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    """Return `{"diagnostics": [...], "summary": {...}}` as indented JSON with a final newline."""
    items = [as_dict(d) for d in diagnostics]
    counts = {s: sum(1 for d in items if d["severity"] == s) for s in ("error", "warning", "note")}
    return json.dumps({"diagnostics": items, "summary": counts}, indent=2, ensure_ascii=False) + "\n"
