"""Reference outputs: compare what a test produced with a file in the repository.

A mismatch writes the produced text beside the reference (`x.ref` -> `x.actual`, any other
`name` -> `name.actual`) so `diff` shows it; a match removes a stale `.actual`. Run the tests
with `--update-goldens` to rewrite the references from what the code produces now, then read
the change in `git diff` before committing it: a reference is an assertion.
"""

from __future__ import annotations

from pathlib import Path


def actual_path(reference: Path) -> Path:
    """Return where the produced text goes when it differs from `reference`."""
    if reference.suffix == ".ref":
        return reference.with_suffix(".actual")
    return reference.with_name(reference.name + ".actual")


def matches_reference(reference: Path, produced: str, update: bool) -> bool:
    """Tell whether `produced` is the text of `reference`; with `update`, make it so."""
    beside = actual_path(reference)
    if update:
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(produced, encoding="utf-8")
        beside.unlink(missing_ok=True)
        return True
    expected = reference.read_text(encoding="utf-8") if reference.exists() else None
    if expected == produced:
        beside.unlink(missing_ok=True)
        return True
    beside.parent.mkdir(parents=True, exist_ok=True)
    beside.write_text(produced, encoding="utf-8")
    return False
