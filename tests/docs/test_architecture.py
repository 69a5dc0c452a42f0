"""docs/architecture.md names only files and folders that exist.

Paths are read from `code spans`: one with a `/` and no space is a path, relative to the
repository or (as the layer list writes them) to src/mailpolicy/. A `<placeholder>` part stands
for any name, so its parent folder must exist; a glob pattern must match something.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "architecture.md"
PACKAGE = REPO / "src" / "mailpolicy"
_CODE = re.compile(r"`([^`\s]+)`")
# A command-line word or URL is not a path.
_NOT_PATHS = re.compile(r"^(-|https?:|\.venv/bin/)")


def named_paths(text: str) -> list[str]:
    """Return the paths written in code spans of a Markdown text, in order."""
    return [span for span in _CODE.findall(text) if "/" in span and not _NOT_PATHS.match(span)]


def exists(path: str) -> bool:
    if "*" in path:  # `tests/cases/**/*.cmd`: a pattern names something when it matches something
        return any(REPO.glob(path)) or any(PACKAGE.glob(path))
    if "<" in path:  # `tests/cases/checks/<CODE>-<what>/`: the folder the placeholder is in
        path = path[:path.index("<")].rsplit("/", 1)[0]
    path = path.rstrip("/")
    return (REPO / path).exists() or (PACKAGE / path).exists()


def test_every_path_docs_architecture_names_exists() -> None:
    paths = named_paths(PAGE.read_text(encoding="utf-8"))
    assert len(paths) > 30, paths  # the file lists are there, not only prose
    missing = [path for path in paths if not exists(path)]
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_a_path_is_found_in_a_code_span_and_a_placeholder_needs_its_folder() -> None:
    assert named_paths("see `src/x.py`, `--force`, `a b/c`, `check` and `tests/cases/<case>/`") == \
        ["src/x.py", "tests/cases/<case>/"]
    assert exists("tests/cases/checks/<CODE>-<what>/") and exists("checks/host.py") and exists("tests/cases/**/*.cmd")
    assert not exists("tests/cases/**/*.nothing")
    assert not exists("src/mailpolicy/no_such_module.py")
