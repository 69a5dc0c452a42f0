"""Run audit, import and check on the real-world corpus (tests/corpus/realworld/<project>/).

Each folder holds a main.cf and a master.cf restated from a public project (its SOURCES file says
which repository, path and commit, and how a template was rendered). For each one this runs what a
user would: `mailpolicy audit DIR`, `mailpolicy import DIR`, and `mailpolicy check` on the imported
policy; the texts are compared with reference files by tests/corpus/test_realworld.py, and the
counts below are the table in docs/audit.md ("Real configurations").

    python -m tests.corpus.realworld_run            prints that table
    python -m tests.corpus.realworld_run --write    rewrites it in docs/audit.md
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import attrs
from click.testing import CliRunner

from mailpolicy.cli import cli

CORPUS = Path(__file__).parent / "realworld"
PROJECTS = sorted(p.name for p in CORPUS.iterdir() if (p / "main.cf").is_file())

# A diagnostic's first line: "path:line:col: severity[MPnnn]: ...".
_DIAGNOSTIC = re.compile(r"^\S+:\d+:\d+: (error|warning|note)\[(MP\d{3})\]", re.M)
# The count the text output gives of the notes of detail it leaves out (shown with --verbose).
_DETAIL = re.compile(r"^(\d+) note\(s\) of detail not shown", re.M)


@attrs.frozen
class Run:
    """What each command printed for one configuration, and its exit code."""

    audit: str
    audit_exit: int
    policy: str
    import_diagnostics: str
    import_exit: int
    check: str
    check_exit: int

    def references(self) -> dict[str, str]:
        """The reference files this run is compared with, by name."""
        return {
            "audit.ref": f"exit {self.audit_exit}\n{self.audit}",
            "import.mailpolicy.ref": self.policy,
            "import.ref": f"exit {self.import_exit}\n{self.import_diagnostics}",
            "check.ref": f"exit {self.check_exit}\n{self.check}",
        }


def _invoke(*args: str):
    return CliRunner().invoke(cli, ["--color", "never", *args], catch_exceptions=False)


def run(project: str, scratch: Path) -> Run:
    """Audit and import CORPUS/project, and check the imported policy (written into scratch)."""
    here = Path.cwd()
    os.chdir(CORPUS)  # paths in the texts are relative to the corpus, so references do not hold a temp dir
    try:
        audit = _invoke("audit", project)
        imported = _invoke("import", project)
    finally:
        os.chdir(here)
    policy_file = scratch / f"{project}.mailpolicy"
    policy_file.write_text(imported.stdout, encoding="utf-8")
    os.chdir(scratch)
    try:
        check = _invoke("check", policy_file.name)
    finally:
        os.chdir(here)
    return Run(audit.output, audit.exit_code, imported.stdout, imported.stderr, imported.exit_code,
               check.output, check.exit_code)


@attrs.frozen
class Counts:
    """One row of the docs/audit.md table."""

    project: str
    errors: int
    warnings: int
    notes: int
    detail: int
    statements: int
    set_lines: int
    compiles: bool

    @property
    def statement_share(self) -> str:
        total = self.statements + self.set_lines
        return f"{100 * self.statements // total}%" if total else "-"


def counts(project: str, result: Run) -> Counts:
    found = [m.group(1) for m in _DIAGNOSTIC.finditer(result.audit)]
    lines = [line.strip() for line in result.policy.splitlines()]
    statements = [line for line in lines if line and not line.startswith("#")]
    set_lines = sum(1 for line in statements if line.startswith("set "))
    detail = _DETAIL.search(result.audit)
    return Counts(project, found.count("error"), found.count("warning"), found.count("note"),
                  int(detail.group(1)) if detail else 0, len(statements) - set_lines, set_lines, result.check_exit == 0)


def table(rows: list[Counts]) -> str:
    """The Markdown table docs/audit.md shows between its realworld markers."""
    head = ("| configuration | audit errors | warnings | notes | detail notes (`--verbose`) | imported statements "
            "| `set` lines | statements share | import compiles |\n|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(f"| {r.project} | {r.errors} | {r.warnings} | {r.notes} | {r.detail} | {r.statements} | {r.set_lines} "
                   f"| {r.statement_share} | {'yes' if r.compiles else 'no'} |\n" for r in rows)
    return head + body


AUDIT_DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
TABLE_IN_DOC = re.compile(r"(<!-- realworld-table -->\n)(.*?)(<!-- /realworld-table -->)", re.S)


def main() -> None:
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        text = table([counts(p, run(p, Path(scratch))) for p in PROJECTS])
    if "--write" in sys.argv[1:]:
        doc = AUDIT_DOC.read_text(encoding="utf-8")
        AUDIT_DOC.write_text(TABLE_IN_DOC.sub(lambda m: m.group(1) + text + m.group(3), doc), encoding="utf-8")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
