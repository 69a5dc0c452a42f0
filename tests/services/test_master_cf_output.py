"""compile writes DIR/master.cf for `service` lines: drift, --check, --diff, hand edits and --base-master cover it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from tests.conftest import REPO

PHONES = (REPO / "examples" / "phones.mailpolicy").read_text()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "phones.mailpolicy").write_text(PHONES)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_master_cf_is_written_and_checked_like_main_cf(site: Path) -> None:
    assert run("compile", "phones.mailpolicy", "-o", "build").exit_code == 0
    master = site / "build" / "master.cf"
    assert "submission inet n - y - - smtpd\n  -o syslog_name=postfix/submission\n" in master.read_text()
    assert run("compile", "phones.mailpolicy", "-o", "build", "--check").exit_code == 0
    # The policy changes: --check reports the drift of master.cf, --diff shows it, nothing is written.
    (site / "phones.mailpolicy").write_text(PHONES.replace("service submissions\n", "").replace(" on submissions", ""))
    before = master.read_text()
    check = run("compile", "phones.mailpolicy", "-o", "build", "--check")
    assert check.exit_code == 1 and "MP601" in check.output and "master.cf" in check.output
    diff = run("compile", "phones.mailpolicy", "-o", "build", "--diff")
    assert "-submissions inet n - y - - smtpd" in diff.output and master.read_text() == before


def test_a_hand_edited_master_cf_is_not_overwritten(site: Path) -> None:
    assert run("compile", "phones.mailpolicy", "-o", "build").exit_code == 0
    master = site / "build" / "master.cf"
    master.write_text(master.read_text() + "  -o smtpd_relay_restrictions=permit\n")
    refused = run("compile", "phones.mailpolicy", "-o", "build")
    assert refused.exit_code == 1 and "MP602" in refused.output
    assert master.read_text().endswith("permit\n")


def test_base_master_merges_and_keeps_the_rest(site: Path) -> None:
    base = site / "master.cf"
    base.write_text("# mine\nsmtp inet n - y - - smtpd\npickup unix n - y 60 1 pickup\n")
    assert run("compile", "phones.mailpolicy", "--base-master", "master.cf", "-o", "build").exit_code == 0
    merged = (site / "build" / "master.cf").read_text()
    assert "# mine\n# >>> mailpolicy: services of phones.mailpolicy >>>\n" in merged
    assert merged.count("smtp inet n - y - - smtpd") == 1 and merged.endswith("pickup unix n - y 60 1 pickup\n")
    # In place: the hand-made master.cf is the base, so replacing it needs no --force.
    assert run("compile", "phones.mailpolicy", "--base-master", "master.cf", "-o", ".").exit_code == 0
    assert base.read_text().count("# >>> mailpolicy") == 1
