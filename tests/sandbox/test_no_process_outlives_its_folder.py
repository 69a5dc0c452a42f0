"""No sandbox process outlives its folder, on the real Dovecot and PostgreSQL.

A Dovecot found running after its sandbox folder was gone (issue 18) came from here: `dovecot -c
CONF` forks its master and returns, and the master writes run/master.pid some milliseconds later.
Dovecot.stop knew the instance only by that pid file, so a start interrupted in between (Ctrl-C,
SIGTERM, a boot error) left a master that stop() missed, and the teardown then removed the folder,
the last thing that named it (measured before the fix: about one instance in three of an
interrupted start). Now stop() also finds the instance by its `-c CONF` argument, and the
teardown removes the folder only once no process names it (stale.remove). The throwaway
PostgreSQL of `verify --database` had the same shape: stopped only through pg_ctl and
postmaster.pid, then its folder removed; now whatever `-D DATA` still names ends first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailpolicy.sandbox import Sandbox, procs, stale
from mailpolicy.sandbox import postgres
from mailpolicy.sandbox import dovecot as dovecot_module
from mailpolicy.sandbox.dovecot import DOVECOT, Dovecot, instance_pids
from tests.postfix_support import loopback_main_cf, missing_prerequisite

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

LOGINS = {"jimminey": "pw"}


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder Dovecot's unprivileged processes can enter (not under pytest's 0700 tmp_path)."""
    root = Path(tempfile.mkdtemp(prefix="mptest-dovecot-", dir="/tmp"))
    os.chmod(root, 0o755)
    try:
        yield root
    finally:
        for conf in root.glob("*/dovecot.conf"):
            procs.terminate(instance_pids(conf), grace=5.0)  # whatever a failed test left
        shutil.rmtree(root, ignore_errors=True)


def started_without_its_pid_file(root: Path) -> tuple[Dovecot, list[int]]:
    """Start Dovecot as Dovecot.start does, then take its pid file away: the moment before it is written."""
    instance = Dovecot(root / "dovecot", root / "auth", LOGINS)
    subprocess.run([DOVECOT, "-c", str(instance.conf)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=20, check=True)
    pid_file = root / "dovecot" / "run" / "master.pid"
    deadline = time.monotonic() + 20
    while not pid_file.exists():
        assert time.monotonic() < deadline, "Dovecot wrote no pid file"
        time.sleep(0.01)
    pid_file.unlink()
    running = instance_pids(instance.conf)
    return instance, running


def test_stop_ends_a_dovecot_whose_pid_file_is_not_written_yet(folder: Path) -> None:
    instance, running = started_without_its_pid_file(folder)
    commands = [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0] for pid in running]
    assert DOVECOT.encode() in commands, "the master carries -c CONF"
    instance.stop()
    assert not [pid for pid in running if procs.is_alive(pid)]
    assert instance_pids(instance.conf) == []


def test_an_interrupted_start_leaves_no_dovecot_behind(folder: Path, monkeypatch) -> None:
    # Ctrl-C (or SIGTERM, which verify turns into an exception) right after `dovecot -c` returned:
    # nothing has read the pid file yet. Five times, as the daemon's pid file races stop().
    real_run = subprocess.run

    def interrupted(*arguments, **options):
        real_run(*arguments, **options)
        raise KeyboardInterrupt

    monkeypatch.setattr(dovecot_module.subprocess, "run", interrupted)
    for attempt in range(5):
        instance = Dovecot(folder / f"dovecot{attempt}", folder / f"auth{attempt}", LOGINS)
        with pytest.raises(KeyboardInterrupt):
            instance.start()
        instance.stop()
        assert instance_pids(instance.conf) == [], f"attempt {attempt}: Dovecot outlived stop()"


def test_the_teardown_ends_a_dovecot_that_its_stop_missed(monkeypatch) -> None:
    # The net under Dovecot.stop: whatever still names the folder ends before the folder goes.
    monkeypatch.setattr(Dovecot, "stop", lambda self: None)
    with Sandbox(loopback_main_cf(), logins=LOGINS) as sandbox:
        root = sandbox.root
        dovecot = instance_pids(root / "dovecot" / "dovecot.conf")
        assert dovecot, "the sandbox runs Dovecot"
    try:
        assert not root.exists()
        assert not [pid for pid in dovecot if procs.is_alive(pid)]
        assert stale.leftover_pids(root) == []
    finally:
        procs.terminate(stale.leftover_pids(root), grace=5.0)


def test_the_database_folder_goes_only_after_its_server(monkeypatch) -> None:
    reason = postgres.database_available()
    if reason is not None:
        missing_prerequisite(f"no throwaway PostgreSQL here: {reason}")
    database = postgres.PostgresSandbox()
    with database:
        root = database.root
        data = str(root / "data")
        server = procs.started_with(data)
        assert len(server) > 1, "the postmaster and its background processes"
        # As if `pg_ctl start` had been interrupted before the postmaster wrote its pid file:
        # pg_ctl stop is not even tried.
        (root / "data" / "postmaster.pid").unlink()
    try:
        assert not root.exists()
        assert not [pid for pid in server if procs.is_alive(pid)]
    finally:
        procs.terminate(procs.started_with(data), grace=5.0)
