"""Check what master.cf changes per smtpd service, and the server's own name.

A `-o smtpd_relay_restrictions=...` in master.cf beats main.cf for that service alone; an audit
that read only main.cf would call a server safe whose port 587 relays for anyone. Every -o of a
parameter that decides who may relay, log in or send as whom is therefore noted where it is
written (MP704), and every check runs once per smtpd service with its overrides applied.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.audit.context import AuditContext
from mailpolicy.diagnostics import Diagnostic, Related, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values
from mailpolicy.postfix.restriction_lists import SMTPD_LISTS

# The parameters that decide the open-relay and identity questions.
DECISIVE = frozenset({
    *SMTPD_LISTS, "mynetworks", "mynetworks_style", "mydestination", "relay_domains",
    "smtpd_sasl_auth_enable", "smtpd_sasl_type", "smtpd_sasl_path", "smtpd_sender_login_maps",
    "smtpd_delay_reject", "smtpd_restriction_classes",
})


def check_master_overrides(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Note each smtpd -o override of a parameter that decides relaying or identity."""
    for view in ctx.views:
        for override in view.service.overrides:
            if override.name not in DECISIVE or view.service.override(override.name) is not override:
                continue
            main = ctx.main.get(override.name)
            related = (Related(main.name_span, f"main.cf's {override.name}, which {view.label} does not use"),) if main else ()
            yield cat.MASTER_CF_OVERRIDE.at(
                override.span, f"{view.label} uses its own {override.name} = {override.value or '(empty)'}; "
                               "the audit checks this service with it",
                hint="findings about this service point here; main.cf's value does not apply to it",
                related=related)


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
