"""Output that cannot be written and input that is not text are I/O matters, never internal errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from tests.postfix_support import missing_prerequisite

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args", [["explain", "examples/seed.mailpolicy"],
                                  ["check", "--format", "json", "examples/seed.mailpolicy"]])
def test_a_full_stdout_is_exit_2_not_a_bug(args) -> None:
    if not Path("/dev/full").exists():
        missing_prerequisite("needs /dev/full (Linux's always-full device)")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-c", "from mailpolicy.cli import main; main()", *args],
                                cwd=REPO, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr and "No space left" in result.stderr


def test_diff_reads_non_utf8_postconf_output_without_a_traceback() -> None:
    result = CliRunner().invoke(cli, ["diff", str(REPO / "examples/seed.mailpolicy"), "--against", "-"],
                                input=b"mynetworks = \xff\xfe 127.0.0.0/8\n")
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "mynetworks" in result.output


def test_importing_an_open_relay_writes_the_policy_and_exits_1(tmp_path) -> None:
    out = tmp_path / "site.mailpolicy"
    result = CliRunner().invoke(cli, ["import", str(REPO / "tests/fixtures/seed/open_relay"), "-o", str(out)])
    assert result.exit_code == 1
    assert "trusted networks 0.0.0.0/0" in out.read_text()
