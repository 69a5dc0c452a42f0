"""Check what master.cf changes per smtpd service, and the server's own name.

A `-o smtpd_relay_restrictions=...` in master.cf beats main.cf for that service alone; an audit
that read only main.cf would call a server safe whose port 587 relays for anyone. Every -o of a
parameter that decides who may relay, log in or send as whom is therefore noted, once per
service at its first such -o (MP704), and every check runs once per smtpd service with its overrides applied.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.audit.context import AuditContext
from mailpolicy.diagnostics import Diagnostic, Related, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values
from mailpolicy.postfix.service_kinds import DECISIVE_PARAMETERS

# The parameters that decide the open-relay and identity questions.
DECISIVE = DECISIVE_PARAMETERS


def check_master_overrides(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Note, once per smtpd service, the -o overrides of parameters that decide relaying or identity.

    One note a service, not one an override: a submission service routinely overrides eight or
    ten such parameters, and a note each buried the audit's findings (docker-mailserver's file
    gave 17 notes). The note points at the first override; each other override, and the main.cf
    line each replaces for this service, is a related location of it.
    """
    for view in ctx.views:
        decisive = [o for o in view.service.overrides
                    if o.name in DECISIVE and view.service.override(o.name) is o]
        if not decisive:
            continue
        related = []
        for override in decisive:
            if override is not decisive[0]:  # the first is where the note itself points
                related.append(Related(override.span, f"{override.name} = {override.value or '(empty)'}"))
            main = ctx.main.get(override.name)
            if main is not None:
                related.append(Related(main.name_span, f"main.cf's {override.name}, which {view.label} does not use"))
        names = ", ".join(o.name for o in decisive)
        yield cat.MASTER_CF_OVERRIDE.at(
            decisive[0].span, f"{view.label} uses its own {names} (master.cf -o); the audit checks this "
                              "service with them",
            hint="findings about this service point at its -o lines; main.cf's values of these do not apply to it",
            related=tuple(related))


def check_hostname(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Warn when myhostname is not fully qualified: it is the name smtpd and smtp announce (HELO, banner)."""
    definition = ctx.main.get("myhostname")
    if definition is None or "$" in definition.value:
        return
    try:
        values.hostname(definition.value)
    except values.ValueProblem as problem:
        yield cat.INVALID_HOSTNAME.at(
            definition.value_span or definition.name_span,
            f"myhostname: {problem.message}; this server greets other servers with it, and many reject "
            "a HELO name that is not fully qualified (reject_non_fqdn_helo_hostname)",
            hint=problem.hint or "write the server's full DNS name, e.g. mx.example0.com",
            severity=Severity.WARNING)
