"""Check main.cf as a file: lines Postfix refuses, parameters defined twice, `$name` that names nothing."""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.references import undefined, unexpandable
from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import references
from mailpolicy.diagnostics import Diagnostic, Related, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.expand import Expander, ExpansionError


def check_main_cf_lines(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report the lines Postfix refuses (fatal: no command runs) or ignores with a warning."""
    for problem in ctx.main.problems:
        yield cat.MAIN_CF_SYNTAX.at(
            problem.span, problem.message,
            hint=("every logical line is `name = value`; a line that starts with whitespace continues "
                  "the one above" if problem.fatal else "remove the leading whitespace or the line"),
            severity=None if problem.fatal else Severity.WARNING)


def check_overridden(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Warn about a definition a later one of the same name replaces: the first one does nothing."""
    for override in ctx.main.overrides:
        earlier, later = override.earlier, override.later
        yield cat.OVERRIDDEN_DEFINITION.at(
            earlier.name_span, f"{earlier.name} is defined again on line {later.line}; Postfix uses that "
                               f"one and ignores this `{earlier.name} = {_short(earlier.value)}`",
            hint="keep one definition (postconf warns \"overriding earlier entry\")",
            related=(Related(later.name_span, "this later definition is the one Postfix uses"),))


def check_references(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Warn about `$name` references to parameters neither set nor known, and values that cannot expand."""
    written = ctx.written()
    defined = {w.name for w in written}
    view = ctx.views[0]
    expander = Expander(view.raw)  # one for all values: each name is expanded once
    for value in written:
        if value.name in pf.RAW_PARAMETERS:
            continue  # its `$name` is the daemon's or the shell's, never a main.cf parameter
        try:
            expander.expand(value.value)
        except ExpansionError as error:
            yield unexpandable(value.value_span, value.name, error)
            continue
        for name in dict.fromkeys(references(value.value)):
            if name not in defined and pf.parameter(name, ctx.version) is None:
                yield undefined(value.value_span, name, value.name, ctx.version)


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit - 3] + "..."
