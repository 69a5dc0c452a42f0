"""Mark each sandbox folder with the process that made it; remove those whose maker is dead.

A verify killed with SIGKILL (or a machine that lost power) runs no teardown: master, smtpd and
Dovecot keep running as root and the folder keeps its passwd file. The next sandbox removes
such leftovers, but only what is provably a sandbox's and provably abandoned:

- ours: a real folder `/tmp/mpsb-*` owned by this user and writable by nobody else, holding a
  marker file of the same kind that this module wrote;
- dead: the marker names a process (pid, its start time in clock ticks since boot, and the boot
  id) that no longer runs; a pid reused since then has another start time, a reboot another id;
- its processes: Postfix's master and daemons carry MAIL_CONFIG=<folder>/etc in their
  environment (procs.with_environment), Dovecot's master names <folder>/dovecot/dovecot.conf on
  its command line; nothing is signalled on a pid file's word alone;
- the folder last: it is removed only once no process names it (remove), else kept for the
  next sweep, since a process whose folder is gone can no longer be found.

The throwaway PostgreSQL of `verify --database` (sandbox/postgres.py, `/tmp/mppg-*`) is swept the
same way (`sweep`): its folder belongs to the server's user, the marker in it to us.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

from . import procs
from .dovecot import instance_pids

MARKER = ".mailpolicy-sandbox"
PREFIX = "mpsb-"
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _boot_id() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown"


def process_start(pid: int) -> str | None:
    """Return a process's start time (field 22 of /proc/PID/stat), or None if it is gone."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    # After the command name: state is field 3, so start time (field 22) is index 19 here.
    return fields[19] if len(fields) > 19 else None


def mark(root: Path) -> None:
    """Write the marker naming this process into a new sandbox folder."""
    pid = os.getpid()
    text = f"{pid} {process_start(pid)} {_boot_id()}\n"
    fd = os.open(root / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _owned(path: Path, want_dir: bool, uid: int) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    kind = stat.S_ISDIR(info.st_mode) if want_dir else stat.S_ISREG(info.st_mode)
    return kind and info.st_uid == uid and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def abandoned(root: Path, prefix: str = PREFIX, owner: int | None = None) -> bool:
    """Tell whether `root` is a sandbox folder of ours whose maker no longer runs.

    `owner`: the user the folder belongs to (this one by default; a PostgreSQL sandbox's is its
    server's user). The marker in it must be this user's whatever the folder's owner.
    """
    me = os.geteuid()
    if (not root.name.startswith(prefix) or not _owned(root, True, me if owner is None else owner)
            or not _owned(root / MARKER, False, me)):
        return False
    try:
        pid_text, start, boot = (root / MARKER).read_text().split()
    except (OSError, ValueError):
        return False
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    return boot != _boot_id() or process_start(pid) != start or not procs.is_alive(pid)


def leftover_pids(root: Path) -> list[int]:
    """Return the pids of the Postfix and Dovecot processes started for sandbox folder `root`."""
    pids = set(procs.with_environment("MAIL_CONFIG", str(root / "etc")))
    pids.update(instance_pids(root / "dovecot" / "dovecot.conf"))
    return sorted(pids)


def remove(root: Path, grace: float = 3.0) -> bool:
    """End every process of sandbox folder `root`, then remove the folder; keep it while one still runs.

    The folder is the only thing that names its processes to a later sweep: removed before the
    last of them, a Dovecot would run on, unfindable (it happened: a Dovecot whose folder was
    gone). Searched again after each round, because one still starting forks after a search.
    """
    from .sandbox import _remove_tree  # the same removal as a normal teardown

    if not procs.end_all(lambda: leftover_pids(root), grace=grace):
        return False
    _remove_tree(root)
    return True


def remove_abandoned(parent: Path = Path("/tmp")) -> list[Path]:
    """Stop the processes of every abandoned sandbox under `parent`, remove it; return those removed."""
    return sweep(parent, PREFIX, None, remove)


def sweep(parent: Path, prefix: str, owner: int | None, end_and_remove: Callable[[Path], bool]) -> list[Path]:
    """Hand every abandoned folder `prefix*` under `parent` to `end_and_remove`; return those it removed."""
    removed = []
    try:
        candidates = sorted(parent.glob(prefix + "*"))
    except OSError:
        return removed
    for root in candidates:
        if abandoned(root, prefix, owner) and end_and_remove(root):
            removed.append(root)
    return removed
