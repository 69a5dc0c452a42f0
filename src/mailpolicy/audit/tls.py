"""The services checks of a compiled policy (analyze/service_checks.py), on a deployed master.cf.

Per smtpd service clients on the Internet can reach, with its `-o` overrides over main.cf, the
same rules (simulate/tls_state.py) as for the stated services:
- MP350 (a warning here): SASL on and AUTH announced before TLS (no smtpd_tls_auth_only, no
  encrypt level, no wrapper mode): a password can cross the network in clear (the seed's server
  did this on 25).
- MP351: TLS required on the inbound port 25 (RFC 3207 section 4).
- MP352: a login service (not port 25) that keeps AUTH inside TLS but has no certificate.
A finding caused by one line (a main.cf parameter every service uses) is reported once, at that
line, naming the services; one caused by an `-o` is that service's own.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.audit.simulation import reachable_from_outside
from mailpolicy.diagnostics import Diagnostic, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.service_kinds import INBOUND, port_kind
from mailpolicy.simulate import tls_state
from mailpolicy.source import Span


# A deployed server that offers login in clear works, and many do (the seed's did): the audit warns,
# where a policy's own stated service is refused (analyze/service_checks.py). `-W` makes it fail.
_SEVERITY = {cat.LOGIN_WITHOUT_TLS.code: Severity.WARNING}


def check_service_tls(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report login before TLS, TLS required on port 25 and login without a certificate, per service."""
    found: dict[tuple[str, Span | None], tuple[list[str], object, str, str]] = {}
    for view in ctx.views:
        if not view.service.is_smtpd or not reachable_from_outside(view):
            continue
        for code, span, message, hint in _problems(view):
            labels, *_ = found.setdefault((code.code, span), ([], code, message, hint))
            labels.append(view.label)
    for (_, span), (labels, code, message, hint) in found.items():
        yield code.at(span, f"{', '.join(labels)}: {message}", hint=hint, severity=_SEVERITY.get(code.code))


def _problems(view: ServiceView):
    value = view.value
    inbound = port_kind(view.service.name) == INBOUND
    if inbound and (tls_state.tls_level(value) == "encrypt" or tls_state.implicit_tls(value)):
        cause = "smtpd_tls_wrappermode" if tls_state.implicit_tls(value) else "smtpd_tls_security_level"
        span = view.origin(cause).span or view.origin("smtpd_enforce_tls").span or view.service.span
        yield (cat.TLS_REQUIRED_INBOUND, span,
               "TLS is required on port 25: servers that do not speak it cannot deliver mail here (RFC 3207 section 4)",
               "use smtpd_tls_security_level = may on port 25 and require TLS on the submission service")
    if not tls_state.login_offered(value):
        return
    if not tls_state.login_needs_tls(value):
        yield (cat.LOGIN_WITHOUT_TLS, view.origin("smtpd_sasl_auth_enable").span or view.service.span,
               "AUTH is offered before TLS: a password can cross the network in clear",
               "set smtpd_tls_auth_only = yes (with a certificate), or in a policy state `tls` and `service` lines")
    elif not tls_state.has_certificate(value) and not inbound:
        yield (cat.LOGIN_WITHOUT_CERTIFICATE, view.origin("smtpd_tls_auth_only").span or view.service.span,
               "login is offered only inside TLS, but no certificate is configured: nobody can ever log in",
               "set smtpd_tls_cert_file and smtpd_tls_key_file")
