"""Releases: the CHANGELOG cut and version lines (scripts/release.py), a release cut in a throwaway
clone, and the wheel built from the sdist installed into a fresh virtual environment."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest

from tests.packaging.helpers import PYTHON, REPO, clone, env_with, fresh_venv, git, project_version, run

_spec = importlib.util.spec_from_file_location("release", REPO / "scripts" / "release.py")
release = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release)

CHANGELOG = """\
# Changelog

## [Unreleased]

### Added
- deploy

## [0.1.0] - 2026-12-06

### Added
- compile
"""


def test_cut_changelog_opens_a_new_unreleased_above_the_release() -> None:
    cut = release.cut_changelog(CHANGELOG, "0.2.0", "2027-01-02")
    assert cut == CHANGELOG.replace("## [Unreleased]\n", "## [Unreleased]\n\n## [0.2.0] - 2027-01-02\n")
    assert release.released_versions(cut) == [(0, 2, 0), (0, 1, 0)]


@pytest.mark.parametrize("version, text, says", [
    ("0.1.0", CHANGELOG, "not greater than the last release, 0.1.0"),
    ("0.0.9", CHANGELOG, "not greater"),
    ("1.0", CHANGELOG, "is not a version X.Y.Z"),
    ("0.2.0", CHANGELOG.replace("- deploy\n", ""), "lists no change"),
    ("0.2.0", CHANGELOG.replace("## [Unreleased]\n", ""), "exactly one"),
])
def test_cut_changelog_refuses(version: str, text: str, says: str) -> None:
    with pytest.raises(release.ReleaseError, match=re.escape(says)):
        release.cut_changelog(text, version, "2027-01-02")


def test_the_version_is_named_the_same_everywhere() -> None:
    version = project_version()
    init = (REPO / "src" / "mailpolicy" / "__init__.py").read_text()
    assert f'__version__ = "{version}"' in init
    tags = re.findall(r"(?:rev: |/mailpolicy@)(v[0-9.]+)", (REPO / "docs" / "ci.md").read_text())
    assert len(tags) == 3 and set(tags) == {f"v{version}"}
    changelog = (REPO / "CHANGELOG.md").read_text()
    released = release.released_versions(changelog)
    # The code names the last release, or the one being prepared (no section for it yet).
    assert not released or tuple(map(int, version.split("."))) >= max(released)


def _next_version(root: Path) -> str:
    version = project_version(root)
    released = release.released_versions((root / "CHANGELOG.md").read_text())
    major, minor, _ = map(int, version.split("."))
    return version if tuple(map(int, version.split("."))) not in released else f"{major}.{minor + 1}.0"


def test_a_release_cut_in_a_clone_commits_and_tags(tmp_path: Path) -> None:
    repo = clone(tmp_path / "clone")
    version = _next_version(repo)
    unreleased = (repo / "CHANGELOG.md").read_text().split("## [Unreleased]\n", 1)[1]
    (repo / "stray.txt").write_text("uncommitted\n")
    dirty = run([PYTHON, "scripts/release.py", version], repo, env_with(Path("/nonexistent")))
    assert dirty.returncode == 1 and "uncommitted changes" in dirty.stderr
    (repo / "stray.txt").unlink()

    done = run([PYTHON, "scripts/release.py", version, "--date", "2027-01-02"], repo, env_with(Path("/nonexistent"),
               GIT_AUTHOR_NAME="CI", GIT_AUTHOR_EMAIL="ci@example0.com",
               GIT_COMMITTER_NAME="CI", GIT_COMMITTER_EMAIL="ci@example0.com"))
    assert done.returncode == 0, done.stderr
    assert git(repo, "log", "-1", "--format=%s").strip() == f"Release {version}"
    assert git(repo, "describe", "--exact-match", "HEAD").strip() == f"v{version}"
    assert git(repo, "cat-file", "-t", f"v{version}").strip() == "tag"  # annotated
    assert git(repo, "status", "--porcelain").strip() == ""
    changelog = (repo / "CHANGELOG.md").read_text()
    assert changelog.split("## [Unreleased]\n", 1)[1] == f"\n## [{version}] - 2027-01-02\n" + unreleased
    assert project_version(repo) == version
    assert f'__version__ = "{version}"' in (repo / "src" / "mailpolicy" / "__init__.py").read_text()
    assert set(re.findall(r"(?:rev: |/mailpolicy@)(v[0-9.]+)", (repo / "docs" / "ci.md").read_text())) == {f"v{version}"}

    again = run([PYTHON, "scripts/release.py", version], repo, env_with(Path("/nonexistent")))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_the_wheel_built_from_the_sdist_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    repo = clone(tmp_path / "clone")
    built = run([PYTHON, "-m", "build", "--outdir", str(tmp_path / "dist"), str(repo)], tmp_path,
                env_with(Path("/nonexistent")))
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    version = project_version(repo)
    (sdist,) = (tmp_path / "dist").glob(f"mailpolicy-{version}.tar.gz")
    (wheel,) = (tmp_path / "dist").glob(f"mailpolicy-{version}-py3-none-any.whl")
    bin_dir = fresh_venv(tmp_path / "venv")
    env = env_with(bin_dir, XDG_CACHE_HOME=str(tmp_path / "cache"))  # no cached parser tables: read the grammar
    installed = run([str(bin_dir / "pip"), "install", "--quiet", str(wheel)], tmp_path, env)
    assert installed.returncode == 0, installed.stderr

    work = tmp_path / "work"
    shutil.copytree(REPO / "examples", work / "examples")
    # A line only lark reads (unusual quoting), and a syntax error, which lark reports.
    (work / "examples" / "quoted.mailpolicy").write_text(
        (REPO / "examples" / "seed.mailpolicy").read_text().replace("hostname mx.example0.com",
                                                                    'hostname   "mx.example0.com"'))
    (work / "broken.mailpolicy").write_text("hostname mx.example0.com\nlocal domains example0.com,\n")
    assert run(["mailpolicy", "--version"], work, env).stdout.strip().endswith(version)
    checked = run(["mailpolicy", "check", "examples/seed.mailpolicy", "examples/quoted.mailpolicy",
                   "examples/office.mailpolicy"], work, env)
    assert checked.returncode == 0, checked.stderr
    broken = run(["mailpolicy", "check", "broken.mailpolicy"], work, env)
    assert broken.returncode == 1 and "error[MP101]" in broken.stderr, broken.stderr
    where = run(["python", "-c", "import mailpolicy.parse.grammar as g; print(g.grammar_path())"], work, env)
    assert where.stdout.strip().startswith(str(tmp_path / "venv")), where.stdout
    assert sdist.stat().st_size > 0
