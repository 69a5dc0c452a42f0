"""Child processes for the tests of procs.py and stale.py: started, found, and always reaped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SLEEP = "import time; time.sleep(60)"


class Children:
    """Sleeping Python children of the test; each is killed and reaped when the test ends."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, *arguments: str, code: str = SLEEP, env: dict[str, str] | None = None) -> subprocess.Popen:
        command = [sys.executable, "-c", code, *arguments]
        child = subprocess.Popen(command, env=env)
        self.started.append(child)
        # Popen returns while execve is still setting up the new command line (/proc/PID/cmdline
        # reads empty for a moment): a search by argument made now would miss the child.
        wanted = b"\0".join(part.encode() for part in command) + b"\0"
        wait_for(lambda: _command_line(child.pid) in (wanted, None))
        return child

    @staticmethod
    def kill_if_tagged(pid: int, tag: str) -> None:
        """SIGKILL a grandchild only once its command line ends with `tag`: a search under test
        (or a mutant of one, docs/mutation.md) could name any pid on the machine."""
        try:
            arguments = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            return
        if arguments[-2:] == [tag.encode(), b""]:
            os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        for child in self.started:
            if child.poll() is None:
                child.kill()
            child.wait()


def _command_line(pid: int) -> bytes | None:
    """Return a process's command line; None once it has exited (a zombie's reads empty too)."""
    proc = Path("/proc") / str(pid)
    try:
        if proc.joinpath("stat").read_text().rpartition(")")[2].split()[0] == "Z":
            return None
        return proc.joinpath("cmdline").read_bytes()
    except OSError:
        return None


@pytest.fixture
def children() -> Iterator[Children]:
    started = Children()
    yield started
    started.close()


def wait_for(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def waiting() -> Callable[..., None]:
    """`waiting(predicate)`: poll until it holds (10 s at most)."""
    return wait_for
