"""Render diagnostics as GitHub Actions workflow commands, so they show as annotations in a PR."""

from __future__ import annotations

from typing import Iterable

from mailpolicy.diagnostics.diagnostic import Diagnostic, Severity
from mailpolicy.diagnostics.printable import printable

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _escape_data(text: str) -> str:
    # Workflow command data escapes: % first, then CR and LF; other controls from the input
    # (a line ending inside a message is ours, so split at it and make each piece printable).
    text = "\n".join(printable(part) for part in text.split("\n"))
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Iterable[Diagnostic]) -> str:
    """Return one `::error file=..,line=..,col=..,title=..::message` line per diagnostic."""
    lines = []
    for d in diagnostics:
        props = []
        if d.span:
            props += [f"file={_escape_property(d.span.path)}", f"line={d.span.line}", f"col={d.span.column}"]
            if d.span.end_column:
                props.append(f"endColumn={d.span.end_column}")
        props.append(f"title={_escape_property(d.code)}")
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        lines.append(f"::{_LEVEL[d.severity]} {','.join(props)}::{_escape_data(message)}")
    return "".join(line + "\n" for line in lines)
