"""Sandbox.__enter__ without Postfix: which failures get another try, and what a failure report says.

Only a port another program took in the moment between the sandbox letting it go and master binding
it is worth another boot (the configuration is not at fault); it is tried PORT_TRIES times and then
reported as PortUnavailable. Every other failure is reported at once with the error, the log's and
`postfix check`'s last lines. The real race is exercised by the `postfix`-marked tests of
test_port.py; here `_boot` is scripted, so the mutation run (docs/mutation.md) can reach the retry.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from mailpolicy.sandbox import PortUnavailable, Sandbox, SandboxUnavailable
from mailpolicy.sandbox import sandbox as sandbox_module
from mailpolicy.sandbox.postfix import ConfigRejected

LOG = "\n".join(f"log line {n}" for n in range(1, 31))
CHECK = "\n".join(f"check line {n}" for n in range(1, 31))
IN_USE = "postfix/master[7]: fatal: bind 127.0.0.1 port 40001: Address already in use"


class Boots:
    """`_boot` replaced by a script of outcomes (None: boots); counts boots, teardowns and checks."""

    def __init__(self, monkeypatch, outcomes: list[BaseException | None], log: str = LOG) -> None:
        self.outcomes, self.boots, self.teardowns, self.checks = outcomes, 0, 0, 0
        monkeypatch.setattr(sandbox_module, "sandbox_available", lambda: None)
        monkeypatch.setattr(Sandbox, "_boot", lambda sandbox: self.boot(sandbox))
        monkeypatch.setattr(Sandbox, "_teardown", lambda sandbox: self.teardown())
        monkeypatch.setattr(Sandbox, "_safe_check", lambda sandbox: self.check())
        monkeypatch.setattr(Sandbox, "log", lambda sandbox: log)

    def boot(self, sandbox: Sandbox) -> None:
        self.boots += 1
        sandbox.port = 40000 + self.boots
        outcome = self.outcomes[self.boots - 1]
        if outcome is not None:
            raise outcome

    def teardown(self) -> None:
        self.teardowns += 1

    def check(self) -> str:
        self.checks += 1
        return CHECK


def test_a_port_taken_on_every_try_is_tried_port_tries_times_and_reported_as_such(monkeypatch) -> None:
    boots = Boots(monkeypatch, [sandbox_module._PortTaken("127.0.0.1:4000x is listened on by another")] * 5)
    with pytest.raises(PortUnavailable) as raised:
        Sandbox("").__enter__()
    assert sandbox_module.PORT_TRIES == 3
    assert (boots.boots, boots.teardowns) == (3, 3)
    assert str(raised.value) == (
        "another program took the sandbox's port (127.0.0.1:40003) before Postfix could listen on it, 3 times; "
        "this says nothing about the configuration: try again\n127.0.0.1:4000x is listened on by another")
    assert isinstance(raised.value.__cause__, sandbox_module._PortTaken)


@pytest.mark.parametrize("failure", [sandbox_module._PortTaken("taken"), RuntimeError("postfix start exited")],
                         ids=["another listener", "master's bind failed"])
def test_a_port_taken_once_gets_another_boot(monkeypatch, failure: BaseException) -> None:
    boots = Boots(monkeypatch, [failure, None], log=IN_USE)
    sandbox = Sandbox("")
    assert sandbox.__enter__() is sandbox
    assert (boots.boots, boots.teardowns) == (2, 1)


def test_a_failure_that_is_not_the_port_is_reported_at_once_with_the_log_and_check(monkeypatch) -> None:
    boots = Boots(monkeypatch, [RuntimeError("nothing listens on 127.0.0.1:40001 after 20.0s"), None])
    with pytest.raises(SandboxUnavailable) as raised:
        Sandbox("").__enter__()
    assert not isinstance(raised.value, PortUnavailable)
    assert (boots.boots, boots.teardowns, boots.checks) == (1, 1, 1)
    last_log = "\n".join(f"log line {n}" for n in range(6, 31))
    last_check = "\n".join(f"check line {n}" for n in range(6, 31))
    assert str(raised.value) == (
        "Postfix sandbox failed to boot: nothing listens on 127.0.0.1:40001 after 20.0s\n"
        f"last log lines:\n{last_log}\npostfix check:\n{last_check}")


def test_a_main_cf_postconf_cannot_read_is_reported_without_running_postfix_check(monkeypatch) -> None:
    # postfix check would only repeat postconf's complaint, after Postfix's 1 s pause on a fatal error.
    boots = Boots(monkeypatch, [ConfigRejected("postconf cannot read the main.cf:\nbad line")], log="")
    with pytest.raises(SandboxUnavailable) as raised:
        Sandbox("").__enter__()
    assert boots.checks == 0
    assert str(raised.value) == "Postfix sandbox failed to boot: postconf cannot read the main.cf:\nbad line"


def test_a_machine_that_cannot_run_a_sandbox_says_why_and_boots_nothing(monkeypatch) -> None:
    boots = Boots(monkeypatch, [None])
    monkeypatch.setattr(sandbox_module, "sandbox_available", lambda: "not root (reason)")
    with pytest.raises(SandboxUnavailable) as raised:
        Sandbox("").__enter__()
    assert str(raised.value) == "not root (reason)"
    assert boots.boots == 0


def test_a_boot_that_fails_before_making_its_folder_is_reported_not_crashed(monkeypatch) -> None:
    # The real teardown runs with nothing made: no folder, no daemon, no port.
    monkeypatch.setattr(sandbox_module, "sandbox_available", lambda: None)

    def boot(sandbox: Sandbox) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Sandbox, "_boot", boot)
    with pytest.raises(SandboxUnavailable) as raised:
        Sandbox("").__enter__()
    # No Postfix was laid out, so there is no `postfix check` to quote, nor a log.
    assert str(raised.value) == "Postfix sandbox failed to boot: [Errno 28] No space left on device"


def test_a_postfix_check_that_fails_itself_is_quoted_as_such() -> None:
    class Broken:
        def check(self) -> str:
            raise RuntimeError("script: not found")

    sandbox = Sandbox("")
    sandbox._postfix = Broken()
    assert sandbox._safe_check() == "(postfix check failed: script: not found)"
    sandbox._postfix = None
    assert sandbox._safe_check() == ""


def test_a_sandbox_never_booted_has_an_empty_log() -> None:
    assert Sandbox("").log() == ""


def test_the_failure_report_leaves_out_what_is_empty() -> None:
    assert sandbox_module._failure_report(RuntimeError("boom"), " \n", "") == "Postfix sandbox failed to boot: boom"
    assert sandbox_module._failure_report(RuntimeError("boom"), "", "one\n") == (
        "Postfix sandbox failed to boot: boom\npostfix check:\none")


def test_a_teardown_with_nothing_made_removes_nothing(tmp_path: Path) -> None:
    sandbox = Sandbox("")
    sandbox._teardown()
    assert sandbox.root is None and sandbox.log() == ""


class _Owner:
    """Stands in for Postfix in _wait_ready: the processes it names as its own."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def own_pids(self) -> list[int]:
        return self.pids


