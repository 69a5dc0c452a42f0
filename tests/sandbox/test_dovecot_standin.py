"""Dovecot's lifecycle without Dovecot: a stand-in `dovecot` that daemonizes as the real one does.

The real Dovecot is booted only by `postfix`-marked tests, which mutmut leaves out
(docs/mutation.md): here `DOVECOT` names a small script that, like `dovecot -c CONF`, forks a
master that keeps `-c CONF` on its command line, writes run/master.pid and listens on the auth
socket CONF names, then returns. What is asserted is what the class is for: start() returns once
the socket is there, or says why not; stop() leaves no process of the instance, found by its pid
file or by `-c CONF`; the files it writes.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailpolicy.sandbox import dovecot as dovecot_module
from mailpolicy.sandbox import procs
from mailpolicy.sandbox.dovecot import Dovecot, instance_pids

STAND_IN = """\
import os, re, socket, sys, time
conf = sys.argv[2]
text = open(conf).read()
home = os.path.dirname(conf)
mode = open(os.path.join(home, "mode")).read() if os.path.exists(os.path.join(home, "mode")) else "ok"
if mode == "fails":
    sys.exit(89)
if mode == "hangs":
    time.sleep(60)
if os.fork():
    sys.exit(0)  # the `dovecot` started returns; its master runs on
os.setsid()
os.chdir(home)  # as Dovecot enters its base_dir
os.makedirs(os.path.join(home, "run"), exist_ok=True)
if mode != "no-pid-file":
    with open(os.path.join(home, "run", "master.pid"), "w") as pid_file:
        pid_file.write(f"{os.getpid()}\\n")
