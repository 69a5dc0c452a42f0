"""verify's side of services: which port each `expect` line goes to, how it speaks TLS, and the AUTH probe.

Each stated service runs as its own smtpd on its own loopback port (sandbox/mastercf.py). An
expect line goes where the compile-time check sends it (analyze/services.py services_for);
the client starts TLS the way a real one does there: STARTTLS whenever offered on inbound and
submission (a real MTA does it opportunistically, a mail app is told to), implicit TLS on
submissions. Before any of that, each STARTTLS service is greeted once in plain text: if EHLO
announces AUTH before TLS, a password could cross in clear, and verify fails (MP350's claim,
tested on the real server).
"""

from __future__ import annotations


from mailpolicy.frozen import frozen
from mailpolicy.model.policy import Expectation
from mailpolicy.plan.model import ConfigPlan
from mailpolicy.sandbox import Sandbox
from mailpolicy.analyze.services import services_for
from mailpolicy.postfix.service_kinds import KINDS
from mailpolicy.plan.service_views import views_of
from mailpolicy.verify.inputs import SandboxInputs

PROBE_SOURCE = "127.0.0.9"
PROBE_TIMEOUT = 5.0
# postscreen_greet_wait's default is 6 s (2 s under stress): the pregreet test holds the greeting that long.
SCREEN_WAIT = 10.0


@frozen
class Probe:
    """What a service's first plain-text EHLO showed (implicit TLS: what the TLS handshake gave)."""

    service: str
    tls: bool                # TLS was offered (STARTTLS) or is the whole session (implicit)
    auth_before_tls: bool    # EHLO announced AUTH before TLS
    reply: str

    @property
    def ok(self) -> bool:
        return not self.auth_before_tls and self.reply.startswith(("2", "5"))

    def describe(self) -> str:
        kind = KINDS[self.service]
        how = "implicit TLS" if kind.implicit_tls else ("STARTTLS offered" if self.tls else "no STARTTLS")
        auth = "AUTH offered before TLS" if self.auth_before_tls else "no AUTH before TLS"
        return f"{self.service} ({how}, {auth})"


def service_routes(plan: ConfigPlan):
    """Return a function giving the services an expectation is sent to ([None] when none is stated)."""
    if not plan.services:
        return lambda expectation: [None]
    views = views_of(plan)

    def routes(expectation: Expectation) -> list[str | None]:
        return [view.service.word for view in services_for(expectation, views)]

    return routes


def screen_wait(inputs: SandboxInputs) -> float:
    """Return how much longer a session may take: behind postscreen, its greeting waits for a client it has not seen."""
    return SCREEN_WAIT if inputs.postscreen is not None else 0.0


def tls_mode(inputs: SandboxInputs, service: str | None) -> str | None:
    """Return how the client speaks TLS to a service: `implicit`, `starttls` (when offered) or None."""
    if service is not None and KINDS[service].implicit_tls:
        return "implicit"
    return "starttls" if inputs.tls_hostname else None


def probe_services(sandbox: Sandbox, inputs: SandboxInputs) -> tuple[Probe, ...]:
    """Greet each stated service once, without logging in, and record what it offered before TLS."""
    probes = []
    for name, _overrides in inputs.services:
        attempt = sandbox.try_send(PROBE_SOURCE, None, None, "", "postmaster", timeout=PROBE_TIMEOUT,
                                   service=name, tls=tls_mode(inputs, name), proxy=inputs.proxy_for(name, PROBE_SOURCE))
        reply = f"{attempt.code} {attempt.reply}".strip() if attempt.code else attempt.reply
        probes.append(Probe(name, attempt.tls, bool(attempt.auth_before_tls), reply))
    return tuple(probes)
