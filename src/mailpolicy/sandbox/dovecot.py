"""Run a private Dovecot whose only job is answering Postfix SASL lookups."""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from . import procs

DOVECOT = "/usr/sbin/dovecot"


def instance_pids(conf: Path) -> list[int]:
    """Return the pids of the Dovecot started with `-c conf`: the `dovecot` started, the master it forks, their children."""
    return procs.started_with(str(conf))


def passwd_file(logins: Mapping[str, str]) -> str:
    """Return passwd-file text with one {PLAIN} password per login."""
    lines = []
    for login, password in logins.items():
        # passwd-file fields are ':'-separated with no escaping, so refuse what
        # would silently turn into a different login or password.
        for value in (login, password):
            if ":" in value or "\n" in value or "\r" in value:
                raise ValueError(f"login or password {value!r} cannot contain ':' or newlines")
        lines.append(f"{login}:{{PLAIN}}{password}::::::")
    return "\n".join(lines) + "\n"


def dovecot_conf(home: Path, socket_path: Path, lmtp_socket: Path | None = None) -> str:
    """Return a dovecot.conf that serves auth on socket_path (and LMTP delivery when asked)."""
    return _auth_conf(home, socket_path) + (_lmtp_conf(home, lmtp_socket) if lmtp_socket else "")


def _lmtp_conf(home: Path, lmtp_socket: Path) -> str:
    # Delivery into maildirs under home/mail, as the unprivileged `nobody`: every recipient the
    # lmtp client hands over is accepted (Postfix's tables decided who exists).
    return f"""\
protocols = lmtp
mail_location = maildir:{home}/mail/%d/%n
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
# The SASL passdb knows only logins; LMTP recipients are addresses: every one is a user here.
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={home}/mail/%d/%n allow_all_users=yes
}}
service lmtp {{
  unix_listener {lmtp_socket} {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""


def _auth_conf(home: Path, socket_path: Path) -> str:
    return f"""\
# Written by mailpolicy.sandbox: an auth-only Dovecot for Postfix SASL.
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
# No IMAP/POP3/LMTP listeners: only the auth service runs.
protocols =
ssl = no
# The test speaks AUTH PLAIN over a plain loopback connection.
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# Dovecot answers a wrong password after 2 s by default; tests need no tarpit.
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {home}/passwd
}}
# Dovecot refuses to start auth without a userdb, though SASL never asks it.
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
# Dovecot's anvil makes every auth from an IP that recently failed wait 2-15 s;
# mode 0 on its penalty socket is Dovecot's documented way to turn that off.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  # smtpd runs as user postfix, possibly chrooted into the queue directory,
  # so the socket must live there and belong to postfix.
  unix_listener {socket_path} {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""


def write_passwd(path: Path, text: str) -> None:
    """Create the passwd file with its final owner and mode before a byte of it is written."""
    # O_EXCL|O_NOFOLLOW: a file or link planted at the name is refused, not written through.
    # 0600 at creation (umask can only narrow it), then group dovecot and 0640 on the open file:
    # the auth process runs as Dovecot's internal user and must read it; nobody else ever may.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchown(fd, -1, pwd.getpwnam("dovecot").pw_gid)
        os.fchmod(fd, 0o640)
        handle.write(text)


class Dovecot:
    """Start and stop one private Dovecot instance."""

    def __init__(self, home: Path, socket_path: Path, logins: Mapping[str, str], lmtp_socket: Path | None = None):
        self.home = home
        self.socket_path = socket_path
        self.conf = home / "dovecot.conf"
        self.log_path = home / "dovecot.log"
        home.mkdir(mode=0o755)
        if lmtp_socket is not None:
            (home / "mail").mkdir(mode=0o777)
            os.chmod(home / "mail", 0o777)  # written by `nobody`, the mail user; removed with the sandbox
        write_passwd(home / "passwd", passwd_file(logins))
        self.conf.write_text(dovecot_conf(home, socket_path, lmtp_socket))
        self._pids: set[int] = set()

    def start(self, timeout: float = 20.0) -> None:
        """Start Dovecot and wait until its auth socket exists."""
        # Dovecot daemonizes but keeps the inherited stdout/stderr open; with pipes a
        # capture_output=True caller would wait forever, so send them to /dev/null.
        result = subprocess.run(
            [DOVECOT, "-c", str(self.conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"dovecot exited with status {result.returncode}:\n{self.log_tail()}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._remember_pids()
            if self.socket_path.is_socket():
                return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot auth socket {self.socket_path} did not appear:\n{self.log_tail()}")

    def _remember_pids(self) -> None:
        """Record the master and its children so stop() can kill leftovers by pid."""
        master = procs.read_pid(self.home / "run" / "master.pid")
        if master is not None:
            self._pids.add(master)
            self._pids.update(procs.children_of(master))
        # The daemon writes master.pid some milliseconds after `dovecot -c` has returned
        # (measured: stopped right after an interrupted start, about one instance in three
        # outlived stop() and its folder). Its command line names it from the fork on.
        self._pids.update(instance_pids(self.conf))

    def stop(self) -> None:
        """Stop Dovecot: TERM the master and its children, KILL what outlives that, until none is found."""
        # All at once: a master TERMed alone waits about a second for its children to go;
        # TERMed together the instance is gone in milliseconds.
        procs.end_all(self.alive_pids, grace=5.0)

    def alive_pids(self) -> list[int]:
        """Return the pids of this instance's processes still running."""
        self._remember_pids()
        return [pid for pid in sorted(self._pids) if procs.is_alive(pid)]

    def log(self) -> str:
        """Return Dovecot's log so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def delivered(self, address: str) -> list[str]:
        """Return the messages LMTP delivered into the maildir of `address` so far."""
        local, _, domain = address.rpartition("@")
        folder = self.home / "mail" / domain / local
        return [p.read_text(errors="replace") for sub in ("new", "cur") for p in sorted((folder / sub).glob("*"))
                if p.is_file()]

    def log_tail(self, lines: int = 20) -> str:
        """Return the last lines of Dovecot's log."""
        return "\n".join(self.log().splitlines()[-lines:])
