"""Boot a throwaway Postfix (+ Dovecot) on loopback and always tear it down."""

from __future__ import annotations

import atexit
import os
import shutil
import smtplib
import socket
import tempfile
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import signals, stale
from .availability import sandbox_available
from .certificate import write_certificate
from .client import Attempt, attempt, connect
from .dovecot import Dovecot
from .postfix import ConfigRejected, Postfix

HOST = "127.0.0.1"
PORT_TRIES = 3
SANDBOX_PARENT = "/tmp"
READY_TIMEOUT = 20.0
# Where Dovecot listens when main.cf's smtpd_sasl_path is absolute: the right
# place for a chrooted smtpd, so the test shows Postfix looking elsewhere.
FALLBACK_SASL_PATH = "private/auth"

_live: weakref.WeakSet[Sandbox] = weakref.WeakSet()


class SandboxUnavailable(Exception):
    """Raised on entering a Sandbox that cannot boot; the message says why."""


class PortUnavailable(SandboxUnavailable):
    """Raised when another program took the sandbox's port on every try: not the configuration's fault."""


class _PortTaken(RuntimeError):
    """Something other than this sandbox's master listens on its port."""


def hold_port() -> socket.socket:
    """Return a socket bound (not listening) to a free loopback port, keeping it from others."""
    # Without SO_REUSEADDR or SO_REUSEPORT no other socket can bind the port while this one is
    # bound (Linux shares a port only when both sockets ask, and SO_REUSEPORT only within one
    # uid), so the port stays ours until it is released just before master binds it.
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.bind((HOST, 0))
    return held


def _tail(text: str, lines: int = 25) -> str:
    """Return the last lines of text."""
    return "\n".join(text.splitlines()[-lines:])


