"""verify stopped by a signal tears its sandbox down, like an error, and exits 128 + the signal.

Each test runs `mailpolicy verify` in a child process on a policy with many expect lines (so it
is still sending when the signal comes), waits until the sandbox's smtpd has answered, signals
the child, and then looks for what a teardown must leave: no process of that sandbox (master and
daemons by their MAIL_CONFIG, Dovecot by its config file) and no sandbox folder.
"""

from __future__ import annotations

import contextlib
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from mailpolicy.sandbox import Sandbox, procs, stale
from tests.conftest import REPO

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

SEED = (REPO / "examples" / "seed.mailpolicy").read_text()
RUN_CLI = "import sys; from mailpolicy.cli import main; sys.argv[0] = 'mailpolicy'; main()"


def long_policy(tmp_path: Path) -> tuple[Path, str]:
    """Write the seed with 400 more expect lines and a banner naming this test; return both."""
    tag = f"signal-test-{uuid.uuid4().hex}"
    lines = [SEED, f"set smtpd_banner = $myhostname ESMTP {tag}"]
    lines += [f"expect reject anonymous sending as spam{i}@evil.test to victim{i}@gmail.test" for i in range(400)]
    policy = tmp_path / "site.mailpolicy"
    policy.write_text("\n".join(lines) + "\n")
    return policy, tag


def start_verify(policy: Path) -> subprocess.Popen:
    # This checkout's own mailpolicy, by import, not whatever is first on PATH.
    return subprocess.Popen([sys.executable, "-c", RUN_CLI, "verify", str(policy)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def sandbox_in_use(tag: str, child: subprocess.Popen, timeout: float = 60.0) -> Path:
    """Return the sandbox folder of the child (found by its banner) once smtpd has answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        for root in Path("/tmp").glob(stale.PREFIX + "*"):
            try:
                if tag in (root / "etc" / "main.cf").read_text() and \
                        "connect from" in (root / "log" / "maillog").read_text():
                    return root
            except OSError:
                continue
        time.sleep(0.05)
    out, err = child.communicate(timeout=30) if child.poll() is not None else ("", "")
    raise AssertionError(f"verify never used its sandbox (exit {child.returncode}):\n{out}\n{err}")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)],
                         ids=["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_tears_the_sandbox_down(tmp_path: Path, signum: int, code: int) -> None:
    policy, tag = long_policy(tmp_path)
    child = start_verify(policy)
    try:
        root = sandbox_in_use(tag, child)
        assert stale.leftover_pids(root), "the sandbox's master and Dovecot should be running now"
        # The passwd file of the running sandbox (tests/sandbox/test_passwd_file.py: how it is made).
        assert stat.S_IMODE((root / "dovecot" / "passwd").stat().st_mode) == 0o640
        child.send_signal(signum)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == code, err
    assert f"interrupted by {signal.Signals(signum).name}" in err
    assert stale.leftover_pids(root) == []
    assert not root.exists()


def hold_for(root: Path, keeper: subprocess.Popen) -> str:
    """Make sandbox `root`'s marker name `keeper` (alive): no sweep takes it meanwhile. Return the old marker."""
    # Other test runs on the machine boot sandboxes too, and each boot sweeps /tmp: without this,
    # one of them could remove the killed run's sandbox before this test has looked at it.
    marker = root / stale.MARKER
    original = marker.read_text()
    replace_marker(root, f"{keeper.pid} {stale.process_start(keeper.pid)} {original.split()[2]}\n")
    return original


def replace_marker(root: Path, text: str) -> None:
    staged = root / (stale.MARKER + ".new")
    staged.write_text(text)
    staged.chmod(0o644)  # abandoned() trusts only a marker nobody else can write
    staged.replace(root / stale.MARKER)


def test_a_killed_verify_leaves_a_sandbox_the_next_one_removes(tmp_path: Path, children) -> None:
    policy, tag = long_policy(tmp_path)
    child = start_verify(policy)
    try:
        root = sandbox_in_use(tag, child)
        verify_marker = hold_for(root, children.start())
        assert verify_marker.split()[0] == str(child.pid)  # the marker verify wrote names verify
        child.kill()  # SIGKILL: no teardown can run
        child.communicate(timeout=30)
        leftovers = stale.leftover_pids(root)
        assert root.exists()
        # Both servers are left behind, and both are found: master by MAIL_CONFIG, Dovecot by its -c.
        # (An smtpd whose client was the killed verify may exit meanwhile.)
        commands = []
        for pid in leftovers:
            with contextlib.suppress(OSError):
                commands.append(Path(f"/proc/{pid}/cmdline").read_bytes())
        assert any(b"dovecot" in c for c in commands) and any(b"master" in c for c in commands)
        # verify's own marker again, naming the killed verify: now the next boot's sweep (or any other
        # run's on this machine) removes the sandbox.
        replace_marker(root, verify_marker)
        with Sandbox("mydestination = example0.com\nmynetworks = 127.0.0.1/32\n"
                     "smtpd_relay_restrictions = reject_unauth_destination\n") as live:
            assert not root.exists()
            assert not [pid for pid in leftovers if procs.is_alive(pid)]
            # The running sandbox is ours but alive: a second sweep leaves it alone.
            assert live.root not in stale.remove_abandoned(Path("/tmp"))
            assert live.root.exists()
    finally:
        if child.poll() is None:
            child.kill()
        procs.terminate(stale.leftover_pids(root), grace=1.0) if "root" in locals() else None


def test_only_provably_abandoned_folders_count(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    start = stale.process_start(1)

    def folder(name: str, marker: str | None, mode: int = 0o755) -> Path:
        path = tmp_path / name
        path.mkdir()
        path.chmod(mode)
        if marker is not None:
            (path / stale.MARKER).write_text(marker)
        return path

    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    gone = folder(f"{stale.PREFIX}gone", f"{dead.pid} 1 {boot}\n")
    alive = folder(f"{stale.PREFIX}alive", f"1 {start} {boot}\n")
    reused = folder(f"{stale.PREFIX}reused", f"1 {int(start) + 1} {boot}\n")
    unmarked = folder(f"{stale.PREFIX}unmarked", None)
    shared = folder(f"{stale.PREFIX}shared", f"{dead.pid} 1 {boot}\n", mode=0o777)
    other = folder("not-a-sandbox", f"{dead.pid} 1 {boot}\n")
    assert sorted(stale.remove_abandoned(tmp_path)) == sorted([gone, reused])
    assert [p.exists() for p in (gone, alive, reused, unmarked, shared, other)] == \
        [False, True, False, True, True, True]
