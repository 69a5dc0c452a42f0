"""The project's installed `mailpolicy` (beside the running Python, not whatever PATH finds) in a git repository, run the way a build pipeline runs it.

Commit a policy, compile, edit the policy: `compile --check` fails with the right diff until the
output is recompiled and committed. A hand edit to a generated file is refused. A compile killed
(SIGKILL) between two renames leaves every file whole, the journal to undo it, and git sees the
committed files again once it is undone; the next compile finishes the job.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailpolicy.output.marker import is_intact
from tests.helpers import SMALL_POLICY, mailpolicy_command

POLICY = SMALL_POLICY
MAP = "build/controlled_envelope_senders"

# Loaded by the interpreter that runs the installed `mailpolicy` (PYTHONPATH): after the first
# rename of an output file, the process kills itself, as a power cut or an OOM killer would.
_KILL_HOOK = """
import os, signal
_real = os.replace
def _replace(src, dst, **kwargs):
    _real(src, dst, **kwargs)
    if not os.path.basename(dst).startswith(".mailpolicy-"):
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = _replace
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    assert shutil.which("git"), "git is needed"
    work = tmp_path / "repo"
    (work / "hosts").mkdir(parents=True)
    _git(work, "init", "-q")
    _git(work, "config", "user.email", "ci@example0.com")
    _git(work, "config", "user.name", "CI")
    return work


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _mailpolicy(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*mailpolicy_command(), "compile", *args, "hosts/site.mailpolicy", "-o", "build"],
                          cwd=repo, capture_output=True, text=True, env=environment)


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def test_a_pipeline_in_git(repo: Path, tmp_path: Path) -> None:
    policy = repo / "hosts" / "site.mailpolicy"
    policy.write_text(POLICY)
    _commit(repo, "Add the policy")

    assert _mailpolicy(repo).returncode == 0
    _commit(repo, "Compile")
    assert _mailpolicy(repo, "--check").returncode == 0

    # A change to the policy without recompiling: the check fails, names the file, shows the diff.
    policy.write_text(POLICY + "allow user mallory as mallory@example0.com\n")
    _commit(repo, "Let mallory send as herself")
    check = _mailpolicy(repo, "--check", "--diff")
    assert check.returncode == 1
    assert f"error[MP601]: {MAP} differs from what site.mailpolicy compiles to" in check.stderr
    assert "build/main.cf differs" not in check.stderr
    assert f"--- {MAP}\t(on disk)\n+++ {MAP}\t(compiled from site.mailpolicy)\n" in check.stdout
    assert "+mallory@example0.com\tmallory\n" in check.stdout
    assert _git(repo, "status", "--porcelain") == "", "--check writes nothing"

    assert _mailpolicy(repo).returncode == 0
    assert _git(repo, "status", "--porcelain") == f" M {MAP}\n"
    _commit(repo, "Recompile")
    assert _mailpolicy(repo, "--check").returncode == 0

    # A hand edit to a generated file is refused, and stays as it was.
    main_cf = repo / "build" / "main.cf"
    edited = main_cf.read_text().replace("mynetworks = 127.0.0.0/8 [::1]/128", "mynetworks = 0.0.0.0/0")
    main_cf.write_text(edited)
    policy.write_text(POLICY + "allow user ops as @example0.com\n")
    refused = _mailpolicy(repo)
    assert refused.returncode == 1
    assert "build/main.cf:1:1: error[MP602]: build/main.cf was edited by hand" in refused.stderr
    assert main_cf.read_text() == edited
    _git(repo, "checkout", "--", "build/main.cf")

    # Killed between the first and the second rename: each file is whole, main.cf (renamed last)
    # is the committed one, and the journal is there to undo the rest. Both files change here:
    # the relay list in main.cf, and mallory's line leaves the map.
    policy.write_text(POLICY.replace("relay only authenticated", "relay nobody"))
    committed = {name: (repo / "build" / name).read_bytes() for name in ("main.cf", "controlled_envelope_senders")}
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_KILL_HOOK)
    killed = _mailpolicy(repo, env={"PYTHONPATH": str(hook)})
    assert killed.returncode == -9, killed.stderr
    assert main_cf.read_bytes() == committed["main.cf"]
    new_map = (repo / MAP).read_text()
    assert new_map != committed["controlled_envelope_senders"].decode() and is_intact(new_map)
    assert "mallory" not in new_map
    assert (repo / "build" / ".mailpolicy-journal").exists()
    interrupted = _mailpolicy(repo, "--check")
    assert interrupted.returncode == 1 and "error[MP606]" in interrupted.stderr

    undo = subprocess.run([sys.executable, "-c", "import sys, pathlib; from mailpolicy.output.atomic import recover; "
                           "recover(pathlib.Path(sys.argv[1]))", str(repo / "build")], capture_output=True, text=True)
    assert undo.returncode == 0, undo.stderr
    assert _git(repo, "status", "--porcelain", "--untracked-files=all", "build") == "", \
        "the previous files, exactly as committed, and nothing else"

    # The next compile finishes the job; nothing is left behind.
    killed = _mailpolicy(repo, env={"PYTHONPATH": str(hook)})
    assert killed.returncode == -9
    finished = _mailpolicy(repo)
    assert finished.returncode == 0, finished.stderr
    assert "restored the previous" in finished.stderr
    assert _mailpolicy(repo, "--check").returncode == 0
    assert sorted(p.name for p in (repo / "build").iterdir()) == sorted(["main.cf", "controlled_envelope_senders"])
    assert "smtpd_relay_restrictions =\n    reject_unauth_destination\n" in main_cf.read_text()


def test_the_command_run_is_this_projects_own(tmp_path: Path) -> None:
    # A `mailpolicy` earlier on PATH (an old release, a different checkout) must not be the one
    # tested: plant one that would pass everything and check it is not what runs.
    impostor = tmp_path / "bin" / "mailpolicy"
    impostor.parent.mkdir()
    impostor.write_text("#!/bin/sh\nexit 0\n")
    impostor.chmod(0o755)
    env = {**os.environ, "PATH": f"{impostor.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run([*mailpolicy_command(), "compile", "missing.mailpolicy", "-o", "build"], cwd=tmp_path,
                         capture_output=True, text=True, env=env)
    assert run.returncode == 2 and "missing.mailpolicy" in run.stderr, "the impostor on PATH ran"
