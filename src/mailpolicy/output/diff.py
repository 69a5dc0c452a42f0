"""Unified diffs of output files, coloured only for a terminal (and never when NO_COLOR is set)."""

from __future__ import annotations

import difflib
import re

_COLOURS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


# The `password = ...` line of a database table file (emit/sql_tables.py): a diff shows that it
# changed, never the password itself (compile --diff and deploy --dry-run print to a terminal or a log).
_SECRET = re.compile(r"^(password\s*=).*$", re.M)


def unified_diff(old: str | None, new: str | None, path: str, label: str) -> str:
    """Return the unified diff from the file on disk (`old`, None if absent) to `new`, described by `label`."""
    before = _hidden(old or "", new or "", "the one on disk").splitlines(keepends=True)
    after = _hidden(new or "", old or "", "a new one").splitlines(keepends=True)
    lines = list(difflib.unified_diff(
        before, after,
        fromfile=f"{path}\t(on disk)" if old is not None else "/dev/null",
        tofile=f"{path}\t({label})" if new is not None else "/dev/null",
    ))
    # A last line without a newline would run into the next header; say so the way diff(1) does.
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _hidden(text: str, other: str, which: str) -> str:
    """Replace each password with a placeholder; placeholders differ exactly when the passwords do."""
    if "password" not in text:
        return text
    theirs = {m.group(0) for m in _SECRET.finditer(other)}
    return _SECRET.sub(lambda m: f"{m.group(1)} (not shown{'' if m.group(0) in theirs else ': ' + which})", text)


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
