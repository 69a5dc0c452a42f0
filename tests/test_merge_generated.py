"""Two branches each add a user: generated files are regenerated, not merged (docs/output.md).

The `.gitattributes` and `git config` lines are read from docs/output.md, so the recipe the
documentation gives is the one tested. Without it, git writes conflict markers into the sender
map and compile says so (MP631) instead of calling the file foreign (MP605).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path


from tests.helpers import SMALL_POLICY

REPO = Path(__file__).resolve().parents[1]
MAP = "build/controlled_envelope_senders"
# The users go to different places in the policy, so the policy itself merges cleanly.
BASE = SMALL_POLICY + "\n# staff\n\n\n\n# services\n"
ALICE = BASE.replace("# staff\n", "# staff\nallow user alice as alice@example0.com\n")
BOB = BASE.replace("# services\n", "# services\nallow user bob as bob@example0.com\n")


def _recipe() -> tuple[str, list[list[str]]]:
    """Return the .gitattributes text and the `git config` commands docs/output.md gives."""
    section = (REPO / "docs" / "output.md").read_text().split("## Merging branches", 1)[1]
    attributes = re.search(r"```gitattributes\n(.*?)```", section, re.S).group(1)
    config = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [shlex.split(line) for line in config.splitlines() if line.startswith("git config")]
    return attributes, commands


# This project's own `mailpolicy`, installed beside the running Python, comes first on PATH: the
# recipe's merge driver runs `mailpolicy` by name, and another one earlier on PATH must not answer.
_BIN = str(Path(sys.executable).parent)


def _run(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    environment = {**os.environ, "NO_COLOR": "1", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent),
                   "PATH": _BIN + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(list(args), cwd=repo, capture_output=True, text=True, env=environment)
    if check:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def _compile(repo: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    return _run(repo, "mailpolicy", "compile", *extra, "site.mailpolicy", "-o", "build", check=check)


def _branches(tmp_path: Path, attributes: str | None) -> Path:
    """Make a repository whose branches `alice` and `bob` each add one user and recompile."""
    assert shutil.which("mailpolicy", path=_BIN) and shutil.which("git")
    repo = tmp_path / "repo"
    repo.mkdir()
    _run(repo, "git", "init", "-q", "-b", "main")
    _run(repo, "git", "config", "user.email", "ci@example0.com")
    _run(repo, "git", "config", "user.name", "CI")
    if attributes is not None:
        (repo / ".gitattributes").write_text(attributes)
    for branch, text in (("main", BASE), ("alice", ALICE), ("bob", BOB)):
        if branch != "main":
            _run(repo, "git", "checkout", "-q", "-b", branch, "main")
        (repo / "site.mailpolicy").write_text(text)
        _compile(repo)
        _run(repo, "git", "add", "-A")
        _run(repo, "git", "commit", "-q", "-m", f"{branch}: policy and its compiled output")
    _run(repo, "git", "checkout", "-q", "alice")
    return repo


def test_without_the_recipe_conflict_markers_get_their_own_message(tmp_path: Path) -> None:
    repo = _branches(tmp_path, None)
    merge = _run(repo, "git", "merge", "bob", check=False)
    assert merge.returncode != 0 and f"CONFLICT (content): Merge conflict in {MAP}" in merge.stdout
    assert "main.cf" not in merge.stdout, "adding a user changes only the sender map"
    assert (repo / "site.mailpolicy").read_text() == ALICE.replace(
        "# services\n", "# services\nallow user bob as bob@example0.com\n")
    refused = _compile(repo, check=False)
    assert refused.returncode == 1
    assert f"{MAP}:1:1: error[MP631]: {MAP} holds merge conflict markers" in refused.stderr
    assert "MP605" not in refused.stderr and "not written by mailpolicy" not in refused.stderr
    _compile(repo, "--force")
    # Both users are in the map, each with the bare key of its local user (plan/sender_map.py).
    assert "alice\talice\nalice@example0.com\talice\nbob\tbob\nbob@example0.com\tbob\n" in (repo / MAP).read_text()


def test_the_documented_merge_driver_resolves_by_recompiling(tmp_path: Path) -> None:
    attributes, commands = _recipe()
    assert commands, "docs/output.md gives the git config lines"
    repo = _branches(tmp_path, attributes)
    for command in commands:
        _run(repo, *command)
    merge = _run(repo, "git", "merge", "bob", check=False)
    assert merge.returncode != 0, "the driver stops the merge so that the output is recompiled"
    kept = (repo / MAP).read_text()
    assert "<<<<<<<" not in kept and "alice@example0.com" in kept and "bob@" not in kept
    _compile(repo)  # no --force: the kept file is an intact compiled file
    _run(repo, "git", "add", "build/")
    _run(repo, "git", "commit", "--no-edit")
    # Both users are in the map, each with the bare key of its local user (plan/sender_map.py).
    assert "alice\talice\nalice@example0.com\talice\nbob\tbob\nbob@example0.com\tbob\n" in (repo / MAP).read_text()
    assert _compile(repo, "--check").returncode == 0
    assert _run(repo, "git", "status", "--porcelain").stdout == ""
    parents = _run(repo, "git", "log", "-1", "--format=%P").stdout.split()
    assert len(parents) == 2, "the merge is concluded"
