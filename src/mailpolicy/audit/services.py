"""Check what master.cf changes per smtpd service, and the server's own name.

A `-o smtpd_relay_restrictions=...` in master.cf beats main.cf for that service alone; an audit
that read only main.cf would call a server safe whose port 587 relays for anyone. Every -o of a
parameter that decides who may relay, log in or send as whom is therefore noted, once per
service at its first such -o (MP704), and every check runs once per smtpd service with its overrides applied.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.diagnostics import Diagnostic, Related, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values
from mailpolicy.postfix.main_cf import Override
from mailpolicy.postfix.daemons import (CLEANUP_PARAMETERS, CLEANUP_SERVICE, READ_BY_BOTH, RESOLVER_PARAMETERS,
                                      RESOLVER_SERVICE)
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
        decisive = [o for o in view.service.overrides if o.name in DECISIVE and view.override(o.name) is o]
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


def unread_override_effect(view: ServiceView, override: Override) -> str | None:
    """Say what an smtpd -o of a parameter trivial-rewrite or cleanup acts on does for its mail, else None."""
    if view.service.override(override.name) is not override:
        return None  # a later -o of the same name is the one in force
    if override.name in READ_BY_BOTH:
        return "changes only which recipients smtpd counts as listed, not what its mail is rewritten to"
    if override.name in RESOLVER_PARAMETERS or override.name in CLEANUP_PARAMETERS:
        return "changes nothing for its mail"
    return None


def check_overrides_smtpd_does_not_read(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Warn at an smtpd -o of a parameter only trivial-rewrite or cleanup reads (postfix/daemons.py).

    `-o relay_domains=` on port 25 looks like it stops relaying there, and `-o virtual_alias_maps=...`
    like a rewriting of that port's mail; neither daemon that acts on them sees smtpd's -o, so the
    audit judges the service with their values, and says so here.
    """
    for view in ctx.views:
        for override in view.service.overrides:
            effect = unread_override_effect(view, override)
            if effect is None:
                continue
            if override.name in RESOLVER_PARAMETERS:
                daemon, service, name = "trivial-rewrite", view.resolver, RESOLVER_SERVICE[1]
            else:
                daemon, service, name = "cleanup", view.cleanup, CLEANUP_SERVICE[1]
            where = f"the {service.name} service" if service is not None else f"the {name} service"
            values = f"main.cf's value and {where}'s -o" if service is not None else "main.cf's value"
            yield cat.OVERRIDE_NOT_READ.at(
                override.span, f"{view.label}'s -o {override.name} {effect}: {daemon} acts on "
                               f"{override.name}, with {values}",
                hint=f"set {override.name} in main.cf, or as an -o of {where} in master.cf, where {daemon} reads it",
                severity=Severity.WARNING)


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
