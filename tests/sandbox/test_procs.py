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
from pathlib import Path

import pytest

from mailpolicy.sandbox import procs

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


def test_a_zombie_or_a_reaped_child_is_not_alive_and_a_running_one_is(children, waiting) -> None:
    assert procs.is_alive(os.getpid())
    child = children.start(code="pass")
    waiting(lambda: "Z" in (Path("/proc") / str(child.pid) / "stat").read_text().rpartition(")")[2].split()[0])
    assert not procs.is_alive(child.pid)  # exited, not yet reaped: a zombie
    child.wait()
    assert not procs.is_alive(child.pid)


def test_a_process_whose_name_fakes_a_state_is_still_alive(children, waiting) -> None:
    # The command name is in parentheses and may hold ') Z ': the state is after the last ')'.
    child = children.start(code="open('/proc/self/comm', 'w').write('x) Z (y'); import time; time.sleep(60)")
    waiting(lambda: (Path("/proc") / str(child.pid) / "comm").read_text().startswith("x) Z"))
    assert procs.is_alive(child.pid)


def test_children_of_are_the_direct_children_only(children, waiting) -> None:
    child = children.start(code="import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; "
                  "time.sleep(60)', 'grandchild']); time.sleep(60)")
    waiting(lambda: procs.children_of(child.pid))
    [grandchild] = procs.children_of(child.pid)
    mine = procs.children_of(os.getpid())
    assert child.pid in mine and grandchild not in mine
    children.kill_if_tagged(grandchild, "grandchild")


def test_a_process_is_found_by_its_exact_environment_entry_only(children) -> None:
    value = f"/tmp/mpsb-test-{uuid.uuid4().hex}/etc"
    exact = children.start(env={**os.environ, "MAIL_CONFIG": value})
    children.start(env={**os.environ, "MAIL_CONFIG": value + "2"})  # another sandbox whose name starts the same
    children.start(env={**os.environ, "OTHER": value})
    assert procs.with_environment("MAIL_CONFIG", value) == [exact.pid]


def test_a_process_is_found_by_an_exact_argument_only(children) -> None:
    conf = f"/tmp/mpsb-test-{uuid.uuid4().hex}/dovecot/dovecot.conf"
    exact = children.start("-c", conf)
    children.start("-c", conf + ".bak")
    children.start("-c" + conf)
    assert procs.with_argument(conf.encode()) == [exact.pid]


def test_terminate_ends_a_process_with_term_and_does_not_wait_out_the_grace(children) -> None:
    child = children.start()
    started = time.monotonic()
    procs.terminate([child.pid], grace=30.0)
    assert time.monotonic() - started < 10
    assert child.wait(timeout=5) == -signal.SIGTERM


def test_terminate_kills_what_ignores_term_after_the_grace(children, waiting) -> None:
    child = children.start(code="import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)")
    waiting(lambda: ignores_term(child.pid))
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


def test_end_all_counts_a_zombie_as_ended_and_never_this_process(children, waiting) -> None:
    # A daemon's child that exited and is not reaped yet is gone for the teardown: the folder may go.
    child = children.start(code="pass")
    waiting(lambda: "Z" in (Path("/proc") / str(child.pid) / "stat").read_text().rpartition(")")[2].split()[0])
    assert procs.end_all(lambda: [child.pid, os.getpid()], grace=1.0) is True
