"""The sandbox's small safety steps, each pinned without booting Postfix (mutation survivors, docs/mutation.md).

The passwd file's fields, the port held and told apart from others' listeners, the teardown that
stops each daemon once and removes the folder even when a dying daemon gets in the way, and the
mode asked for a new output file.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailpolicy.output import atomic
from mailpolicy.sandbox import Sandbox
from mailpolicy.sandbox import dovecot
from mailpolicy.sandbox import sandbox as sandbox_module


# --- the passwd file: a login or password can never add a line or a field ------------------------

@pytest.mark.parametrize("bad", ["a:b", "a\nb", "a\rb"])
@pytest.mark.parametrize("where", ["login", "password"])
def test_a_login_or_password_that_would_add_a_field_or_a_line_is_refused(bad: str, where: str) -> None:
    logins = {bad: "secret"} if where == "login" else {"jcricket": bad}
    with pytest.raises(ValueError) as raised:
        dovecot.passwd_file(logins)
    assert str(raised.value) == f"login or password {bad!r} cannot contain ':' or newlines"


def test_the_passwd_file_has_one_line_per_login() -> None:
    text = dovecot.passwd_file({"jcricket": "pw1", "mallory": "pw2"})
    assert text == "jcricket:{PLAIN}pw1::::::\nmallory:{PLAIN}pw2::::::\n"


# --- the port: held, distinct, and a listener told apart -----------------------------------------

def test_each_held_port_is_a_fresh_one() -> None:
    first, second = sandbox_module.hold_port(), sandbox_module.hold_port()
    try:
        ports = {first.getsockname()[1], second.getsockname()[1]}
        assert len(ports) == 2 and all(port >= 1024 for port in ports)
        assert first.type == socket.SOCK_STREAM
    finally:
        first.close()
        second.close()


def test_only_a_listening_socket_on_that_very_port_is_its_listener() -> None:
    held = sandbox_module.hold_port()
    with socket.socket() as other, socket.socket() as wanted:
        other.bind(("127.0.0.1", 0))
        other.listen()
        wanted.bind(("127.0.0.1", 0))
        wanted.listen()
        try:
            # Bound but not listening: nothing listens there yet (another listener does not count).
            assert sandbox_module.listener_inode("127.0.0.1", held.getsockname()[1]) is None
            inode = sandbox_module.listener_inode("127.0.0.1", wanted.getsockname()[1])
            assert inode == os.fstat(wanted.fileno()).st_ino
        finally:
            held.close()


def test_a_listener_is_found_among_several_processes_and_not_in_others() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        inode = sandbox_module.listener_inode("127.0.0.1", listener.getsockname()[1])
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout.strip()
        # A process with open descriptors of its own, none of them the listener.
        with subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE) as child:
            try:
                assert not sandbox_module.holds_socket([child.pid], inode)
                # A pid whose descriptors cannot be listed (it exited) does not end the search.
                assert sandbox_module.holds_socket([int(gone), child.pid, os.getpid()], inode)
            finally:
                child.stdin.close()


def test_a_descriptor_that_closes_while_it_is_read_does_not_end_the_search(monkeypatch) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        inode = sandbox_module.listener_inode("127.0.0.1", listener.getsockname()[1])
        real_readlink, failed = os.readlink, []

        def closing_readlink(path):
            if not failed:  # the first descriptor listed is gone by the time it is read
                failed.append(path)
                raise FileNotFoundError(2, "No such file or directory", str(path))
            return real_readlink(path)

        monkeypatch.setattr(sandbox_module.os, "readlink", closing_readlink)
        assert sandbox_module.holds_socket([os.getpid()], inode)
        assert failed


# --- teardown: each daemon stopped once, the folder removed, the port let go ---------------------

class _Daemon:
    def __init__(self, log: str = "") -> None:
        self.stops, self.text = 0, log

    def stop(self) -> None:
        self.stops += 1

    def log(self) -> str:
        return self.text


def _stopped_sandbox(tmp_path: Path) -> tuple[Sandbox, _Daemon, _Daemon]:
    sandbox = Sandbox.__new__(Sandbox)
    postfix, dovecot_daemon = _Daemon("maillog line\n"), _Daemon("auth line\n")
    sandbox._postfix, sandbox._dovecot, sandbox.root = postfix, dovecot_daemon, tmp_path / "sandbox"
    sandbox.root.mkdir()
    (sandbox.root / "passwd").write_text("jcricket:{PLAIN}pw::::::\n")
    sandbox._port_hold, sandbox._port_holds = sandbox_module.hold_port(), [sandbox_module.hold_port()]
    sandbox._final_log = ""
    return sandbox, postfix, dovecot_daemon


def test_a_teardown_stops_each_daemon_once_keeps_the_log_and_removes_everything(tmp_path: Path) -> None:
    sandbox, postfix, dovecot_daemon = _stopped_sandbox(tmp_path)
    port = sandbox._port_hold.getsockname()[1]
    sandbox._stop_everything()
    sandbox._stop_everything()  # a second teardown (signal after an error) does nothing again
    assert (postfix.stops, dovecot_daemon.stops) == (1, 1)
    assert not (tmp_path / "sandbox").exists()
    assert sandbox.log() == "maillog line\n\n--- dovecot ---\nauth line\n"
    assert sandbox._port_hold is None and sandbox._port_holds == []
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # let go: master may bind it now


def test_the_folder_is_removed_although_a_dying_daemon_gets_in_the_way(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "sandbox"
    (root / "queue").mkdir(parents=True)
    (root / "queue" / "file").write_text("x")
    calls = []
    real = sandbox_module.shutil.rmtree

    def racing_rmtree(path, ignore_errors=False):
        calls.append(ignore_errors)
        if len(calls) == 1:  # a daemon still writing: the first pass leaves the tree behind
            if not ignore_errors:
                raise OSError(39, "Directory not empty", str(path))
            return
        real(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(sandbox_module.shutil, "rmtree", racing_rmtree)
    pauses: list[float] = []
    monkeypatch.setattr(sandbox_module.time, "sleep", pauses.append)
    sandbox_module._remove_tree(root)
    assert not root.exists()
    assert calls == [True, True]
    assert len(pauses) == 1 and 0 < pauses[0] <= 1  # a real number of seconds (None would raise), and short


# --- output: the mode asked for a file that does not exist yet ------------------------------------

def test_a_new_file_gets_the_mode_asked_for_less_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic.write_files(tmp_path / "out", {"main.cf": "a\n", "map": "b\n"}, modes={"map": 0o640})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out" / "map").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "out" / "main.cf").stat().st_mode) == 0o644
