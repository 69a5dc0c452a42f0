"""Render diagnostics for people: `file:line:col: severity[code]: message`, the line, a caret, a hint."""

from __future__ import annotations

from typing import Callable, Iterable

from mailpolicy.diagnostics.diagnostic import Diagnostic, Severity
from mailpolicy.diagnostics.printable import printable
from mailpolicy.source import Span

LineLookup = Callable[[str, int], str | None]

# Past this many diagnostics the rest are counted, not printed, so a broken file stays readable.
MAX_SHOWN = 200

_COLOURS = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m", Severity.NOTE: "\x1b[1;36m"}
_RESET = "\x1b[0m"


def render_text(diagnostics: Iterable[Diagnostic], line_of: LineLookup, colour: bool = False) -> str:
    """Return every diagnostic as text blocks separated by blank lines, with a summary line."""
    items = list(diagnostics)
    blocks = [_block(d, line_of, colour) for d in items[:MAX_SHOWN]]
    if len(items) > MAX_SHOWN:
        blocks.append(f"... and {len(items) - MAX_SHOWN} more diagnostics not shown")
    if not items:
        return ""
    return "\n\n".join(blocks) + "\n\n" + summary(items) + "\n"


def summary(items: list[Diagnostic]) -> str:
    """Return `N errors, N warnings, N notes`."""
    counts = [(sum(d.severity is s for d in items), s.value) for s in Severity]
    return ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for n, name in counts if n) or "no problems"


def _block(d: Diagnostic, line_of: LineLookup, colour: bool) -> str:
    label = f"{d.severity.value}[{d.code}]"
    if colour:
        label = f"{_COLOURS[d.severity]}{label}{_RESET}"
    where = f"{printable(str(d.span))}: " if d.span else ""
    lines = [f"{where}{label}: {printable(d.message)}"]
    if d.span:
        lines.extend(_excerpt(d.span, line_of))
    if d.hint:
        lines.append(f"  = hint: {printable(d.hint)}")
    for related in d.related:
        lines.append(f"  = note: {printable(related.message)} at {printable(str(related.span))}")
        lines.extend(_excerpt(related.span, line_of))
    return "\n".join(lines)


def _excerpt(span: Span, line_of: LineLookup) -> list[str]:
    text = line_of(span.path, span.line)
    if text is None:
        return []
    text = text.replace("\t", " ")
    gutter = str(span.line)
    width = max(1, (span.end_column or span.column + 1) - span.column)
    width = min(width, max(1, len(text) - span.column + 1))
    # Escaping widens the line: the caret goes under the escaped text, as wide as it now is.
    before = printable(text[:span.column - 1])
    marked = printable(text[span.column - 1:span.column - 1 + width])
    pad = " " * len(gutter)
    return [f" {gutter} | {printable(text)}", f" {pad} | {' ' * len(before)}{'^' * max(1, len(marked))}"]
