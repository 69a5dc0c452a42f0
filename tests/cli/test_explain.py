"""`mailpolicy explain`: the same bytes every time.

What explain prints (every list entry with its reason and source line, the decision table, the
summary of many logins, errors and exit codes) is data: tests/cases/explain/<case>/explain.ref,
run by tests/cases/test_commands.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from mailpolicy.cli import cli

CASE = Path(__file__).resolve().parents[1] / "cases" / "explain" / "lists-and-decisions" / "site.mailpolicy"


def test_the_output_is_the_same_every_time(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(CASE, tmp_path / "site.mailpolicy")
    first, second = (CliRunner().invoke(cli, ["explain", "site.mailpolicy"]) for _ in range(2))
    assert first.exit_code == 0 and first.stdout == second.stdout and "Decisions" in first.stdout
