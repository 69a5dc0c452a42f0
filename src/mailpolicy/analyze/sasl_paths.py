"""Check the SASL socket path against the chroot smtpd runs in (the seed's third mistake)."""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.plan.sasl_path import PathVerdict, resolve_sasl_path, resolve_socket_path


def check_sasl_path(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Report absolute paths smtpd cannot see from its chroot and Dovecot sockets outside private/."""
    sasl = ctx.policy.sasl
    if sasl is None or sasl.kind != "dovecot":
        return
    chroot = ctx.policy.chroot.value
    resolved = resolve_sasl_path(sasl, chroot)
    span = sasl.path_span or sasl.span
    for verdict in resolved.verdicts:
        if verdict is PathVerdict.MADE_RELATIVE:
            # The chroot-relative form, even when it is refused as well (not under private/, MP312).
            relative = resolve_socket_path(sasl.path, chroot).value
            yield cat.SASL_PATH_MADE_RELATIVE.at(
                span, f"smtpd runs chrooted in {chroot}, so `{sasl.path}` is written as `{relative}`",
                hint="smtpd opens the socket after chroot(2); an absolute path would be looked up as "
                     f"{chroot}{sasl.path}")
        elif verdict is PathVerdict.OUTSIDE_CHROOT:
            yield cat.SASL_PATH_OUTSIDE_CHROOT.at(
                span, f"`{sasl.path}` is outside {chroot}, where smtpd is chrooted; smtpd would look for "
                      f"{chroot}{sasl.path} and never find the socket",
                hint=f"have Dovecot listen in {chroot}/private/ (e.g. `unix_listener {chroot}/private/auth`) "
                     "and write `sasl dovecot private/auth`; or say `chroot off` if master.cf does not chroot smtpd")
        elif verdict is PathVerdict.NOT_PRIVATE and sasl.path.startswith("inet:"):
            yield cat.DOVECOT_SOCKET_NOT_PRIVATE.at(
                span, f"`{sasl.path}` names no host and port: Postfix connects to inet:HOST:PORT",
                hint="write e.g. `sasl dovecot inet:127.0.0.1:12345`, or a UNIX socket under private/")
        elif verdict is PathVerdict.NOT_PRIVATE:
            yield cat.DOVECOT_SOCKET_NOT_PRIVATE.at(
                span, f"the Dovecot socket `{sasl.path}` is not under private/",
                hint="Postfix keeps its private sockets in private/ under the queue directory; "
                     "write e.g. `sasl dovecot private/auth` and point Dovecot's unix_listener there")
        elif verdict is PathVerdict.RELATIVE_UNCHROOTED:
            yield cat.SASL_PATH_RELATIVE_UNCHROOTED.at(
                span, f"smtpd is not chrooted, so `{sasl.path}` is relative to the queue directory",
                hint="this works when Dovecot listens in the queue directory's private/ folder")
