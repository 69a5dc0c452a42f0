"""Say whether this machine can run a sandboxed Postfix, and if not, why."""

from __future__ import annotations

import grp
import os
import pwd

from .dovecot import DOVECOT
from .postfix import POSTCONF, POSTFIX, POSTMAP, SCRIPT

_PROGRAMS = (
    (POSTFIX, "postfix not installed (apt-get install -y postfix postfix-lmdb postfix-pcre)"),
    (POSTMAP, "postmap not installed (it comes with postfix)"),
    (POSTCONF, "postconf not installed (it comes with postfix)"),
    ("/usr/lib/postfix/sbin/master", "postfix daemons not found in /usr/lib/postfix/sbin"),
    (DOVECOT, "dovecot not installed (apt-get install -y dovecot-core)"),
    (SCRIPT, "script(1) not installed (util-linux)"),
)


def sandbox_available() -> str | None:
    """Return None if a sandbox can boot here, else a human-readable reason."""
    if not os.path.isdir("/proc/self"):
        return "no /proc (the sandbox finds its processes there)"
    if os.geteuid() != 0:
        # master, chroot and Dovecot's privilege separation all need root.
        return "not root (Postfix's master and the smtpd chroot need root)"
    for path, reason in _PROGRAMS:
        if not os.access(path, os.X_OK):
            return reason
    for user in ("postfix", "dovecot", "dovenull"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"no system user {user!r} (normally created by the Debian packages)"
    try:
        grp.getgrnam("postdrop")
    except KeyError:
        return "no system group 'postdrop' (normally created by the postfix package)"
    return None
