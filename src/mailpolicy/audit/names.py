"""Check the names in main.cf and in master.cf -o overrides: parameters, and restrictions in lists.

The same judgement as for `set` lines (analyze/parameter_names.py): Postfix ignores a parameter
it does not know without a word, and an smtp_/smtpd_ swap that lands on another valid name not
even `postconf -n` notices. Restriction names are checked where each one is written, on its own
line of a continued list; smtpd itself notices an unknown one only when mail arrives.
"""

from __future__ import annotations

from typing import Iterator

import attrs

from mailpolicy.analyze import parameter_names as names
from mailpolicy.audit.context import AuditContext
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.postfix import parameters as pf


def check_parameter_names(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report names the target Postfix does not have, has under another name, or deprecates."""
    settings = ctx.settings()
    classes = names.restriction_classes(settings)
    transports = [s.name for s in ctx.files.master_cf.services] if ctx.files.master_cf else []
    written = {s.name for s in settings}
    for setting in settings:
        if setting.name in classes:
            continue  # a restriction class is a parameter the user defines
        problem = pf.check_name(setting.name, ctx.version, transports=transports)
        if problem is None:
            yield from names.client_side_note(setting, written)
        else:
            yield _as_main_cf(names.name_diagnostic(setting, problem, ctx.version), setting.name, problem)


def check_restriction_names(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report unknown, removed, too new and deprecated restrictions at the line each stands on."""
    classes = names.restriction_classes(ctx.settings())
    for setting, origin in ctx.written():
        if names.is_restriction_list(setting.name, ctx.version, classes):
            yield from names.restriction_list_problems(origin.elements(), ctx.version, classes)


def _as_main_cf(diagnostic: Diagnostic, name: str, problem: pf.NameProblem) -> Diagnostic:
    """Say what to do in main.cf terms, where the policy check says it in `set` terms."""
    if problem.kind == "wrong_daemon":
        return attrs.evolve(diagnostic, hint=f"rename it to `{problem.suggestion}`; Postfix ignores "
                                             f"`{name}` without a word")
    if problem.kind == "too_new":
        return attrs.evolve(diagnostic, hint="if the server runs a newer Postfix, audit with "
                                             "`--postfix VERSION`; otherwise remove the line")
    return diagnostic
