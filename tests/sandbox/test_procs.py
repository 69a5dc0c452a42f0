"""procs.py: the sandbox finds its processes in /proc and ends them by pid, nobody else's.

Every process here is a child of the test (a sleeping Python), so what is found and what is
signalled can be checked exactly; nothing needs Postfix (docs/mutation.md: these ran no mutant before).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailpolicy.sandbox import procs

SLEEP = "import time; time.sleep(60)"


@pytest.fixture
def spawn() -> Iterator:
    """Start sleeping children (argv, env, or a shell line); kill and reap them all afterwards."""
    started: list[subprocess.Popen] = []

    def start(code: str = SLEEP, *arguments: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        child = subprocess.Popen([sys.executable, "-c", code, *arguments], env=env)
        started.append(child)
        return child

    yield start
    for child in started:
        if child.poll() is None:
            child.kill()
        child.wait()


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def ignores_term(pid: int) -> bool:
    """Tell whether the process has set SIGTERM to be ignored (the SigIgn mask of /proc/PID/status)."""
    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


@pytest.mark.parametrize(("text", "pid"), [("1234\n", 1234), ("  42 trailing words\n", 42), ("", None),
                                           ("master\n", None), ("-5\n", None)])
def test_read_pid_takes_the_first_word_only_when_it_is_a_number(tmp_path: Path, text: str, pid: int | None) -> None:
    (tmp_path / "master.pid").write_text(text)
    assert procs.read_pid(tmp_path / "master.pid") == pid


def test_read_pid_of_a_missing_file_is_none(tmp_path: Path) -> None:
    assert procs.read_pid(tmp_path / "master.pid") is None


def test_a_zombie_or_a_reaped_child_is_not_alive_and_a_running_one_is(spawn) -> None:
    assert procs.is_alive(os.getpid())
    child = spawn("pass")
    wait_for(lambda: "Z" in (Path("/proc") / str(child.pid) / "stat").read_text().rpartition(")")[2].split()[0])
    assert not procs.is_alive(child.pid)  # exited, not yet reaped: a zombie
    child.wait()
    assert not procs.is_alive(child.pid)


def test_a_process_whose_name_fakes_a_state_is_still_alive(spawn) -> None:
    # The command name is in parentheses and may hold ') Z ': the state is after the last ')'.
    child = spawn("open('/proc/self/comm', 'w').write('x) Z (y'); import time; time.sleep(60)")
    wait_for(lambda: (Path("/proc") / str(child.pid) / "comm").read_text().startswith("x) Z"))
    assert procs.is_alive(child.pid)


def test_children_of_are_the_direct_children_only(spawn) -> None:
    child = spawn("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; "
                  "time.sleep(60)']); time.sleep(60)")
    wait_for(lambda: procs.children_of(child.pid))
    [grandchild] = procs.children_of(child.pid)
    mine = procs.children_of(os.getpid())
    assert child.pid in mine and grandchild not in mine
    procs.terminate([grandchild], grace=3.0)


def test_a_process_is_found_by_its_exact_environment_entry_only(spawn) -> None:
    value = f"/tmp/mpsb-test-{uuid.uuid4().hex}/etc"
    exact = spawn(env={**os.environ, "MAIL_CONFIG": value})
    spawn(env={**os.environ, "MAIL_CONFIG": value + "2"})  # another sandbox whose name starts the same
    spawn(env={**os.environ, "OTHER": value})
    assert procs.with_environment("MAIL_CONFIG", value) == [exact.pid]


def test_a_process_is_found_by_an_exact_argument_only(spawn) -> None:
    conf = f"/tmp/mpsb-test-{uuid.uuid4().hex}/dovecot/dovecot.conf"
    exact = spawn(SLEEP, "-c", conf)
    spawn(SLEEP, "-c", conf + ".bak")
    spawn(SLEEP, "-c" + conf)
    assert procs.with_argument(conf.encode()) == [exact.pid]


def test_terminate_ends_a_process_with_term_and_does_not_wait_out_the_grace(spawn) -> None:
    child = spawn()
    started = time.monotonic()
    procs.terminate([child.pid], grace=30.0)
    assert time.monotonic() - started < 10
    assert child.wait(timeout=5) == -signal.SIGTERM


def test_terminate_kills_what_ignores_term_after_the_grace(spawn) -> None:
    child = spawn("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)")
    wait_for(lambda: ignores_term(child.pid))
    started = time.monotonic()
    procs.terminate([child.pid], grace=0.5)
    assert time.monotonic() - started >= 0.5
    assert child.wait(timeout=5) == -signal.SIGKILL


def test_terminate_never_signals_the_caller_and_ignores_the_gone() -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    procs.terminate([os.getpid(), int(gone)], grace=0.2)  # still here: the test goes on


def test_signal_ignores_a_process_that_has_gone() -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    procs._signal(int(gone), signal.SIGTERM)
