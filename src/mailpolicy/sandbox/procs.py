"""Find and end the processes one sandbox started, by pid only."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path

_PROC = Path("/proc")
# Searches for a server's processes before end_all gives up (see there).
END_ROUNDS = 3


def read_pid(path: Path) -> int | None:
    """Return the pid stored in a pid file, or None if there is none."""
    try:
        text = path.read_text().split()
    except (FileNotFoundError, PermissionError):
        return None
    return int(text[0]) if text and text[0].isdigit() else None


def is_alive(pid: int) -> bool:
    """Tell whether a pid runs and is not a zombie."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    # Field 3, after the parenthesised command name, is the state; Z is a zombie.
    return stat.rpartition(")")[2].split()[0] != "Z"


def _all_pids() -> list[int]:
    """Return every pid visible in /proc."""
    return [int(entry.name) for entry in _PROC.iterdir() if entry.name.isdigit()]


def children_of(parent: int) -> list[int]:
    """Return the pids whose parent is parent."""
    found = []
    for pid in _all_pids():
        try:
            stat = (_PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and fields[1] == str(parent):
            found.append(pid)
    return found


def with_environment(name: str, value: str) -> list[int]:
    """Return the pids whose environment has name=value exactly."""
    # Postfix passes MAIL_CONFIG (the -c directory) on to master and every daemon
    # (it is in the default import_environment), so this names one instance's
    # processes and nobody else's.
    wanted = f"{name}={value}".encode()
    found = []
    for pid in _all_pids():
        try:
            environ = (_PROC / str(pid) / "environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(pid)
    return found


def terminate(pids: Iterable[int], grace: float) -> None:
    """Send TERM to each pid, wait up to grace seconds, then KILL the survivors."""
    pids = [pid for pid in pids if pid != os.getpid() and is_alive(pid)]
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(is_alive(pid) for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        if is_alive(pid):
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    """Send a signal, ignoring a process that has already gone."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def with_argument(argument: bytes) -> list[int]:
    """Return the pids one of whose command-line arguments is exactly `argument`."""
    # Dovecot's master keeps `-c CONF` on its command line; a sandbox's CONF is in its own folder.
    found = []
    for pid in _all_pids():
        try:
            arguments = (_PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argument in arguments:
            found.append(pid)
    return found


def started_with(argument: str) -> list[int]:
    """Return the pids whose command line holds `argument` exactly, and their children.

    A server started with its own configuration's path (Dovecot's `-c CONF`, PostgreSQL's `-D
    DATA`) keeps it on its master's command line; its children rename themselves (`dovecot/auth`,
    `postgres: checkpointer`, measured) and are found by their parent.
    """
    pids = set()
    for pid in with_argument(argument.encode()):
        pids.add(pid)
        pids.update(children_of(pid))
    return sorted(pids)


def end_all(find: Callable[[], Iterable[int]], grace: float, rounds: int = END_ROUNDS) -> bool:
    """TERM (then KILL) what `find` returns, searching again after each round; True once it finds none alive.

    Searched again because a process still being started (a daemon forking its master) can appear
    after a search. False: something survived every round, so what names it must be kept.
    """
    for _ in range(rounds):
        pids = [pid for pid in find() if pid != os.getpid() and is_alive(pid)]
        if not pids:
            return True
        terminate(pids, grace)
    return not [pid for pid in find() if pid != os.getpid() and is_alive(pid)]
