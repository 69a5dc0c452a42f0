"""Sandbox._boot without Postfix: what it hands to Postfix and Dovecot, and what it leaves behind.

Postfix and Dovecot are replaced by recorders, so this runs anywhere (and in the mutation run,
docs/mutation.md). What a real boot does with these arguments is the `postfix`-marked tests' job;
what is pinned here is the wiring: the chroot column and delivery default to a chrooted smtpd that
delivers nothing, each stated service gets a port of its own, Dovecot listens where smtpd looks
(a queue-relative smtpd_sasl_path; private/auth when the path is absolute or a TCP address), and
the folder is a fresh 0755 `/tmp/mpsb-*` with its marker, removed by the teardown.
"""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest

from mailpolicy.sandbox import Sandbox
from mailpolicy.sandbox import sandbox as sandbox_module
from mailpolicy.sandbox import stale


SWEPT: list[Path] = []


class FakePostfix:
    made: list[FakePostfix] = []
    answers: dict[str, str] = {}

    def __init__(self, root, main_cf, maps, port, chroot, listeners, tls_files, lmtp=False, support=None,
                 postscreen=None):
        self.root, self.main_cf, self.maps, self.port, self.chroot = root, main_cf, maps, port, chroot
        self.listeners, self.tls_files, self.lmtp, self.support = listeners, tls_files, lmtp, support
        self.postscreen = postscreen
        self.queue_dir = root / "spool"
        self.started = self.stopped = 0
        FakePostfix.made.append(self)

    def postconf(self, *names: str) -> dict[str, str]:
        assert names == ("smtpd_sasl_type", "smtpd_sasl_path", "virtual_transport")
        return dict(self.answers)

    def start(self) -> None:
        self.started += 1

    def stop(self) -> None:
        self.stopped += 1

    def log(self) -> str:
        return "maillog\n"

    def own_pids(self) -> list[int]:
        return []


class FakeDovecot:
    made: list[FakeDovecot] = []

    def __init__(self, home, socket_path, logins, lmtp_socket=None):
        self.home, self.socket_path, self.logins, self.lmtp_socket = home, socket_path, logins, lmtp_socket
        self.timeouts: list[float] = []
        self.stopped = 0
        FakeDovecot.made.append(self)

    def start(self, timeout: float) -> None:
        self.timeouts.append(timeout)

    def stop(self) -> None:
        self.stopped += 1

    def log(self) -> str:
        return "auth\n"


pytestmark = pytest.mark.usefixtures("recorders")


@pytest.fixture
def recorders(monkeypatch) -> None:
    FakePostfix.made, FakePostfix.answers, FakeDovecot.made = [], {}, []
    monkeypatch.setattr(sandbox_module, "sandbox_available", lambda: None)
    monkeypatch.setattr(sandbox_module, "Postfix", FakePostfix)
    monkeypatch.setattr(sandbox_module, "Dovecot", FakeDovecot)
    monkeypatch.setattr(Sandbox, "_wait_ready", lambda sandbox: None)
    # Other sandboxes may run on this machine: this boot must not touch /tmp's, only say where it looks.
    monkeypatch.setattr(stale, "remove_abandoned", SWEPT.append)
    SWEPT.clear()
    # The sandbox goes to /tmp whatever TMPDIR says: every parent must be traversable by user postfix.
    monkeypatch.setattr(tempfile, "tempdir", "/var/tmp/not-for-postfix")


def test_by_default_smtpd_is_chrooted_delivers_nothing_and_has_no_dovecot() -> None:
    with Sandbox("mynetworks = 127.0.0.0/8\n") as sandbox:
        [postfix] = FakePostfix.made
        root = sandbox.root
        assert postfix.root == root and root.parent == Path("/tmp") and root.name.startswith(stale.PREFIX)
        assert stat.S_IMODE(root.stat().st_mode) == 0o755  # user postfix must get in
        assert (root / stale.MARKER).is_file()
        assert postfix.main_cf == "mynetworks = 127.0.0.0/8\n"
        assert postfix.maps == {} and postfix.listeners == [] and postfix.tls_files is None
        assert postfix.chroot is True and postfix.lmtp is False and postfix.postscreen is None
        assert postfix.port == sandbox.port and sandbox.port >= 1024 and sandbox.ports == {}
        assert postfix.started == 1 and FakeDovecot.made == []
        assert SWEPT == [Path("/tmp")]  # a killed run's leftovers are looked for where sandboxes go
        assert sandbox._port_hold is None  # let go before master starts, so it can bind the port
    assert postfix.stopped == 1 and not root.exists() and sandbox.root is None
    assert sandbox.log() == "maillog\n"


