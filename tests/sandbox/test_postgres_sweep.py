"""A throwaway PostgreSQL whose maker was SIGKILLed is swept by the next one (sandbox/postgres.py, stale.py).

Before, `/tmp/mppg-*` had no marker: a `verify --database` killed with SIGKILL left its server
running and its folder behind for good. Now the boot marks the folder and sweeps those whose maker
is dead. The stand-in tests use sleeping children named by `-D FOLDER/data` as the server would be
(procs.started_with); the last one kills a real booting process and lets the next boot sweep it.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from mailpolicy.sandbox import postgres, procs, stale
from mailpolicy.sandbox.postgres import PostgresSandbox, database_available
from tests.sandbox.test_stale import dead_maker

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to the postgres user")


def _folder(parent: Path, marker: str, owner: str = "postgres") -> Path:
    root = parent / (postgres.PREFIX + "abc")
    (root / "data").mkdir(parents=True)
    (root / stale.MARKER).write_text(marker)
    os.chmod(root / stale.MARKER, 0o644)
    account = pwd.getpwnam(owner)
    os.chown(root, account.pw_uid, account.pw_gid)
    os.chmod(root, 0o700)
    return root


def test_a_folder_whose_maker_is_dead_goes_with_its_server(tmp_path: Path, children) -> None:
    pid, start = dead_maker()
    root = _folder(tmp_path, f"{pid} {start} {stale._boot_id()}\n")
    server = children.start("-D", str(root / "data"))
    unrelated = children.start("-D", str(tmp_path / "other" / "data"))
    assert postgres.remove_abandoned(tmp_path) == [root]
    assert server.wait(timeout=10) == -15 and not root.exists()
    assert unrelated.poll() is None


def test_a_folder_whose_maker_runs_is_kept(tmp_path: Path, children) -> None:
    maker = children.start()
    root = _folder(tmp_path, f"{maker.pid} {stale.process_start(maker.pid)} {stale._boot_id()}\n")
    server = children.start("-D", str(root / "data"))
    assert postgres.remove_abandoned(tmp_path) == []
    assert root.exists() and server.poll() is None


@pytest.mark.parametrize("owner", ["root", "nobody"])
def test_only_a_folder_of_the_servers_user_counts(tmp_path: Path, owner: str) -> None:
    # A Postfix sandbox is root's, anything else someone else's: neither is a PostgreSQL sandbox.
    pid, start = dead_maker()
    root = _folder(tmp_path, f"{pid} {start} {stale._boot_id()}\n", owner=owner)
    assert postgres.remove_abandoned(tmp_path) == [] and root.exists()


def test_a_marker_the_server_user_could_have_written_is_not_trusted(tmp_path: Path) -> None:
    pid, start = dead_maker()
    root = _folder(tmp_path, f"{pid} {start} {stale._boot_id()}\n")
    os.chown(root / stale.MARKER, pwd.getpwnam("postgres").pw_uid, -1)
    assert postgres.remove_abandoned(tmp_path) == [] and root.exists()


_BOOT_AND_WAIT = """\
import sys, time
from mailpolicy.sandbox.postgres import PostgresSandbox
database = PostgresSandbox().__enter__()
print(database.root, flush=True)
time.sleep(600)
"""


@pytest.mark.postfix
def test_a_sigkilled_makers_server_is_ended_and_its_folder_removed_by_the_next_boot() -> None:
    reason = database_available()
    if reason is not None:
        pytest.skip(f"no throwaway PostgreSQL here: {reason}")
    maker = subprocess.Popen([sys.executable, "-c", _BOOT_AND_WAIT], stdout=subprocess.PIPE, text=True)
    root = None
    try:
        root = Path(maker.stdout.readline().strip())
        assert root.name.startswith(postgres.PREFIX), root
        maker.kill()  # SIGKILL: no teardown runs
        maker.wait(timeout=30)
        left = procs.started_with(str(root / "data"))
        assert root.exists() and left  # the server runs on, its folder kept
        with PostgresSandbox() as next_one:
            assert next_one.root != root
            assert not root.exists()
            assert not [pid for pid in left if procs.is_alive(pid)]
    finally:
        if maker.poll() is None:
            maker.kill()
        if root is not None and root.exists():
            postgres._end_and_remove(root)
