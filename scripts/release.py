"""Cut a release: `python scripts/release.py X.Y.Z [--date YYYY-MM-DD]` on a clean main.

What a release is here (docs/releasing.md): one commit "Release X.Y.Z" in which
- CHANGELOG.md's `## [Unreleased]` section becomes `## [X.Y.Z] - DATE`, under a new, empty
  `## [Unreleased]` (Keep a Changelog 1.1.0);
- pyproject.toml's `version` and `mailpolicy.__version__` say X.Y.Z;
- docs/ci.md's recipes name the tag `vX.Y.Z` (pre-commit `rev:`, the pip install lines);
and an annotated tag `vX.Y.Z` on that commit. Nothing is pushed: `git push origin main vX.Y.Z`.

Refused, changing nothing: a version that is not X.Y.Z or not greater than the last released one,
an empty Unreleased section, uncommitted changes, or a tag that already exists.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UNRELEASED = "## [Unreleased]"
_SECTION = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", re.M)
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_PYPROJECT_VERSION = re.compile(r'^version = "[^"]*"$', re.M)
_INIT_VERSION = re.compile(r'^__version__ = "[^"]*"$', re.M)
# The tag the docs' recipes install: pre-commit's `rev: vX.Y.Z` and `git+URL@vX.Y.Z`.
_DOCS_TAG = re.compile(r"(?<=rev: )v\d+\.\d+\.\d+|(?<=/mailpolicy@)v\d+\.\d+\.\d+")


class ReleaseError(Exception):
    """A reason not to release; nothing was changed."""


def released_versions(changelog: str) -> list[tuple[int, ...]]:
    """Return the versions CHANGELOG.md has sections for, newest first as written."""
    return [tuple(map(int, m.group("version").split("."))) for m in _SECTION.finditer(changelog)]


def cut_changelog(changelog: str, version: str, date: str) -> str:
    """Return CHANGELOG.md with Unreleased turned into the section of `version`, under a new Unreleased."""
    if not _VERSION.match(version):
        raise ReleaseError(f"{version!r} is not a version X.Y.Z (Semantic Versioning)")
    if changelog.count(UNRELEASED + "\n") != 1:
        raise ReleaseError("CHANGELOG.md must have exactly one `## [Unreleased]` section")
    wanted = tuple(map(int, version.split(".")))
    older = released_versions(changelog)
    if older and wanted <= max(older):
        raise ReleaseError(f"{version} is not greater than the last release, {'.'.join(map(str, max(older)))}")
    start = changelog.index(UNRELEASED + "\n") + len(UNRELEASED) + 1
    following = _SECTION.search(changelog, start)
    body = changelog[start:following.start() if following else len(changelog)]
    if not re.search(r"^- ", body, re.M):
        raise ReleaseError("the Unreleased section lists no change: nothing to release")
    return changelog[:start] + f"\n## [{version}] - {date}\n" + changelog[start:]


def set_versions(pyproject: str, init: str, ci_docs: str, version: str) -> tuple[str, str, str]:
    """Return pyproject.toml, mailpolicy/__init__.py and docs/ci.md naming `version`."""
    if not _PYPROJECT_VERSION.search(pyproject) or not _INIT_VERSION.search(init):
        raise ReleaseError("cannot find the version line of pyproject.toml or mailpolicy/__init__.py")
    return (_PYPROJECT_VERSION.sub(f'version = "{version}"', pyproject, count=1),
            _INIT_VERSION.sub(f'__version__ = "{version}"', init, count=1),
            _DOCS_TAG.sub(f"v{version}", ci_docs))


def _git(*args: str, repo: Path) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def release(repo: Path, version: str, date: str) -> None:
    """Commit the release of `version` in `repo` and tag it `v<version>`."""
    if _git("status", "--porcelain", repo=repo).strip():
        raise ReleaseError("the work tree has uncommitted changes: commit or stash them first")
    if _git("tag", "--list", f"v{version}", repo=repo).strip():
        raise ReleaseError(f"the tag v{version} already exists")
    paths = {name: repo / name for name in ("CHANGELOG.md", "pyproject.toml", "src/mailpolicy/__init__.py",
                                            "docs/ci.md")}
    texts = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    changelog = cut_changelog(texts["CHANGELOG.md"], version, date)
    pyproject, init, ci_docs = set_versions(texts["pyproject.toml"], texts["src/mailpolicy/__init__.py"],
                                            texts["docs/ci.md"], version)
    for name, text in zip(paths, (changelog, pyproject, init, ci_docs)):
        paths[name].write_text(text, encoding="utf-8")
    _git("add", *paths, repo=repo)
    _git("commit", "-q", "-m", f"Release {version}", repo=repo)
    _git("tag", "-a", f"v{version}", "-m", f"mailpolicy {version}", repo=repo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="the version to release, X.Y.Z")
    parser.add_argument("--date", default=datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
                        help="the release date written in CHANGELOG.md (default: today, UTC)")
    parser.add_argument("--repo", type=Path, default=REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        release(args.repo, args.version, args.date)
    except ReleaseError as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    print(f"released {args.version}: commit 'Release {args.version}' and tag v{args.version}; "
          f"push them with: git push origin HEAD v{args.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