def _waiting_sandbox(port: int, owner: _Owner, services: dict[str, int] | None = None) -> Sandbox:
    sandbox = Sandbox("")
    sandbox.port, sandbox.ports, sandbox._postfix = port, dict(services or {}), owner
    return sandbox


def test_a_listener_that_is_not_masters_is_a_taken_port_not_a_ready_sandbox() -> None:
    # Master could not bind, but another program listens there: verify's sessions would be
    # answered in Postfix's name. Here this test's own socket is the other program.
    with socket.create_server(("127.0.0.1", 0)) as other:
        port = other.getsockname()[1]
        with pytest.raises(sandbox_module._PortTaken, match=f"127.0.0.1:{port} is listened on by a process of another"):
            _waiting_sandbox(port, _Owner([1]))._wait_ready()
        _waiting_sandbox(port, _Owner([1, os.getpid()]))._wait_ready()  # master's own listener: ready


def test_every_services_port_must_be_masters(monkeypatch) -> None:
    with socket.create_server(("127.0.0.1", 0)) as main, socket.create_server(("127.0.0.1", 0)) as other:
        ports = {"smtpd": main.getsockname()[1], "submission": other.getsockname()[1]}
        owner = _Owner([os.getpid()])
        _waiting_sandbox(ports["smtpd"], owner, ports)._wait_ready()
        real_holds = sandbox_module.holds_socket
        mine = sandbox_module.listener_inode("127.0.0.1", ports["smtpd"])
        monkeypatch.setattr(sandbox_module, "holds_socket", lambda pids, inode: inode == mine and real_holds(pids, inode))
        with pytest.raises(sandbox_module._PortTaken, match=str(ports["submission"])):
            _waiting_sandbox(ports["smtpd"], owner, ports)._wait_ready()


def test_nothing_listening_is_given_up_after_the_ready_timeout(monkeypatch) -> None:
    monkeypatch.setattr(sandbox_module, "READY_TIMEOUT", 0.3)
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))  # bound, never listening
        port = bound.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(RuntimeError, match=f"nothing listens on 127.0.0.1:{port} after 0.3s"):
            _waiting_sandbox(port, _Owner([os.getpid()]))._wait_ready()
        assert 0.3 <= time.monotonic() - started < 5