if mode != "no-socket":
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(re.search(r"unix_listener (/\\S+) {", text).group(1))
time.sleep(60)
"""


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "dovecot"
    script.write_text(f"#!{sys.executable}\n" + STAND_IN)
    script.chmod(0o755)
    monkeypatch.setattr(dovecot_module, "DOVECOT", str(script))
    return script


@pytest.fixture
def instance(tmp_path: Path, stand_in: Path):
    made = Dovecot(tmp_path / "dovecot", tmp_path / "auth", {"jimminey": "pw"})
    yield made
    procs.terminate(instance_pids(made.conf), grace=5.0)


def test_start_returns_once_the_socket_is_there_and_stop_ends_the_instance(instance: Dovecot, tmp_path: Path) -> None:
    instance.start(timeout=20)
    assert (tmp_path / "auth").is_socket()
    [master] = instance.alive_pids()
    assert Path(f"/proc/{master}/cmdline").read_bytes().split(b"\0")[-3:-1] == [b"-c", str(instance.conf).encode()]
    # Dovecot keeps the descriptors it inherits: pipes there would keep a caller that captures
    # verify's output waiting; so /dev/null (DEVNULL in start()).
    assert [os.readlink(f"/proc/{master}/fd/{fd}") for fd in (0, 1, 2)] == ["/dev/null"] * 3
    instance.stop()
    assert not procs.is_alive(master) and instance.alive_pids() == [] and instance_pids(instance.conf) == []


def test_a_dovecot_that_never_returns_is_given_up_after_the_timeout(instance: Dovecot, tmp_path: Path) -> None:
    (tmp_path / "dovecot" / "mode").write_text("hangs")
    with pytest.raises(subprocess.TimeoutExpired):
        instance.start(timeout=1.0)
    assert instance_pids(instance.conf) == []  # subprocess.run killed it


def test_stop_finds_a_master_without_its_pid_file(instance: Dovecot, tmp_path: Path) -> None:
    (tmp_path / "dovecot" / "mode").write_text("no-pid-file")
    instance.start(timeout=20)
    [master] = instance_pids(instance.conf)
    instance.stop()
    assert not procs.is_alive(master)


def test_a_dovecot_that_fails_says_so_with_its_log(instance: Dovecot, tmp_path: Path) -> None:
    (tmp_path / "dovecot" / "mode").write_text("fails")
    (tmp_path / "dovecot" / "dovecot.log").write_text("".join(f"line {n}\n" for n in range(30)))
    with pytest.raises(RuntimeError) as raised:
        instance.start(timeout=20)
    # The last 20 lines of the log, no more.
    assert str(raised.value) == "dovecot exited with status 89:\n" + "\n".join(f"line {n}" for n in range(10, 30))


def test_a_socket_that_never_appears_is_reported_and_the_master_is_known(instance: Dovecot, tmp_path: Path) -> None:
    (tmp_path / "dovecot" / "mode").write_text("no-socket")
    with pytest.raises(RuntimeError, match=rf"^dovecot auth socket {tmp_path / 'auth'} did not appear:\n$"):
        instance.start(timeout=1.0)
    [master] = instance.alive_pids()  # recorded while waiting: the teardown that follows can stop it
    instance.stop()
    assert not procs.is_alive(master)


def test_the_instance_files(tmp_path: Path, stand_in: Path) -> None:
    old = os.umask(0)  # the modes are the code's
    try:
        made = Dovecot(tmp_path / "d", tmp_path / "auth", {"jimminey": "pw"}, lmtp_socket=tmp_path / "lmtp")
    finally:
        os.umask(old)
    # The home is entered by Dovecot's unprivileged processes; the maildirs written by `nobody`.
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "d" / "mail").stat().st_mode) == 0o777
    assert (made.conf, made.log_path) == (tmp_path / "d" / "dovecot.conf", tmp_path / "d" / "dovecot.log")
    conf = made.conf.read_text()
    home = tmp_path / "d"
    # Everything Dovecot keeps or serves is in its own folder; auth on the socket smtpd looks at.
    for line in (f"base_dir = {home}/run", f"state_dir = {home}/state", f"log_path = {home}/dovecot.log",
                 f"args = scheme=PLAIN username_format=%u {home}/passwd", f"unix_listener {tmp_path / 'auth'} {{",
                 f"mail_location = maildir:{home}/mail/%d/%n", f"unix_listener {tmp_path / 'lmtp'} {{",
                 f"args = uid=nobody gid=nogroup home={home}/mail/%d/%n allow_all_users=yes"):
        assert f"\n{line}\n" in f"\n{conf.replace('  ', '')}", line
    assert (tmp_path / "d" / "passwd").read_text() == "jimminey:{PLAIN}pw::::::\n"
    assert made.log() == ""
    made.log_path.write_bytes(b"auth: ok\n\xff\n")
    assert made.log() == "auth: ok\n\ufffd\n" and made.log_tail(1) == "\ufffd"
    without = Dovecot(tmp_path / "e", tmp_path / "auth2", {})
    assert not (tmp_path / "e" / "mail").exists() and "lmtp" not in without.conf.read_text()
    assert without.conf.read_text().endswith("    group = postfix\n  }\n}\n")  # the auth service, nothing after


def test_delivered_reads_new_and_current_mail_of_one_address(tmp_path: Path, stand_in: Path) -> None:
    made = Dovecot(tmp_path / "d", tmp_path / "auth", {}, lmtp_socket=tmp_path / "lmtp")
    box = tmp_path / "d" / "mail" / "example0.com" / "jim"
    for sub, name, text in (("new", "2", b"second \xff"), ("new", "1", b"first"), ("cur", "0", b"read")):
        (box / sub).mkdir(parents=True, exist_ok=True)
        (box / sub / name).write_bytes(text)  # a message is shown whatever its bytes
    (box / "new" / "folder").mkdir()
    (tmp_path / "d" / "mail" / "example0.com" / "other" / "new").mkdir(parents=True)
    (tmp_path / "d" / "mail" / "example0.com" / "other" / "new" / "x").write_text("not jim's")
    assert made.delivered("jim@example0.com") == ["first", "second \ufffd", "read"]
    assert made.delivered("nobody@example0.com") == []
