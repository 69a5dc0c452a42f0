"""Prove each smtpd service of a configuration in use is no open relay (MP301), or say how it relays.

The same search as on every compile (analyze/open_relay.py): every class of request an anonymous
client on the Internet could send, relay tricks included, decided by the simulator on what the
service really runs with. Each way found is reported at the restriction that accepted it (its own
line of a continued list, or the master.cf -o that set the list), with the parameter entries that
let the client match (the mynetworks network holding it) as related locations. A service only
this host can reach (a unix socket, a loopback port such as a content filter's reinjection
service) is not searched. Recipient rewriting the client can steer (a canonical_maps,
recipient_canonical_maps or virtual_alias_maps pattern whose result uses the client's text, or an
opaque table) relays after smtpd's check and is reported at that parameter's main.cf line. A configuration smtpd refuses to start with is reported instead (MP712).
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.open_relay import (
    ASSUMPTION_HINT, assumption_message, counterexample_hint, relay_message, stated_assumptions,
)
from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.audit.simulation import (
    entry_span, fallback_span, model_for, reachable_from_outside, source_span,
)
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.simulate import prove_no_open_relay
from mailpolicy.simulate.proof import Counterexample, ProofTooLarge


def check_open_relay(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report every way an anonymous outside client could relay through a service reachable from outside."""
    return ctx.per_view(lambda view: _open_relay(ctx, view))


def _open_relay(ctx: AuditContext, view: ServiceView) -> Iterator[Diagnostic]:
    if not reachable_from_outside(view):
        return
    model = model_for(ctx, view)
    if model.fatal:
        yield cat.SMTPD_CANNOT_START.at(
            fallback_span(ctx, view), f"smtpd stops at every connection: fatal: {model.fatal}",
            hint=("end smtpd_relay_restrictions with reject_unauth_destination, with no `permit` before it"
                  if "working instance" in model.fatal else "fix the values Postfix cannot expand (MP708)"))
        return
    try:
        found = prove_no_open_relay(model)
    except ProofTooLarge as error:
        yield cat.OPEN_RELAY.at(fallback_span(ctx, view),
                                f"cannot prove that no anonymous client can relay: {error}",
                                hint="split large access tables out of the restriction lists")
        return
    for counterexample in found:
        if not counterexample.assumptions:
            yield _diagnostic(ctx, view, counterexample)
    for assumption in stated_assumptions(found):
        span = (entry_span(ctx, view, assumption.parameter, assumption.position)
                if assumption.position is not None else None) or source_span(view, assumption.parameter)
        yield cat.RELAY_ASSUMPTION.at(span or fallback_span(ctx, view), assumption_message(assumption),
                                      hint=ASSUMPTION_HINT)


def _diagnostic(ctx: AuditContext, view: ServiceView, counterexample: Counterexample) -> Diagnostic:
    request, decision = counterexample.request, counterexample.decision
    who = "an anonymous client on the Internet"
    related = []
    for name in decision.sources:
        span = source_span(view, name, request.client_address)
        if span is not None:
            related.append(Related(span, f"{name} is set here"))
    span = entry_span(ctx, view, decision.parameter, decision.position)
    if counterexample.rewrite is not None:
        # The rewriting table relays, not the restriction that rightly accepted a local recipient.
        span = source_span(view, counterexample.rewrite.parameter) or span
        related = []
    if span is None and related:
        span, related = related[0].span, related[1:]
    return cat.OPEN_RELAY.at(span or fallback_span(ctx, view), relay_message(counterexample, who),
                             hint=counterexample_hint(counterexample), related=tuple(related))
