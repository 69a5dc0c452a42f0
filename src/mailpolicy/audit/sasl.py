"""Check smtpd_sasl_path against the chroot each smtpd service runs in (master.cf's chroot column).

The compiler rewrites an absolute path under the chroot (a note, MP311); in a main.cf already in
use nothing rewrites it, so there it is the seed's third mistake: smtpd, chrooted to the queue
directory, looks for /var/spool/postfix/var/spool/postfix/private/auth-client and authentication
fails. That is reported as MP310, like an absolute path outside the chroot.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.plan.sasl_path import PathVerdict, resolve_dovecot_path


def sasl_enabled(view: ServiceView) -> bool:
    """Tell whether clients can log in to this service (smtpd_sasl_auth_enable)."""
    return view.value("smtpd_sasl_auth_enable").strip().lower() in ("yes", "true", "1")


def check_sasl_path(ctx: AuditContext) -> Iterator[Diagnostic]:
    """Report Dovecot sockets smtpd cannot reach from its chroot, and sockets outside private/."""
    return ctx.per_view(lambda view: _sasl_path(ctx, view))


def _sasl_path(ctx: AuditContext, view: ServiceView) -> Iterator[Diagnostic]:
    if not sasl_enabled(view) or view.value("smtpd_sasl_type").strip() != "dovecot":
        return
    path = view.value("smtpd_sasl_path").strip()
    origin = view.origin("smtpd_sasl_path")
    span = origin.value_span or view.origin("smtpd_sasl_type").value_span
    chroot = (view.value("queue_directory").rstrip("/") or "/") if view.service.chrooted(_version(ctx)) else None
    if not path:
        yield cat.INVALID_SASL.at(span, "smtpd_sasl_type is dovecot but smtpd_sasl_path is empty",
                                  hint="set smtpd_sasl_path = private/auth (where Dovecot listens)")
        return
    resolved = resolve_dovecot_path(path, chroot)
    column = Related(view.service.chroot_span, f"{view.label} runs chrooted (chroot column `y`)")
    related = (column,) if chroot and ctx.files.master_cf is not None else ()
    for verdict in resolved.verdicts:
        if verdict in (PathVerdict.MADE_RELATIVE, PathVerdict.OUTSIDE_CHROOT):
            yield cat.SASL_PATH_OUTSIDE_CHROOT.at(
                span, f"smtpd runs chrooted in {chroot}, so it looks for `{path}` at "
                      f"{chroot}{path} and cannot reach the Dovecot socket",
                hint=(f"write it relative to the queue directory: smtpd_sasl_path = {resolved.value}"
                      if resolved.value else f"have Dovecot listen in {chroot}/private/ and write "
                                             "smtpd_sasl_path = private/auth"),
                related=related)
        elif verdict is PathVerdict.NOT_PRIVATE:
            yield cat.DOVECOT_SOCKET_NOT_PRIVATE.at(
                span, f"the Dovecot socket `{path}` is not under private/",
                hint="Postfix keeps its private sockets in private/ under the queue directory (it warns "
                     "'SASL path should be a socket pathname'); write e.g. smtpd_sasl_path = private/auth "
                     "and point Dovecot's unix_listener there")


def _version(ctx: AuditContext) -> tuple[int, int]:
    major, minor = ctx.version.split(".")
    return int(major), int(minor)
