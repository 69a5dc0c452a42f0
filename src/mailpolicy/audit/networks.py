"""Check mynetworks as each smtpd service sees it, with the trusted-network checks of the compiler.

Every entry of `trusted networks` and of mynetworks is judged alike (analyze/trusted_networks.py):
0.0.0.0/0 (MP302), public ranges wider than /8 or /32 (MP303), host bits (MP304), `::fff:` typos
(MP305), wide private ranges (MP306). Entries that are not networks (`/file/name`, `type:table`,
host names) are left alone: Postfix reads them at run time. When mynetworks is not set at all,
Postfix trusts what mynetworks_style derives from this host's interfaces (MP711 for `subnet`
and `class`, the default below compatibility level 2).
"""

from __future__ import annotations

from typing import Iterator

import attrs

from mailpolicy.analyze.trusted_networks import network_problems
from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values
from mailpolicy.model.policy import TrustedNetwork


def check_mynetworks(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report trusted networks that trust everyone, too much, a typo, or not what was written."""
    return ctx.per_view(lambda view: _mynetworks(ctx, view))


def _mynetworks(ctx: AuditContext, view: ServiceView) -> Iterator[Diagnostic]:
    if not view.is_set("mynetworks"):
        yield from _implicit(ctx, view)
        return
    for word in view.words("mynetworks"):
        try:
            parsed = values.network(word.text)
        except values.ValueProblem as problem:
            # Not a network: a `/file/name`, a `type:table`, `!pattern` or a host name, which
            # Postfix reads at run time; only what starts like an address is a broken network.
            if word.text[:1].isdigit() or word.text.startswith("["):
                yield cat.INVALID_NETWORK.at(word.span, problem.message, hint=problem.hint)
            continue
        for found in network_problems(TrustedNetwork(parsed.network, word.text, parsed.host_bits, word.span)):
            yield _main_cf_hint(found)


def _main_cf_hint(diagnostic: Diagnostic) -> Diagnostic:
    """Say the fix in main.cf terms where the policy check names policy statements."""
    if diagnostic.code != cat.TRUSTED_EVERYONE.code:
        return diagnostic
    return attrs.evolve(diagnostic, hint="remove it; clients whose address changes (a phone, a laptop) should "
                                         "log in instead (smtpd_sasl_auth_enable = yes and "
                                         "permit_sasl_authenticated before reject_unauth_destination)")


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
