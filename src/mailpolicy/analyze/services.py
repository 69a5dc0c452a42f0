"""The `expect` lines per stated service, and how a finding names its service.

Each service is one smtpd with main.cf and its own `-o` overrides (plan/service_views.py); a proof
of main.cf alone would call a server safe whose port 587 relays for anyone. The checks of the
check core run on each of them through the compiled host's `per_service` (analyze/context.py).

An `expect` line with `on SERVICE` is sent to that service; one without is sent to every
stated service its client can use: anonymous and trusted clients to all, a `user LOGIN` to each
that offers a login (MP356 when none does). A `user` line `on` a service `without logins` is
checked there: it states that AUTH is refused (503), as the simulator and smtpd answer.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

import attrs

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model.policy import Expectation
from mailpolicy.parse.statements import ClientKind
from mailpolicy.plan.service_views import View, views_of


def services_for(expectation: Expectation, views: tuple[View, ...]) -> list[View]:
    """Return the views an expectation is checked on (none when it names a service not stated)."""
    named = [v for v in views if expectation.service is None or v.service.word == expectation.service]
    if expectation.client is ClientKind.USER and expectation.service is None:
        named = [v for v in named if v.can_log_in()]
    return named


def check_service_expectations(ctx: AnalysisContext, check: Callable[[AnalysisContext], Iterable[Diagnostic]]
                               ) -> Iterator[Diagnostic]:
    """Run `check` (the expectations check) once per service, on that service's expectations."""
    views = views_of(ctx.plan)
    stated = {v.service.word for v in views}
    for expectation in ctx.policy.expectations:
        if expectation.service is not None and expectation.service not in stated:
            yield cat.UNKNOWN_SERVICE.at(
                expectation.service_span, f"the policy states no `service {expectation.service}`",
                hint="name one of: " + ", ".join(sorted(stated)))
            continue
        if expectation.client is ClientKind.USER and not any(
                _login_tested(expectation, v) for v in services_for(expectation, views)):
            where = (f"service {expectation.service} offers no login" if expectation.service
                     else "no stated service offers a login")
            yield cat.EXPECT_LOGIN_NOT_OFFERED.at(
                expectation.service_span or expectation.span, f"{where} a client can complete (see MP352), so user "
                f"{expectation.login} cannot log in and the line would test nothing of the sender rules",
                hint="send it `on submission` (or `on submissions`), where users log in")
    for view in views:
        chosen = tuple(e for e in ctx.policy.expectations if view in services_for(e, views)
                       and (e.client is not ClientKind.USER or _login_tested(e, view)))
        if chosen:
            scoped = AnalysisContext(attrs.evolve(ctx.policy, expectations=chosen), view.plan)
            yield from _labelled(check(scoped), view)


def _login_tested(expectation: Expectation, view: View) -> bool:
    """Tell whether a `user` line says something on this view: a login is possible, or refused on purpose there."""
    return view.can_log_in() or (expectation.service is not None and view.refuses_logins())


def _labelled(found: Iterable[Diagnostic], view: View) -> Iterator[Diagnostic]:
    for diagnostic in found:
        yield label(diagnostic, view)


def label(diagnostic: Diagnostic, view: View) -> Diagnostic:
    """Name the stated service a finding is about."""
    return attrs.evolve(diagnostic, message=f"on {view.label}: {diagnostic.message}")
