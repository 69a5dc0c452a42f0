"""The smtpd views of a compiled policy: one per stated service, or main.cf alone when none is stated.

Each view is the plan one smtpd process runs with (main.cf, then its service's `-o` overrides),
so every per-service check asks the same questions of every listener.
"""

from __future__ import annotations

from mailpolicy.frozen import frozen
from mailpolicy.plan.model import ConfigPlan
from mailpolicy.plan.services import ServicePlan, service_plan
from mailpolicy.postfix.service_kinds import INBOUND
from mailpolicy.simulate.tls_state import CERTIFICATE_PARAMETERS


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

    def flag(self, name: str) -> bool:
        return self.value(name).lower() in ("yes", "true")

    def login_enabled(self) -> bool:
        """Tell whether smtpd offers AUTH at all (perhaps only inside TLS)."""
        return self.flag("smtpd_sasl_auth_enable")

    def can_log_in(self) -> bool:
        """Tell whether a client that does TLS whenever offered can log in here."""
        return self.login_enabled() and (not self.login_needs_tls() or self.has_certificate())

    def tls_level(self) -> str:
        """Return the effective smtpd_tls_security_level (smtpd.c: the old smtpd_use_tls/enforce_tls when it is empty)."""
        level = self.value("smtpd_tls_security_level").lower()
        if level or self.plan.parameter("smtpd_tls_security_level") is not None:
            return level
        if self.flag("smtpd_enforce_tls"):
            return "encrypt"
        return "may" if self.flag("smtpd_use_tls") else ""

    def implicit_tls(self) -> bool:
        return self.flag("smtpd_tls_wrappermode")

    def login_needs_tls(self) -> bool:
        """Tell whether smtpd announces and accepts AUTH only inside TLS (smtpd.c: tls_auth_only, enforce_tls)."""
        return (self.implicit_tls() or self.flag("smtpd_tls_auth_only") or self.tls_level() == "encrypt"
                or self.flag("smtpd_enforce_tls"))

    def has_certificate(self) -> bool:
        return any(self.value(name) for name in CERTIFICATE_PARAMETERS)


def views_of(plan: ConfigPlan) -> tuple[View, ...]:
    """Return one view per stated service, or main.cf's alone when the policy states no service."""
    if not plan.services:
        return (View(plan, None),)
    return tuple(View(service_plan(plan, service), service) for service in plan.services)