class Sandbox:
    """A real Postfix smtpd on 127.0.0.1, configured by a user's main.cf.

    Only isolation parameters are overridden (see postfix.Postfix); restrictions,
    mynetworks, SASL and sender-login settings stay exactly as given. Table
    references whose path is a key of `maps` are relocated into the temp dir and
    postmapped there; others are left alone (and read from the real path).
    `logins` feed a private Dovecot, started only when smtpd_sasl_type = dovecot (in main.cf or a service's -o);
    it listens at the queue-relative smtpd_sasl_path, or at private/auth if that
    path is absolute. Nothing accepted is ever delivered; DATA is sent only when asked
    (mail to the bare postmaster, which only smtpd_data_restrictions decides). With
    `deliver=True` (tests of aliases) master.cf gets the lmtp service and Dovecot an LMTP
    listener at `virtual_transport = lmtp:unix:PATH`, saving into maildirs (`delivered`).
    """

    host = HOST

    def __init__(
        self,
        main_cf: str,
        maps: Mapping[str, str] | None = None,
        logins: Mapping[str, str] | None = None,
        chroot: bool = True,
        services: Sequence[tuple[str, Sequence[tuple[str, str]]]] = (),
        tls_hostname: str | None = None,
        deliver: bool = False,
        support: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        postscreen: Sequence[tuple[str, str]] | None = None,
    ):
        self.main_cf = main_cf
        self.maps = dict(maps or {})
        self.logins = dict(logins or {})
        self.chroot = chroot
        # (name, -o overrides) of each smtpd the policy states; none: one plain smtpd on `port`.
        self.services = tuple((name, tuple(overrides)) for name, overrides in services)
        # With a host name, smtpd gets a throwaway certificate for it (certificate.py).
        self.tls_hostname = tls_hostname
        # Deliver mail of `virtual_transport = lmtp:unix:PATH` to a Dovecot LMTP at PATH (tests of aliases).
        self.deliver = deliver
        # -o overrides of support services by name (`rewrite`, `cleanup`): what an audited master.cf gives them.
        self.support = {name: tuple(pairs) for name, pairs in (support or {}).items()}
        # postscreen(8) with these -o on the first service's port, that service's smtpd behind it (mastercf.py).
        self.postscreen = tuple(postscreen) if postscreen is not None else None
        self.port = 0
        self.ports: dict[str, int] = {}
        self.root: Path | None = None
        self._postfix: Postfix | None = None
        self._dovecot: Dovecot | None = None
        self._final_log = ""
        self._port_hold: socket.socket | None = None
        self._port_holds: list[socket.socket] = []

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Sandbox:
        reason = sandbox_available()
        if reason is not None:
            raise SandboxUnavailable(reason)
        # The port is held until `postfix start`; another local program can still take it in
        # the moment between release and master's bind. That race is the only failure worth
        # another try, and after three it is reported as what it is, not as the policy's fault.
        for attempt_number in range(PORT_TRIES):
            try:
                self._boot()
                return self
            except (KeyboardInterrupt, SystemExit, ValueError):
                # Interrupted, or bad arguments (ValueError): nothing to diagnose.
                self._teardown()
                raise
            except Exception as error:
                # postfix check would only repeat postconf's complaint, after the
                # 1 s pause every Postfix fatal error takes.
                check = "" if isinstance(error, ConfigRejected) else self._safe_check()
                log = self.log()
                port = self.port
                self._teardown()
                taken = isinstance(error, _PortTaken) or "Address already in use" in log
                if taken and attempt_number < PORT_TRIES - 1:
                    continue
                if taken:
                    raise PortUnavailable(
                        f"another program took the sandbox's port ({HOST}:{port}) before Postfix could "
                        f"listen on it, {PORT_TRIES} times; this says nothing about the configuration: "
                        f"try again\n{error}") from error
                raise SandboxUnavailable(_failure_report(error, log, check)) from error
        raise AssertionError("unreachable")

    def __exit__(self, *exc_info: object) -> None:
        self._teardown()

    def _boot(self) -> None:
        """Lay out the temp dir, start Dovecot if SASL wants it, start Postfix, wait."""
        # A verify killed by SIGKILL left its daemons and folder: remove what is provably such.
        stale.remove_abandoned(Path(SANDBOX_PARENT))
        # /tmp rather than $TMPDIR: every parent must be traversable by user postfix.
        self.root = Path(tempfile.mkdtemp(prefix=stale.PREFIX, dir=SANDBOX_PARENT))
        _live.add(self)
        os.chmod(self.root, 0o755)  # mkdtemp makes it 0700; postfix must get in.
        stale.mark(self.root)
        self._port_hold = hold_port()
        self.port = self._port_hold.getsockname()[1]
        listeners = []
        self.ports = {}
        for index, (name, overrides) in enumerate(self.services):
            if index:
                self._port_holds.append(hold_port())
            port = self.port if not index else self._port_holds[-1].getsockname()[1]
            self.ports[name] = port
            listeners.append((port, overrides))
        tls_files = write_certificate(self.root / "tls", self.tls_hostname) if self.tls_hostname else None
        self._postfix = Postfix(self.root, self.main_cf, self.maps, self.port, self.chroot, listeners, tls_files,
                                lmtp=self.deliver, support=self.support, postscreen=self.postscreen)
        sasl = self._postfix.postconf("smtpd_sasl_type", "smtpd_sasl_path", "virtual_transport")
        lmtp = sasl.get("virtual_transport", "")
        lmtp_socket = (self._postfix.queue_dir / lmtp.removeprefix("lmtp:unix:")
                       if self.deliver and lmtp.startswith("lmtp:unix:") and ":" not in lmtp.removeprefix("lmtp:unix:")
                       and not lmtp.removeprefix("lmtp:unix:").startswith("/") else None)
        # A service's `-o smtpd_sasl_type=dovecot` (submission beside a port 25 without SASL) needs it too.
        by_service = [dict(overrides) for _, overrides in self.services
                      if ("smtpd_sasl_type", "dovecot") in overrides]
        if sasl.get("smtpd_sasl_type") == "dovecot" or by_service or lmtp_socket is not None:
            path = ((sasl.get("smtpd_sasl_path", "") if not by_service or sasl.get("smtpd_sasl_type") == "dovecot"
                     else by_service[0].get("smtpd_sasl_path", "")) or FALLBACK_SASL_PATH)
            if path.startswith("/") or ":" in path:
                path = FALLBACK_SASL_PATH
            # A relative path is relative to the queue directory, which is also
            # the chroot: the one place a chrooted and an unchrooted smtpd agree on.
            self._dovecot = Dovecot(self.root / "dovecot", self._postfix.queue_dir / path, self.logins, lmtp_socket)
            self._dovecot.start(READY_TIMEOUT)
        self._release_port()
        self._postfix.start()
        self._wait_ready()

    def _release_port(self) -> None:
        """Let master bind the ports this sandbox has held since they were chosen."""
        if self._port_hold is not None:
            self._port_hold.close()
            self._port_hold = None
        for held in self._port_holds:
            held.close()
        self._port_holds = []

    def _wait_ready(self) -> None:
        """Poll until master listens on the smtpd port, or give up after READY_TIMEOUT."""
        # Look in /proc/net/tcp instead of connecting: every connection makes master
        # fork an smtpd, and an smtpd that dies before its banner (e.g. SASL socket
        # missing) gets the service throttled for 60 s, ruining the test that
        # wanted to watch that very failure.
        deadline = time.monotonic() + READY_TIMEOUT
        for port in sorted({self.port, *self.ports.values()}):
            while True:
                inode = listener_inode(HOST, port)
                if inode is not None:
                    # Only a socket master holds counts: anything else listening there would
                    # answer verify's sessions in Postfix's name.
                    if not holds_socket(self._postfix.own_pids(), inode):
                        raise _PortTaken(f"{HOST}:{port} is listened on by a process of another instance")
                    break
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"nothing listens on {HOST}:{port} after {READY_TIMEOUT}s")
                time.sleep(0.05)

    def _safe_check(self) -> str:
        """Return `postfix check` output for a failure report, or "" if even that fails."""
        try:
            return self._postfix.check() if self._postfix is not None else ""
        except Exception as error:  # noqa: BLE001 - diagnostics only
            return f"(postfix check failed: {error})"

    def _teardown(self) -> None:
        """Stop Postfix and Dovecot and remove the temp dir; safe to call twice."""
        # A SIGTERM now waits until everything is stopped and removed (signals.py).
        with signals.deferred():
            self._stop_everything()

    def _stop_everything(self) -> None:
        self._release_port()
        postfix, dovecot, root = self._postfix, self._dovecot, self.root
        if postfix is not None:
            # Kept so log() still answers after the with block, when the file is gone.
            self._final_log = self.log()
        try:
            if postfix is not None:
                postfix.stop()
        finally:
            try:
                if dovecot is not None:
                    dovecot.stop()
            finally:
                if root is not None:
                    # Not by pid file alone: whatever still names the folder ends before it goes.
                    stale.remove(root)
                self._postfix = self._dovecot = None
                self.root = None
                _live.discard(self)

    # -- use ---------------------------------------------------------------

    def client(self, source: str = "127.0.0.9", *, timeout: float = 10.0) -> smtplib.SMTP:
        """Return an SMTP connection to the sandbox from the given loopback address."""
        return connect(self.host, self.port, source, timeout)

    def try_send(
        self,
        source: str,
        login: str | None,
        password: str | None,
        mail_from: str,
        rcpt_to: str,
        *,
        timeout: float = 10.0,
        service: str | None = None,
        tls: str | None = None,
        data: bool = False,
        proxy: str | None = None,
    ) -> Attempt:
        """Try one envelope (EHLO, AUTH, MAIL, RCPT; DATA and a short message with `data`) and say how it went.

        `service` names one of the stated services (its own port); `tls` is None (plain text),
        `starttls` (when offered) or `implicit` (TLS from the first byte); `proxy` an address a
        PROXY v1 header names as the client before the greeting (client.py).
        """
        # An smtpd that dies during startup gets master's 60 s throttle: later
        # connections are accepted by the kernel but never answered, so they end
        # in a timeout (stage "connect", code 0) rather than an SMTP reply.
        port = self.ports[service] if service is not None else self.port
        return attempt(self.host, port, source, login, password, mail_from, rcpt_to, timeout, tls, data, proxy)

    def log(self) -> str:
        """Return the Postfix maillog so far, followed by Dovecot's log if it runs."""
        if self._postfix is None:
            return self._final_log
        text = self._postfix.log()
        if self._dovecot is not None:
            text += "\n--- dovecot ---\n" + self._dovecot.log()
        return text

    def wait_log(self, needle: str, timeout: float = 5.0) -> str:
        """Return the log once it contains needle (postlogd writes asynchronously)."""
        deadline = time.monotonic() + timeout
        while needle not in (text := self.log()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return text

    def delivered(self, address: str, count: int = 1, timeout: float = 20.0) -> list[str]:
        """Return the messages delivered to `address` (Sandbox(deliver=True)), once `count` have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._dovecot.delivered(address) if self._dovecot is not None else []
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def check_output(self) -> str:
        """Return the output of `postfix -c DIR check` for this sandbox's config."""
        if self._postfix is None:
            raise RuntimeError("the sandbox is not running")
        return self._postfix.check()

    def pids(self) -> list[int]:
        """Return the pids of this sandbox's running Postfix and Dovecot processes."""
        found: list[int] = []
        if self._postfix is not None:
            found += self._postfix.own_pids()
        if self._dovecot is not None:
            found += self._dovecot.alive_pids()
        return sorted(set(found))

    @property
    def config_dir(self) -> Path | None:
        """Return the config directory (main.cf, master.cf) while running."""
        return self._postfix.config_dir if self._postfix is not None else None

    @property
    def effective_main_cf(self) -> str:
        """Return the main.cf text Postfix actually reads (after isolation edits)."""
        return self._postfix.main_cf_text if self._postfix is not None else ""


def listener_inode(host: str, port: int) -> int | None:
    """Return the inode of the TCP socket in LISTEN state on host:port (IPv4), or None."""
    # /proc/net/tcp writes the address as little-endian hex and the port as hex;
    # state 0A is LISTEN; field 10 is the socket's inode.
    wanted = "{}:{:04X}".format(socket.inet_aton(host)[::-1].hex().upper(), port)
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    for fields in map(str.split, lines):
        if fields[1] == wanted and fields[3] == "0A":
            return int(fields[9])
    return None


def holds_socket(pids: list[int], inode: int) -> bool:
    """Tell whether one of `pids` has the socket with this inode open."""
    wanted = f"socket:[{inode}]"
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) == wanted:
                    return True
            except OSError:
                continue
    return False


def _failure_report(error: BaseException, log: str, check: str) -> str:
    """Explain a failed boot with the error and the last lines of log and check."""
    report = [f"Postfix sandbox failed to boot: {error}"]
    if log.strip():
        report.append("last log lines:\n" + _tail(log))
    if check.strip():
        report.append("postfix check:\n" + _tail(check))
    return "\n".join(report)


def _remove_tree(root: Path) -> None:
    """Remove the temp dir, retrying once for files a dying daemon still writes."""
    for _ in range(3):
        shutil.rmtree(root, ignore_errors=True)
        if not root.exists():
            return
        time.sleep(0.2)


@atexit.register
def _stop_leftovers() -> None:
    """Tear down sandboxes a crashed test left running when Python exits."""
    for sandbox in list(_live):
        sandbox._teardown()
