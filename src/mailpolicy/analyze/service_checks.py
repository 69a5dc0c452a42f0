"""Checks of the listeners and their TLS: login only inside TLS, never TLS required on port 25.

- MP350: a service offers AUTH before TLS (a password could cross the network in clear).
- MP351: TLS required on the inbound port 25: RFC 3207 section 4, "a publicly-referenced SMTP
  server MUST NOT require use of the STARTTLS extension in order to deliver mail locally";
  servers that cannot speak it would have their mail refused ("530 5.7.0 Must issue a STARTTLS
  command first", smtpd.c).
- MP352: login needs TLS but there is no certificate: smtpd announces no STARTTLS (security level
  none) or announces it and answers "454 4.7.0 TLS not available due to local problem" (level
  may), so the session stays in plain text, where AUTH is "503 5.5.1 Error: authentication not
  enabled": nobody can log in (measured: tests/services/test_tls_live.py).
- MP353: the private key is readable by other users (checked when the file exists at compile time).
- MP354: a submission service without `sasl`: it requires a login nobody could give.
- MP355: `set` of a parameter the tls or service statements decide.
- MP358: `without logins` while smtpd_discard_ehlo_keyword_address_maps is set: smtpd.c looks the
  client's address up there first and a found client gets the map's keywords instead of
  smtpd_discard_ehlo_keywords, so AUTH could be offered to it again.
- MP222 (note): `without logins` with no `sasl`: no service takes logins; nothing is written.
"""

from __future__ import annotations

import os
import stat
from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.plan.service_views import View, views_of
from mailpolicy.plan.services import TLS_MANAGED
from mailpolicy.simulate.tls_state import CERTIFICATE_PARAMETERS
from mailpolicy.source import Span


def check_services(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Report login without TLS, TLS required on port 25, login without a certificate, and managed sets."""
    yield from _managed_sets(ctx)
    yield from _submission_without_sasl(ctx)
    yield from _without_logins(ctx)
    for view in views_of(ctx.plan):
        yield from _view_problems(ctx, view)
    yield from _readable_key(ctx)


def _span(ctx: AnalysisContext, view: View, *names: str) -> Span | None:
    """Return where the first of `names` that the view holds was decided, else the service line."""
    for name in names:
        parameter = view.plan.parameter(name)
        if parameter is not None and parameter.source is not None:
            return parameter.source
    if view.service is not None:
        return view.service.span
    return ctx.policy.sasl.span if ctx.policy.sasl else None


def _view_problems(ctx: AnalysisContext, view: View) -> Iterator[Diagnostic]:
    if view.is_inbound and (view.tls_level() == "encrypt" or view.implicit_tls()):
        cause = "smtpd_tls_wrappermode" if view.implicit_tls() else "smtpd_tls_security_level"
        where = "the inbound service (port 25)" if view.service else "main.cf, which Postfix's smtp service on port 25 uses,"
        yield cat.TLS_REQUIRED_INBOUND.at(
            _span(ctx, view, cause, "smtpd_enforce_tls"),
            f"{where} requires TLS: servers that do not speak it could not deliver mail here (RFC 3207 section 4)",
            hint="offer TLS without requiring it on port 25 (`tls certificate ... key ...` writes "
                 "smtpd_tls_security_level = may); require it on `service submission` instead")
    if not view.login_enabled():
        return
    if not view.login_needs_tls() and view.service is not None:
        yield cat.LOGIN_WITHOUT_TLS.at(
            _span(ctx, view, "smtpd_tls_auth_only", "smtpd_sasl_auth_enable"),
            f"{view.label} offers login before TLS: a password could cross the network in clear",
            hint="state `tls certificate ... key ...`: the compiler then writes smtpd_tls_auth_only = yes")
    # The MX logs nobody in without TLS on purpose (plan/services.py); only a listener meant for
    # logins, or main.cf when the policy states none, is refused for it.
    if view.login_needs_tls() and not view.has_certificate() and not (view.service and view.is_inbound):
        yield cat.LOGIN_WITHOUT_CERTIFICATE.at(
            _span(ctx, view, "smtpd_tls_auth_only", "smtpd_tls_security_level", "smtpd_tls_wrappermode"),
            f"{view.label} offers login only inside TLS, but no certificate is configured "
            f"({', '.join(CERTIFICATE_PARAMETERS[:2])} are empty): smtpd offers no TLS, so nobody can ever log in",
            hint="state `tls certificate /etc/ssl/certs/mail.pem key /etc/ssl/private/mail.key`")


def _submission_without_sasl(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    if ctx.policy.sasl is not None:
        return
    for service in ctx.policy.services:
        if service.kind != "inbound":
            yield cat.SUBMISSION_WITHOUT_SASL.at(
                service.span, f"`service {service.kind}` requires a login, but the policy has no `sasl` statement",
                hint="state how clients log in, e.g. `sasl dovecot private/auth`")


def _without_logins(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    for service in ctx.policy.services:
        if service.without_logins is None:
            continue
        if ctx.policy.sasl is None:
            yield cat.WITHOUT_LOGINS_WITHOUT_SASL.at(
                service.without_logins, f"the policy states no `sasl`, so no service takes logins: `service "
                f"{service.kind}` answers AUTH \"503 5.5.1 Error: authentication not enabled\" already",
                hint="remove `without logins`, or keep it so this listener stays without logins if a `sasl` is added")
            continue
        for setting in ctx.policy.settings:
            if setting.name == "smtpd_discard_ehlo_keyword_address_maps" and setting.value.strip():
                yield cat.DISCARD_MAP_UNDOES_NO_LOGINS.at(
                    setting.name_span, f"a client that {setting.name} finds gets the map's EHLO keywords instead of "
                    f"smtpd_discard_ehlo_keywords, so `service {service.kind} without logins` could offer it AUTH",
                    hint="remove this line: `without logins` holds only while every client gets "
                         "smtpd_discard_ehlo_keywords",
                    related=(Related(service.without_logins, "`without logins` stated here"),))


def _managed_sets(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    policy = ctx.policy
    decided = policy.tls or (policy.services[0] if policy.services else None)
    if decided is None:
        return
    for setting in policy.settings:
        if setting.name in TLS_MANAGED:
            yield cat.TLS_MANAGED.at(
                setting.name_span, f"{setting.name} is decided by the policy's tls and service statements",
                hint="remove this line; `tls` writes the certificate, protocol floor and ciphers, and each "
                     "`service` its own TLS rules", related=(Related(decided.span, "decided here"),))


def _readable_key(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    tls = ctx.policy.tls
    if tls is None:
        return
    try:
        info = os.stat(tls.key)
    except OSError:
        return  # not on this machine (compiled elsewhere): nothing to judge
    if stat.S_ISREG(info.st_mode) and info.st_mode & stat.S_IROTH:
        yield cat.TLS_KEY_READABLE.at(
            tls.key_span, f"{tls.key} is readable by every user of this machine (mode {stat.S_IMODE(info.st_mode):04o}): "
            "anyone who can log in here can impersonate the mail server",
            hint=f"chmod o-r {tls.key} (smtpd reads it as root before dropping privileges)")
