"""Hold trusted and logged-in clients to the `relay` statement (MP321).

Trusted networks may relay only with `relay authenticated or trusted` (or `relay trusted`),
logged-in clients only with `relay only authenticated` or that. The simulator's search is run
for a client in the first trusted network, and for the first owner of the sender map logged in.
What lets anyone relay lets these clients relay too: when the open-relay check (MP301) found a
way, that is said once, there, and nothing here. A deployed main.cf states no intent to hold it
to, so this check is the compiled policy's own.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.checks.open_relay import relay_diagnostic, undeclared_relays
from mailpolicy.checks.samples import OUTSIDE_CLIENT
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.parse.statements import RelayMode
from mailpolicy.simulate import prove_no_open_relay
from mailpolicy.simulate.proof import ProofTooLarge


def check_stated_relay(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Report a trusted or logged-in client that relays although the `relay` statement does not let it."""
    return ctx.per_service(_stated)


def _stated(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    model = ctx.model()
    if model.fatal:
        return  # smtpd would not start (MP712)
    try:
        if any(not cx.assumptions for cx in undeclared_relays(model)):
            return  # MP301 says it, for every client
    except ProofTooLarge:
        return  # MP301 says the search could not finish
    mode = ctx.policy.relay.value
    if mode not in (RelayMode.TRUSTED, RelayMode.AUTHENTICATED_OR_TRUSTED) and ctx.policy.trusted_networks:
        client = ctx.trusted_client()
        for counterexample in [cx for cx in prove_no_open_relay(model, clients=[client]) if not cx.assumptions][:1]:
            yield relay_diagnostic(ctx, counterexample, f"a trusted client ({client})", cat.RELAY_WIDER_THAN_STATED,
                                   f" although `relay {mode.value}` does not let trusted networks relay")
    if mode is RelayMode.NOBODY:
        for sender, login in ctx.owned_samples(1):
            for counterexample in [cx for cx in prove_no_open_relay(model, login=login, clients=[OUTSIDE_CLIENT],
                                                                     senders=[sender]) if not cx.assumptions][:1]:
                yield relay_diagnostic(ctx, counterexample, f"the logged-in client {login}",
                                       cat.RELAY_WIDER_THAN_STATED, " although `relay nobody` lets nobody relay")
