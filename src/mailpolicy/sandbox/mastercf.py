"""Write the minimal master.cf a loopback-only test Postfix needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# (service, type, private, unpriv, chrootable, wakeup, maxproc, command), after
# Debian's stock master.cf. "chrootable" marks the services Debian chroots; the
# sandbox chroots all of them or none, so chroot=True behaves like a Debian box.
#
# Deliberately absent: smtp, relay, lmtp, local, virtual and pipe transports. The
# sandbox never sends DATA, but should anything reach the queue it must have no
# way off the machine (or into /var/mail): qmgr can only defer it.
_SERVICES = (
    ("pickup", "unix", "n", "-", True, "60", "1", "pickup"),
    ("cleanup", "unix", "n", "-", True, "-", "0", "cleanup"),
    ("qmgr", "unix", "n", "-", False, "300", "1", "qmgr"),
    ("rewrite", "unix", "-", "-", True, "-", "-", "trivial-rewrite"),
    ("bounce", "unix", "-", "-", True, "-", "0", "bounce"),
    ("defer", "unix", "-", "-", True, "-", "0", "bounce"),
    ("trace", "unix", "-", "-", True, "-", "0", "bounce"),
    ("verify", "unix", "-", "-", True, "-", "1", "verify"),
    ("flush", "unix", "n", "-", True, "1000?", "0", "flush"),
    # proxymap serves proxy: tables and must see the real filesystem: never chrooted.
    ("proxymap", "unix", "-", "-", False, "-", "-", "proxymap"),
    ("proxywrite", "unix", "-", "-", False, "-", "1", "proxymap"),
    # smtpd gets its TLS randomness and session cache from tlsmgr: without it every smtpd logs
    # "no entropy for TLS key generation: disabling TLS support" and STARTTLS answers 454.
    ("tlsmgr", "unix", "-", "-", True, "1000?", "1", "tlsmgr"),
    ("showq", "unix", "n", "-", True, "-", "-", "showq"),
    ("error", "unix", "-", "-", True, "-", "-", "error"),
    ("retry", "unix", "-", "-", True, "-", "-", "error"),
    ("discard", "unix", "-", "-", True, "-", "-", "discard"),
    ("anvil", "unix", "-", "-", True, "-", "1", "anvil"),
    ("scache", "unix", "-", "-", True, "-", "1", "scache"),
    # postlogd writes maillog_file; without it (and without syslog) nothing is logged.
    ("postlog", "unix-dgram", "n", "-", False, "-", "1", "postlogd"),
)


# What postscreen(8) needs beside its inet listener: the `pass` service it hands a client that
# passed to (postscreen.c opens private/$smtpd_service_name, default `smtpd`), the DNS list
# lookups (dnsblog, asked by postscreen_dnsbl.c) and STARTTLS before the hand-off (tlsproxy, asked
# by postscreen_starttls.c). The pass service's process limit is master.cf's default, as Debian's.
_SCREENED = (
    ("dnsblog", "unix", "-", "-", True, "-", "0", "dnsblog"),
    ("tlsproxy", "unix", "-", "-", True, "-", "0", "tlsproxy"),
)


def master_cf(port: int, chroot: bool, listeners: Sequence[tuple[int, Sequence[tuple[str, str]]]] = (),
              lmtp: bool = False, support: Mapping[str, Sequence[tuple[str, str]]] | None = None,
              postscreen: Sequence[tuple[str, str]] | None = None) -> str:
    """Return master.cf text with smtpd on 127.0.0.1:port and the support services.

    `listeners`, when given, replace that one smtpd: each is a port and the `-o` overrides of
    one policy service, so every service the policy states runs as written, on its own port.
    `support` gives `-o` overrides to support services by name (`rewrite`, `cleanup`): an audited
    master.cf may override trivial-rewrite's or cleanup's parameters, which decide relaying after
    smtpd (tests/corpus/test_audit_attacks_live.py).
    `postscreen`, when not None, puts postscreen(8) with these `-o` overrides on the first
    listener's port and the first listener's overrides on the `smtpd pass` service it hands
    clients to, as a site's master.cf with postscreen on port 25 has them.
    """
    support = dict(support or {})
    unknown = sorted(set(support) - {row[0] for row in _SERVICES})
    if unknown:
        raise ValueError(f"no support service named {', '.join(unknown)} in the sandbox's master.cf")
    flag = "y" if chroot else "n"
    lines = ["# Written by mailpolicy.sandbox; smtpd listens on loopback only."]
    for index, (listen_port, overrides) in enumerate(listeners or ((port, ()),)):
        if index == 0 and postscreen is not None:
            # One postscreen process per listener, as postscreen(8) requires (it keeps the cache).
            lines.append(f"127.0.0.1:{listen_port} inet n - {flag} - 1 postscreen")
            lines.extend(_override(name, value) for name, value in postscreen)
            lines.append(f"smtpd pass - - {flag} - - smtpd")
        else:
            lines.append(f"127.0.0.1:{listen_port} inet n - {flag} - - smtpd")
        lines.extend(f"  -o {name}={value}" for name, value in overrides)
    services = _SERVICES + (_SCREENED if postscreen is not None else ())
    for name, kind, private, unpriv, chrootable, wakeup, maxproc, command in services:
        column = flag if chrootable else "n"
        lines.append(f"{name} {kind} {private} {unpriv} {column} {wakeup} {maxproc} {command}")
        lines.extend(_override(option, value) for option, value in support.get(name, ()))
    if lmtp:
        # Only when a test asks for delivery (Sandbox(deliver=True)): the lmtp client, chrooted as
        # Debian's master.cf has it, reaches the sandbox's own Dovecot and nothing else.
        lines.append(f"lmtp unix - - {flag} - - lmtp")
    return "\n".join(lines) + "\n"


def _override(name: str, value: str) -> str:
    """Return one `-o` line; a value with whitespace in master.cf's `-o { name = value }` form (master(5), 3.0)."""
    return f"  -o {{ {name} = {value} }}" if any(c.isspace() for c in value) else f"  -o {name}={value}"
