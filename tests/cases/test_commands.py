"""Command cases: a folder of input files, a command line, and the reference of what it prints.

Every `NAME.cmd` under tests/cases/ is one case. Its one line is a mailpolicy command line
(`audit .`, `import .`, `explain site.mailpolicy`, `diff site.mailpolicy --against deployed`,
`fmt site.mailpolicy`, ...), run with `--color never` in a scratch copy of the folder the `.cmd`
is in, with `NAME.stdin` (when there is one) as standard input. `NAME.ref` holds:

    $ mailpolicy <the command line>
    exit <code>
    <standard output>
    --- stderr                    (only when something was printed there)
    <standard error>
    --- wrote <file>              (for each file of the folder the command created or changed)
    <its text>
    --- run again                 (when it wrote files: the same command on what it wrote,
    <the same sections>            which must change nothing more)

Per-check cases live in tests/cases/checks/<CODE>-<what>/ (a policy and `check site.mailpolicy`):
the reference holds every diagnostic with its location, hint and notes, and the exit code says
whether compile would write anything.

A mismatch writes NAME.actual beside NAME.ref; `pytest tests/cases --update-goldens` rewrites the
references (read `git diff` before committing: a reference is an assertion).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from tests.helpers import write_files
from tests.references import matches_reference

CASES_ROOT = Path(__file__).parent
COMMAND_FILES = sorted(CASES_ROOT.rglob("*.cmd"))
# Outputs of earlier runs that are not inputs of a case.
_NOT_INPUT = (".ref", ".actual", ".cmd", ".stdin")


def case_id(command_file: Path) -> str:
    return str(command_file.relative_to(CASES_ROOT).with_suffix(""))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.name.endswith(_NOT_INPUT) and "__pycache__" not in path.parts}


def run_command(line: str, files: dict[str, bytes], stdin: str | None, work: Path) -> tuple[str, dict[str, bytes]]:
    """Run `mailpolicy LINE` in `work` holding `files`; return the reference text and the files after."""
    work.mkdir(parents=True)
    write_files(work, files)
    here = Path.cwd()
    os.chdir(work)  # paths in what is printed are relative to the case, never a temporary folder
    try:
        result = CliRunner().invoke(cli, ["--color", "never", *shlex.split(line)], input=stdin,
                                    catch_exceptions=False)
    finally:
        os.chdir(here)
    after = _files(work)
    text = f"$ mailpolicy {line}\nexit {result.exit_code}\n{result.stdout}"
    if result.stderr:
        text += f"--- stderr\n{result.stderr}"
    for name, content in after.items():
        if files.get(name) != content:
            text += f"--- wrote {name}\n{content.decode('utf-8', 'replace')}"
    return text, after


@pytest.mark.parametrize("command_file", COMMAND_FILES, ids=case_id)
def test_command_case(command_file: Path, tmp_path: Path, update_goldens: bool) -> None:
    line = command_file.read_text(encoding="utf-8").strip()
    stdin_file = command_file.with_suffix(".stdin")
    stdin = stdin_file.read_text(encoding="utf-8") if stdin_file.exists() else None
    files = _files(command_file.parent)
    text, after = run_command(line, files, stdin, tmp_path / "first")
    if after != files:
        # A command that wrote files runs again on what it wrote: the second run must write nothing
        # (formatting twice changes nothing), and what it prints is part of the reference.
        again, rewritten = run_command(line, after, stdin, tmp_path / "again")
        assert rewritten == after, f"{case_id(command_file)}: a second run changed what the first wrote"
        text += f"--- run again\n{again}"
    reference = command_file.with_suffix(".ref")
    assert matches_reference(reference, text, update_goldens), \
        f"{case_id(command_file)}: the output differs from {reference.name}; see {reference.with_suffix('.actual')}"


def test_every_reference_has_its_command() -> None:
    orphans = [str(ref.relative_to(CASES_ROOT)) for ref in CASES_ROOT.rglob("*.ref")
               if not ref.with_suffix(".cmd").exists()]
    assert not orphans, f"references without a .cmd: {orphans}"
