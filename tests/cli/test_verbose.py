"""Notes of detail (master.cf -o overrides MP704, smtp_ client settings MP402 as a note) are behind --verbose.

Issue 16 point 4: on the real-world corpus most notes were these, and they buried the findings.
The text output counts what it leaves out; --verbose prints it; machine formats always carry it.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from tests.corpus.realworld_run import CORPUS

MAILCOW = str(CORPUS / "mailcow")  # six smtpd services with -o overrides, smtp_tls_* client settings


def _run(*args: str):
    return CliRunner().invoke(cli, ["--color", "never", *args], catch_exceptions=False)


def test_audit_leaves_the_detail_out_and_says_how_many() -> None:
    quiet, verbose = _run("audit", MAILCOW), _run("audit", "--verbose", MAILCOW)
    assert "note[MP704]" not in quiet.stderr and "note[MP402]" not in quiet.stderr
    hidden = verbose.stderr.count("note[MP704]") + verbose.stderr.count("note[MP402]")
    assert hidden > 0
    assert f"{hidden} note(s) of detail not shown (MP402, MP704" in quiet.stderr
    assert "not shown" not in verbose.stderr
    assert quiet.exit_code == verbose.exit_code
    # Everything else is printed either way, in the same order.
    kept = [line for line in verbose.stderr.split("\n\n") if "note[MP704]" not in line and "note[MP402]" not in line]
    assert quiet.stderr.split("\n\n")[:-1] == kept[:-1]


@pytest.mark.parametrize("output_format", ["json", "sarif", "github"])
def test_machine_formats_carry_the_detail(output_format: str) -> None:
    result = _run("audit", "--format", output_format, MAILCOW)
    assert "MP704" in result.stdout
    if output_format == "json":
        assert any(d["code"] == "MP704" for d in json.loads(result.stdout)["diagnostics"])


def test_check_and_compile_take_verbose(tmp_path) -> None:
    policy = tmp_path / "p.mailpolicy"
    policy.write_text("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\n"
                      "set smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n", encoding="utf-8")
    assert "note[MP402]" not in _run("check", str(policy)).stderr
    assert "note[MP402]" in _run("check", "-v", str(policy)).stderr
    assert "note[MP402]" in _run("compile", "--verbose", str(policy), "-o", str(tmp_path / "build")).stderr
