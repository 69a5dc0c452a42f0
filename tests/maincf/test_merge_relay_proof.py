"""compile --base: a base that opens a relay past the policy writes nothing and is reported at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.compiler import compile_policy
from mailpolicy.emit.provenance import Provenance
from mailpolicy.maincf.merge import merge_main_cf
from mailpolicy.postfix.main_cf import read_main_cf, split_lines
from tests.helpers import SMALL_POLICY

# A continued list the policy replaces by one line sits above the culprit, so the merged file's
# line numbers differ from the base's: the report must still name the base's line.
HEAD = "# the old server\nsmtpd_relay_restrictions =\n    permit_mynetworks,\n    reject_unauth_destination\nbiff = no\n"


@pytest.fixture
def compile_with_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.mailpolicy").write_text(SMALL_POLICY, encoding="utf-8")
    (tmp_path / "etc").mkdir()

    def invoke(base: str, *extra: str, master: str | None = None):
        (tmp_path / "etc" / "main.cf").write_text(base, encoding="utf-8")
        if master is not None:
            (tmp_path / "etc" / "master.cf").write_text(master, encoding="utf-8")
        return CliRunner().invoke(cli, ["compile", "--base", "etc/main.cf", "site.mailpolicy", "-o", "out", *extra])

    return invoke


@pytest.mark.parametrize("culprit", ["relay_domains = static:ALL", "smtpd_authorized_xclient_hosts = 0.0.0.0/0"])
def test_base_that_opens_a_relay_writes_nothing_and_points_at_the_base_line(
        compile_with_base, tmp_path: Path, culprit: str) -> None:
    result = compile_with_base(HEAD + culprit + "\ninet_interfaces = all\n")
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "out").exists()
    assert "wrote" not in result.stderr
    assert "etc/main.cf:6:1: error[MP301]: open relay" in result.stderr
    assert f" 6 | {culprit}" in result.stderr
    assert "(merged main.cf)" not in result.stderr


def test_relay_through_a_master_cf_service_beside_the_base_is_found(compile_with_base, tmp_path: Path) -> None:
    # relay_domains is trivial-rewrite's: an -o of the rewrite service makes every smtpd relay (an smtpd's
    # own -o relay_domains changes nothing: tests/corpus/audit_attacks, both measured on Postfix 3.7).
    master = ("smtp      inet  n       -       y       -       -       smtpd\n"
              "rewrite   unix  -       -       y       -       -       trivial-rewrite\n"
              "  -o relay_domains=static:ALL\n")
    result = compile_with_base(HEAD, master=master)
    assert result.exit_code == 1, result.output
    assert "etc/master.cf:3:" in result.stderr and "MP301" in result.stderr
    assert not (tmp_path / "out").exists()


def test_relay_found_in_check_mode_too(compile_with_base) -> None:
    result = compile_with_base(HEAD + "relay_domains = static:ALL\n", "--check")
    assert result.exit_code == 1 and "etc/main.cf:6:1: error[MP301]" in result.stderr


def test_clean_base_still_merges_and_warnings_of_the_base_stay_out(compile_with_base, tmp_path: Path) -> None:
    # An unknown parameter is an audit warning; compile does not report the audit's style findings.
    result = compile_with_base(HEAD + "no_such_parameter_here = 1\n")
    assert result.exit_code == 0, result.output
    assert "wrote out/main.cf" in result.stderr
    assert "MP3" not in result.stderr and "MP7" not in result.stderr
    assert "no_such_parameter_here = 1" in (tmp_path / "out" / "main.cf").read_text()


def test_merge_gives_every_merged_line_its_origin(tmp_path: Path) -> None:
    policy = tmp_path / "site.mailpolicy"
    policy.write_text(SMALL_POLICY, encoding="utf-8")
    compilation = compile_policy(policy)
    base = read_main_cf(HEAD + "relay_domains = static:ALL\n", "main.cf")
    merged = merge_main_cf(base, compilation.plan, Provenance(compilation.path))
    lines = [text for text, _ in split_lines(merged.text)]
    assert len(merged.origins) == len(lines)
    for text, origin in zip(lines, merged.origins):
        if origin.parameter is None and origin.base_line is not None:
            assert text == base.lines[origin.base_line - 1].text
    replaced = [o for o in merged.origins if o.base_line == 2]
    assert replaced and all(o.parameter.name == "smtpd_relay_restrictions" for o in replaced)
    assert any(o.base_line is None and o.parameter is not None for o in merged.origins)
