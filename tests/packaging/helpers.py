"""Throwaway clones, tags and fresh virtual environments for the packaging tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLACEHOLDER_URL = "https://…/mailpolicy"  # how docs/ci.md writes "wherever you get this repository from"


def project_version(root: Path = REPO) -> str:
    return re.search(r'^version = "([^"]+)"$', (root / "pyproject.toml").read_text(), re.M).group(1)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "CI", "GIT_AUTHOR_EMAIL": "ci@example0.com",
                               "GIT_COMMITTER_NAME": "CI", "GIT_COMMITTER_EMAIL": "ci@example0.com"}).stdout


def clone(target: Path) -> Path:
    """Clone this repository's committed HEAD (CI's fresh clone may carry no tags: none are needed)."""
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(target)], check=True,
                   capture_output=True, text=True)
    return target


def tag_release(repo: Path) -> str:
    """Make sure the clone has the tag of its own version (`v` + pyproject's version); return it."""
    tag = "v" + project_version(repo)
    if not git(repo, "tag", "--list", tag).strip():
        git(repo, "tag", "-a", tag, "-m", f"test release {tag}")
    return tag


def fresh_venv(folder: Path) -> Path:
    """Create an empty virtual environment (pip only) and return its bin folder."""
    venv.create(folder, with_pip=True, clear=True)
    return folder / "bin"


def env_with(bin_dir: Path, **extra: str) -> dict[str, str]:
    """The environment a user of that venv has: its bin first on PATH, no colour, no caller's venv."""
    environment = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    environment.update(PATH=f"{bin_dir}:{environment.get('PATH', '')}", NO_COLOR="1", **extra)
    return environment


def run(command: list[str] | str, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    shell = isinstance(command, str)
    return subprocess.run(["bash", "-c", command] if shell else command, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


PYTHON = sys.executable
