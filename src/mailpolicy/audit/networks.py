"""Check what only a deployed mynetworks can get wrong: a broken address, and trust derived from this host.

The networks themselves are judged by the trusted-network check of the check core
(checks/trusted_networks.py), for the compiled policy and each smtpd service alike. Here: a word
that starts like an address but is none (a compile refuses it when the policy is read, MP204),
and a mynetworks that is not set at all, so that Postfix trusts what mynetworks_style derives from
this host's interfaces (MP711 for `subnet` and `class`, the default below compatibility level 2).
Entries that are not networks (`/file/name`, `type:table`, host names) are left alone: Postfix
reads them at run time.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values


def check_mynetworks(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report broken network words, and a mynetworks left to mynetworks_style, in every smtpd service."""
    return ctx.per_view(lambda view: _mynetworks(ctx, view))


def _mynetworks(ctx: AuditContext, view: ServiceView) -> Iterator[Diagnostic]:
    if not view.is_set("mynetworks"):
        yield from _implicit(ctx, view)
        return
    for word in view.words("mynetworks"):
        try:
            values.network(word.text)
        except values.ValueProblem as problem:
            # Not a network: a `/file/name`, a `type:table`, `!pattern` or a host name, which
            # Postfix reads at run time; only what starts like an address is a broken network.
            if word.text[:1].isdigit() or word.text.startswith("["):
                yield cat.INVALID_NETWORK.at(word.span, problem.message, hint=problem.hint)


def _implicit(ctx: AuditContext, view) -> Iterator[Diagnostic]:
    style = view.value("mynetworks_style").strip() or "host"
    if style == "host":
        return
    level = ctx.main.get("compatibility_level")
    where = level.name_span if level else ctx.main.definitions[0].name_span if ctx.main.definitions else None
    yield cat.IMPLICIT_MYNETWORKS.at(
        where, f"mynetworks is not set and mynetworks_style is `{style}`: Postfix trusts every host "
               f"{'on the IP subnets' if style == 'subnet' else 'in the whole class A/B/C networks'} of this "
               "machine's interfaces, and permit_mynetworks lets them relay",
        hint="set mynetworks explicitly, e.g. `mynetworks = 127.0.0.0/8 [::1]/128` (this host only)")
