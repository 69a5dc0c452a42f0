"""The smtpd views of a compiled policy: one per stated service, or main.cf alone when none is stated.

Each view is the plan one smtpd process runs with (main.cf, then its service's `-o` overrides),
so every per-service check asks the same questions of every listener.
"""

from __future__ import annotations

from mailpolicy.frozen import frozen
from mailpolicy.plan.model import ConfigPlan
from mailpolicy.plan.services import ServicePlan, service_plan
from mailpolicy.postfix.service_kinds import INBOUND
from mailpolicy.simulate import tls_state


@frozen
class View:
    """One smtpd's parameters: `service` is None for main.cf as a master.cf the policy does not manage uses it."""

    plan: ConfigPlan
    service: ServicePlan | None

    @property
    def label(self) -> str:
        return f"service {self.service.word}" if self.service else "main.cf"

    @property
    def is_inbound(self) -> bool:
        """Tell whether this view receives mail from other servers on port 25 (main.cf: Debian's stock `smtp`)."""
        return self.service is None or self.service.word == INBOUND

    def value(self, name: str) -> str:
        parameter = self.plan.parameter(name)
        return parameter.value.strip() if parameter else ""

    def login_enabled(self) -> bool:
        """Tell whether smtpd offers AUTH at all (perhaps only inside TLS; never `without logins`)."""
        return tls_state.login_offered(self.value)

    def can_log_in(self) -> bool:
        """Tell whether a client that does TLS whenever offered can log in here."""
        return self.login_enabled() and (not self.login_needs_tls() or self.has_certificate())

    def refuses_logins(self) -> bool:
        """Tell whether this service is `without logins`: SASL on, AUTH discarded (an expect line may say so)."""
        return tls_state.flag(self.value, "smtpd_sasl_auth_enable") and tls_state.auth_discarded(self.value)

    def tls_level(self) -> str:
        return tls_state.tls_level(self.value)

    def implicit_tls(self) -> bool:
        return tls_state.implicit_tls(self.value)

    def login_needs_tls(self) -> bool:
        return tls_state.login_needs_tls(self.value)

    def has_certificate(self) -> bool:
        return tls_state.has_certificate(self.value)


def views_of(plan: ConfigPlan) -> tuple[View, ...]:
    """Return one view per stated service, or main.cf's alone when the policy states no service."""
    if not plan.services:
        return (View(plan, None),)
    return tuple(View(service_plan(plan, service), service) for service in plan.services)
