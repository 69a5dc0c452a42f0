"""Where smtpd must look for the SASL socket, given the chroot it runs in.

smtpd is chrooted to queue_directory when master.cf's chroot column says `y` (Debian's default),
and it opens smtpd_sasl_path *after* chrooting. An absolute path is therefore looked up inside the
chroot: /var/spool/postfix/private/auth becomes /var/spool/postfix/var/spool/postfix/private/auth.
A relative path is relative to the queue directory, chrooted or not.
"""

from __future__ import annotations

import enum
import posixpath

from mailpolicy.frozen import frozen
from mailpolicy.model.policy import SaslConfig


class PathVerdict(enum.Enum):
    OK = "ok"
    MADE_RELATIVE = "made-relative"             # absolute under the chroot: rewritten
    OUTSIDE_CHROOT = "outside-chroot"           # absolute elsewhere: smtpd cannot reach it
    NOT_PRIVATE = "not-private"                 # a Dovecot socket not under private/
    RELATIVE_UNCHROOTED = "relative-unchrooted"  # fine, but relative to the queue directory


@frozen
class SaslPath:
    """The smtpd_sasl_path to emit (None when it cannot be made right) and what was done to it."""

    value: str | None
    verdicts: tuple[PathVerdict, ...]


def resolve_socket_path(written: str, chroot: str | None) -> SaslPath:
    """Return a UNIX socket path as a Postfix client chrooted to `chroot` (None: not chrooted) must name it.

    The same rule holds for smtpd's SASL socket and the lmtp client's `lmtp:unix:` socket: both
    clients run with the queue directory as their working directory (and chroot, when master.cf
    says `y`), and open the socket after chroot(2).
    """
    path = posixpath.normpath(written)
    verdicts: list[PathVerdict] = []
    if path.startswith("/"):
        if chroot is None:
            return SaslPath(path, (PathVerdict.OK,))
        prefix = chroot.rstrip("/") + "/"
        if not path.startswith(prefix):
            return SaslPath(None, (PathVerdict.OUTSIDE_CHROOT,))
        path = path[len(prefix):]
        verdicts.append(PathVerdict.MADE_RELATIVE)
    elif chroot is None:
        verdicts.append(PathVerdict.RELATIVE_UNCHROOTED)
    return SaslPath(path, tuple(verdicts) or (PathVerdict.OK,))


def resolve_sasl_path(sasl: SaslConfig, chroot: str | None) -> SaslPath:
    """Return smtpd_sasl_path for `sasl` when smtpd is chrooted to `chroot` (None: not chrooted)."""
    if sasl.kind == "cyrus":
        # For Cyrus the "path" is the application name that selects smtpd.conf, not a socket.
        return SaslPath(sasl.path or "smtpd", (PathVerdict.OK,))
    return resolve_dovecot_path(sasl.path, chroot)


def resolve_dovecot_path(written: str, chroot: str | None) -> SaslPath:
    """Return smtpd_sasl_path for a Dovecot socket written as `written` (a `sasl` line's, or main.cf's).

    `inet:HOST:PORT` is a TCP connection, made as it is (xsasl_dovecot_server.c
    xsasl_dovecot_server_connect: `inet:` goes to inet_connect, anything else to unix_connect
    after an optional `unix:`), so no chroot or private/ rule applies to it; mailcow's
    `inet:dovecot:10001` is one. The connection is not encrypted: on anything but loopback or a
    private container network, the passwords smtpd relays cross it in clear.
    """
    if written.startswith("inet:"):
        host, colon, port = written[len("inet:"):].rpartition(":")
        if colon and host and port:
            return SaslPath(written, (PathVerdict.OK,))
        return SaslPath(None, (PathVerdict.NOT_PRIVATE,))
    found = resolve_socket_path(written, chroot)
    if found.value is None or found.value.startswith("/"):
        return found
    path, verdicts = found.value, [v for v in found.verdicts if v is not PathVerdict.OK]
    # Postfix's Dovecot client treats the path as a UNIX socket; Postfix keeps its private
    # sockets, reachable only by the postfix user, under private/ (postconf(5) smtpd_sasl_path).
    if not path.startswith("private/") or path == "private/":
        return SaslPath(None, (*verdicts, PathVerdict.NOT_PRIVATE))
    return SaslPath(path, tuple(verdicts) or (PathVerdict.OK,))