def test_the_arguments_reach_postfix_and_each_service_gets_its_own_port() -> None:
    services = [("submission", [("smtpd_tls_security_level", "encrypt")]), ("smtps", [])]
    maps = {"/etc/postfix/senders": "a@example.com jcricket\n"}
    with Sandbox("x = y\n", maps=maps, chroot=False, services=services, tls_hostname="mail.example.com",
                 postscreen=[("postscreen_greet_action", "enforce")]) as sandbox:
        [postfix] = FakePostfix.made
        assert postfix.maps == maps and postfix.chroot is False
        assert postfix.postscreen == (("postscreen_greet_action", "enforce"),)
        assert set(sandbox.ports) == {"submission", "smtps"} and sandbox.ports["submission"] == sandbox.port
        assert len(set(sandbox.ports.values())) == 2
        assert postfix.listeners == [(sandbox.ports["submission"], (("smtpd_tls_security_level", "encrypt"),)),
                                     (sandbox.ports["smtps"], ())]
        cert, key = postfix.tls_files
        assert cert.parent == key.parent == sandbox.root / "tls" and cert.is_file() and key.is_file()
        assert sandbox._port_holds == []


@pytest.mark.parametrize(("path", "expected"), [
    ("private/auth", "private/auth"),
    ("private/dovecot-auth", "private/dovecot-auth"),
    ("", "private/auth"),
    ("/var/spool/postfix/private/auth", "private/auth"),  # absolute: where a chrooted smtpd should have looked
    ("inet:127.0.0.1:12345", "private/auth"),
])
def test_dovecot_listens_where_smtpd_looks_for_it(path: str, expected: str) -> None:
    FakePostfix.answers = {"smtpd_sasl_type": "dovecot", "smtpd_sasl_path": path}
    logins = {"jcricket": "pw"}
    with Sandbox("", logins=logins) as sandbox:
        [postfix], [dovecot] = FakePostfix.made, FakeDovecot.made
        assert dovecot.home == sandbox.root / "dovecot"
        assert dovecot.socket_path == postfix.queue_dir / expected
        assert dovecot.logins == logins and dovecot.lmtp_socket is None
        assert dovecot.timeouts == [sandbox_module.READY_TIMEOUT]
        assert sandbox.log() == "maillog\n\n--- dovecot ---\nauth\n"
    assert dovecot.stopped == 1


def test_cyrus_sasl_starts_no_dovecot() -> None:
    FakePostfix.answers = {"smtpd_sasl_type": "cyrus", "smtpd_sasl_path": "smtpd"}
    with Sandbox(""):
        assert FakeDovecot.made == []


@pytest.mark.parametrize(("transport", "deliver", "socket"), [
    ("lmtp:unix:private/dovecot-lmtp", True, "private/dovecot-lmtp"),
    ("lmtp:unix:private/dovecot-lmtp", False, None),  # delivery only when a test asks for it
    ("lmtp:unix:/run/dovecot/lmtp", True, None),  # outside the queue: not the sandbox's own Dovecot
    ("lmtp:inet:127.0.0.1:24", True, None),
    ("lmtp:unix:private/a:b", True, None),
    ("virtual", True, None),
])
def test_lmtp_delivery_goes_to_the_sandbox_dovecot_only_when_asked(transport, deliver, socket) -> None:
    FakePostfix.answers = {"virtual_transport": transport}
    with Sandbox("", deliver=deliver):
        [postfix] = FakePostfix.made
        assert postfix.lmtp is deliver
        if socket is None:
            assert FakeDovecot.made == []
        else:
            [dovecot] = FakeDovecot.made
            assert dovecot.lmtp_socket == postfix.queue_dir / socket
            assert dovecot.socket_path == postfix.queue_dir / "private/auth"


@pytest.mark.parametrize(("main_cf", "overrides", "expected"), [
    ({}, [("smtpd_sasl_type", "dovecot"), ("smtpd_sasl_path", "private/submission-auth")], "private/submission-auth"),
    ({}, [("smtpd_sasl_type", "dovecot")], "private/auth"),
    ({"smtpd_sasl_type": "dovecot", "smtpd_sasl_path": "private/main-auth"},
     [("smtpd_sasl_type", "dovecot"), ("smtpd_sasl_path", "private/other")], "private/main-auth"),
    ({}, [("smtpd_sasl_type", "dovecot"), ("smtpd_sasl_path", "/var/spool/postfix/private/auth")], "private/auth"),
])
def test_a_service_that_asks_for_dovecot_gets_it_where_main_cf_or_the_service_says(main_cf, overrides, expected) -> None:
    # Submission with `-o smtpd_sasl_type=dovecot` beside a port 25 without SASL; main.cf's path wins when it has one.
    FakePostfix.answers = main_cf
    with Sandbox("", services=[("inbound", []), ("submission", overrides)], logins={"j": "pw"}):
        [postfix], [dovecot] = FakePostfix.made, FakeDovecot.made
        assert dovecot.socket_path == postfix.queue_dir / expected and dovecot.logins == {"j": "pw"}


def test_a_service_without_dovecot_starts_none() -> None:
    with Sandbox("", services=[("submission", [("smtpd_sasl_type", "cyrus")])]):
        assert FakeDovecot.made == []
