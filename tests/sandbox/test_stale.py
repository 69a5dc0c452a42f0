"""stale.py: only a folder provably a sandbox's and provably abandoned is removed, with its processes.

The folders are made under tmp_path (remove_abandoned takes the parent), their "daemons" are
sleeping children carrying the sandbox's MAIL_CONFIG or Dovecot's -c argument, so nothing needs
Postfix and nothing outside the test is looked at (docs/mutation.md: these ran no mutant before).
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailpolicy.sandbox import procs, stale

def dead_maker() -> tuple[int, str]:
    """Return the pid and start time of a process that has exited since."""
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    start = stale.process_start(child.pid)
    child.stdin.close()
    child.wait()
    return child.pid, start


def sandbox_folder(parent: Path, marker: str | None, name: str = stale.PREFIX + "abc") -> Path:
    root = parent / name
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    if marker is not None:
        (root / stale.MARKER).write_text(marker)
        os.chmod(root / stale.MARKER, 0o644)
    return root


def test_mark_names_this_process_its_start_and_the_boot(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        stale.mark(tmp_path)
    finally:
        os.umask(old)
    # Writable by nobody else even under umask 0: abandoned() trusts only such a marker.
    assert stat.S_IMODE((tmp_path / stale.MARKER).stat().st_mode) == 0o644
    pid = os.getpid()
    assert (tmp_path / stale.MARKER).read_text() == f"{pid} {stale.process_start(pid)} {stale._boot_id()}\n"
    assert stale.process_start(pid).isdigit() and stale._boot_id() != "unknown"
    with pytest.raises(FileExistsError):
        stale.mark(tmp_path)  # never written through something already there


def test_a_marker_link_planted_at_the_name_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / stale.MARKER).symlink_to(victim)
    with pytest.raises(FileExistsError):
        stale.mark(tmp_path / "root")
    assert victim.read_text() == "keep\n"


def test_the_start_time_is_field_22_of_stat() -> None:
    fields = Path(f"/proc/{os.getpid()}/stat").read_text().split()
    assert stale.process_start(os.getpid()) == fields[21]  # this test's name has no space or ')'
    assert stale.process_start(dead_maker()[0]) is None


def test_a_folder_whose_maker_is_dead_is_abandoned(tmp_path: Path) -> None:
    pid, start = dead_maker()
    assert stale.abandoned(sandbox_folder(tmp_path, f"{pid} {start} {stale._boot_id()}\n"))


def test_a_folder_whose_maker_runs_is_not_abandoned(tmp_path: Path, children) -> None:
    maker = children.start()
    root = sandbox_folder(tmp_path, f"{maker.pid} {stale.process_start(maker.pid)} {stale._boot_id()}\n")
    assert not stale.abandoned(root)


def test_this_process_never_abandons_its_own_folder(tmp_path: Path) -> None:
    root = sandbox_folder(tmp_path, None)
    stale.mark(root)
    assert not stale.abandoned(root)
    (root / stale.MARKER).write_text(f"{os.getpid()} 1 another-boot\n")  # even with stale words
    assert not stale.abandoned(root)


@pytest.mark.parametrize("marker", ["{pid} 1 {boot}\n", "{pid} {start} another-boot\n"],
                         ids=["pid reused since", "written before a reboot"])
def test_a_live_pid_that_is_not_the_maker_does_not_keep_a_folder(tmp_path: Path, children, marker: str) -> None:
    other = children.start()
    text = marker.format(pid=other.pid, start=stale.process_start(other.pid), boot=stale._boot_id())
    assert stale.abandoned(sandbox_folder(tmp_path, text))


@pytest.mark.parametrize("marker", ["", "garbage\n", "12 34\n", "x 1 boot\n", "-3 1 boot\n", "1 2 3 4\n"])
def test_a_marker_that_cannot_be_read_keeps_the_folder(tmp_path: Path, marker: str) -> None:
    assert not stale.abandoned(sandbox_folder(tmp_path, marker))


def test_only_a_private_folder_of_ours_with_its_marker_file_counts(tmp_path: Path) -> None:
    pid, start = dead_maker()
    marker = f"{pid} {start} {stale._boot_id()}\n"
    assert not stale.abandoned(sandbox_folder(tmp_path, marker, name="other-abc"))  # not the prefix
    assert not stale.abandoned(sandbox_folder(tmp_path, None, name=stale.PREFIX + "none"))  # no marker
    writable = sandbox_folder(tmp_path, marker, name=stale.PREFIX + "group")
    os.chmod(writable, 0o775)
    assert not stale.abandoned(writable)
    others = sandbox_folder(tmp_path, marker, name=stale.PREFIX + "others")
    os.chmod(others / stale.MARKER, 0o646)
    assert not stale.abandoned(others)
    linked = sandbox_folder(tmp_path, None, name=stale.PREFIX + "linked")
    (tmp_path / "elsewhere").write_text(marker)
    (linked / stale.MARKER).symlink_to(tmp_path / "elsewhere")
    assert not stale.abandoned(linked)
    folder_link = tmp_path / (stale.PREFIX + "folder-link")
    folder_link.symlink_to(sandbox_folder(tmp_path, marker, name="real"))
    assert not stale.abandoned(folder_link)
    marker_folder = sandbox_folder(tmp_path, None, name=stale.PREFIX + "marker-folder")
    (marker_folder / stale.MARKER).mkdir()
    assert not stale.abandoned(marker_folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_folder_of_another_user_is_not_ours(tmp_path: Path) -> None:
    pid, start = dead_maker()
    root = sandbox_folder(tmp_path, f"{pid} {start} {stale._boot_id()}\n")
    nobody = pwd.getpwnam("nobody").pw_uid
    os.chown(root / stale.MARKER, nobody, -1)
    assert not stale.abandoned(root)
    os.chown(root / stale.MARKER, 0, -1)
    os.chown(root, nobody, -1)
    assert not stale.abandoned(root)


def test_an_abandoned_folder_is_removed_with_its_processes_and_nothing_else(tmp_path: Path, children) -> None:
    pid, start = dead_maker()
    boot = stale._boot_id()
    dead = sandbox_folder(tmp_path, f"{pid} {start} {boot}\n", name=stale.PREFIX + "b-dead")
    (dead / "dovecot").mkdir()
    (dead / "dovecot" / "passwd").write_text("jcricket:{PLAIN}pw::::::\n")
    maker = children.start()
    live = sandbox_folder(tmp_path, f"{maker.pid} {stale.process_start(maker.pid)} {boot}\n",
                          name=stale.PREFIX + "a-live")
    master = children.start(env={**os.environ, "MAIL_CONFIG": str(dead / "etc")})
    dovecot = children.start("-c", str(dead / "dovecot" / "dovecot.conf"))
    live_master = children.start(env={**os.environ, "MAIL_CONFIG": str(live / "etc")})
    live_dovecot = children.start("-c", str(live / "dovecot" / "dovecot.conf"))
    assert stale.leftover_pids(dead) == sorted([master.pid, dovecot.pid])

    # The live folder sorts first: a folder kept does not end the search for abandoned ones.
    assert stale.remove_abandoned(tmp_path) == [dead]
    assert master.wait(timeout=10) and dovecot.wait(timeout=10)
    assert not dead.exists() and live.exists()
    assert all(procs.is_alive(child.pid) for child in (maker, live_master, live_dovecot))


def test_a_dovecot_masters_children_are_its_leftovers_too(tmp_path: Path, children, waiting) -> None:
    code = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; "
            "time.sleep(60)', 'auth']); time.sleep(60)")
    root = tmp_path / (stale.PREFIX + "x")
    conf = str(root / "dovecot" / "dovecot.conf")
    master = children.start("-c", conf, code=code)
    try:
        waiting(lambda: procs.children_of(master.pid))
        [auth] = procs.children_of(master.pid)
        assert stale.leftover_pids(root) == sorted([master.pid, auth])
    finally:
        for pid in procs.children_of(master.pid):
            children.kill_if_tagged(pid, "auth")


def test_a_parent_that_cannot_be_listed_removes_nothing(tmp_path: Path) -> None:
    assert stale.remove_abandoned(tmp_path / "missing") == []


# --- remove: the folder goes only after the last process naming it ---------------------------------

DAEMONIZE = ("import signal, subprocess, sys, time\n"
             "def daemonize(*_):\n"
             "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', *sys.argv[1:3], 'late'])\n"
             "    sys.exit(0)\n"
             "signal.signal(signal.SIGTERM, daemonize)\n"
             "open(sys.argv[3], 'w').close()\n"
             "time.sleep(60)\n")


def test_a_process_forked_after_the_first_search_is_ended_before_the_folder_goes(tmp_path: Path, children,
                                                                                  waiting) -> None:
    # A `dovecot -c CONF` still daemonizing when a sweep looks: its master appears after the search
    # (tests/sandbox/test_no_process_outlives_its_folder.py shows it on the real Dovecot). Here the stand-in forks its
    # "master", with the same -c, when it is TERMed.
    root = sandbox_folder(tmp_path, None)
    conf = str(root / "dovecot" / "dovecot.conf")
    starting = children.start("-c", conf, str(tmp_path / "ready"), code=DAEMONIZE)
    waiting((tmp_path / "ready").exists)
    assert stale.leftover_pids(root) == [starting.pid]
    try:
        assert stale.remove(root, grace=5.0) is True
        assert starting.wait(timeout=10) == 0  # it did fork its master, then left
        assert stale.leftover_pids(root) == [] and not root.exists()
    finally:
        for pid in procs.with_argument(conf.encode()):
            children.kill_if_tagged(pid, "late")


def test_a_folder_is_kept_while_a_process_naming_it_survives(tmp_path: Path, children, monkeypatch) -> None:
    root = sandbox_folder(tmp_path, None)
    dovecot = children.start("-c", str(root / "dovecot" / "dovecot.conf"))
    ended: list[list[int]] = []
    monkeypatch.setattr(stale.procs, "terminate", lambda pids, grace: ended.append(list(pids)))
    # Removed, the folder would no longer name the process to any later sweep.
    assert stale.remove(root) is False
    assert root.exists() and procs.is_alive(dovecot.pid)
    assert ended == [[dovecot.pid]] * procs.END_ROUNDS
    pid, start = dead_maker()
    (root / stale.MARKER).write_text(f"{pid} {start} {stale._boot_id()}\n")
    assert stale.remove_abandoned(tmp_path) == []  # not reported as removed


def test_a_folder_no_process_names_is_removed_at_once(tmp_path: Path, children, monkeypatch) -> None:
    root = sandbox_folder(tmp_path, None)
    other = children.start("-c", str(tmp_path / "other" / "dovecot" / "dovecot.conf"))
    ended: list[list[int]] = []
    monkeypatch.setattr(stale.procs, "terminate", lambda pids, grace: ended.append(list(pids)))
    assert stale.remove(root) is True
    assert not root.exists() and ended == [] and procs.is_alive(other.pid)
