"""Inputs `check` names: folders of policies, `-` for a policy read from stdin, and the fragments to skip."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mailpolicy.compiler import Compilation, compile_policy
from mailpolicy.load.files import MAX_FILE_BYTES

STDIN_NAME = "<stdin>"


def policies_in(folder: Path) -> list[Path]:
    """Return every *.mailpolicy file under a folder, sorted, hidden folders (.git) skipped."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / name for name in sorted(files) if name.endswith(".mailpolicy"))
    return found


def compile_inputs(named: list[Path], from_folders: set[str], stdin: bool,
                   warnings_as_errors: bool, read_database: bool = False) -> list[Compilation]:
    """Compile every named policy, then stdin's if `stdin`; a file found in a folder that another input
    includes is checked as part of that input only. `read_database`: `check --db`. Nothing is rendered:
    `check` writes no file."""
    results = {str(path): compile_policy(path, warnings_as_errors=warnings_as_errors, read_database=read_database,
                                         render=False)
               for path in named}
    # A file another input includes is checked as part of it, not alone (a fragment such as a
    # users file would miss the statements of the policy that includes it).
    included = {s.path for c in results.values() for s in c.sources[1:]}
    ordered = [c for name, c in results.items() if not (name in from_folders and name in included)]
    if stdin:
        ordered.append(compile_stdin(warnings_as_errors))
    return ordered


def compile_stdin(warnings_as_errors: bool) -> Compilation:
    """Compile the policy on stdin, its diagnostics naming `<stdin>`.

    The loader reads regular files only (a FIFO could block it), so the text goes to a private
    temporary folder, under the name `<stdin>`, and is compiled from there: an include would be
    looked up in that empty folder and reported missing.
    """
    import tempfile  # only for stdin: it imports shutil, random, bz2 and lzma (3.7 ms of `check`'s start-up)

    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    with tempfile.TemporaryDirectory(prefix="mailpolicy-stdin-") as folder:
        (Path(folder) / STDIN_NAME).write_bytes(data)
        here = os.getcwd()
        os.chdir(folder)
        try:
            return compile_policy(STDIN_NAME, warnings_as_errors=warnings_as_errors, render=False)
        finally:
            os.chdir(here)

