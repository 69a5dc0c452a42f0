"""Unified diffs of output files, coloured only for a terminal (and never when NO_COLOR is set)."""

from __future__ import annotations

import difflib

_COLOURS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def unified_diff(old: str | None, new: str | None, path: str, label: str) -> str:
    """Return the unified diff from the file on disk (`old`, None if absent) to `new`, described by `label`."""
    before = (old or "").splitlines(keepends=True)
    after = (new or "").splitlines(keepends=True)
    lines = list(difflib.unified_diff(
        before, after,
        fromfile=f"{path}\t(on disk)" if old is not None else "/dev/null",
        tofile=f"{path}\t({label})" if new is not None else "/dev/null",
    ))
    # A last line without a newline would run into the next header; say so the way diff(1) does.
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def colourise(diff: str) -> str:
    """Colour a unified diff: headers bold, removed lines red, added green, hunk markers cyan."""
    out = []
    for line in diff.splitlines(keepends=True):
        body, newline = line.rstrip("\n"), line[len(line.rstrip("\n")):]
        if line.startswith(("+++", "---")):
            out.append(f"{_BOLD}{body}{_RESET}{newline}")
        elif line[:1] in _COLOURS:
            out.append(f"{_COLOURS[line[:1]]}{body}{_RESET}{newline}")
        else:
            out.append(line)
    return "".join(out)
