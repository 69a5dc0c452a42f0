"""`mailpolicy fmt`: the canonical layout, comments kept, idempotent, and the same compiled output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.compiler import Compilation, compile_policy
from mailpolicy.fmt import format_text

REPO = Path(__file__).resolve().parents[2]
POLICIES = sorted([*REPO.glob("examples/**/*.mailpolicy"), *REPO.glob("tests/cases/**/*.mailpolicy")])

MESSY = (
    "\n"
    "  postfix    3.7   # the version\n"
    "hostname\tmx.example0.com\n"
    "local domains example0.com ,example1.com,  example2.com\n"
    "   # an indented comment   \n"
    "allow user \"jimminey\" as \"jcricket@example0.com\",x@example0.com#owner\n"
    "set  smtpd_tls_security_level=may   # why\n"
    "set smtpd_tls_loglevel =   # empty on purpose\n"
    'chroot "off"\n'
    'include other.mailpolicy\n'
    'allow users from "owners.tsv"\n'
    "expect reject   user \"a b\" sending as <>   to x@example0.com\n"
    "relay   authenticated   or trusted\n"
    "\t\n"
    "\n"
)
CANONICAL = (
    "\n"
    "postfix 3.7  # the version\n"
    "hostname mx.example0.com\n"
    "local domains example0.com, example1.com, example2.com\n"
    "# an indented comment\n"
    "allow user jimminey as jcricket@example0.com, x@example0.com  #owner\n"
    "set smtpd_tls_security_level = may  # why\n"
    "set smtpd_tls_loglevel =  # empty on purpose\n"
    'chroot "off"\n'
    'include "other.mailpolicy"\n'
    'allow users from "owners.tsv"\n'
    'expect reject user "a b" sending as <> to x@example0.com\n'
    "relay authenticated or trusted\n"
)


def test_the_canonical_form() -> None:
    result = format_text(MESSY, "messy.mailpolicy")
    assert result.text == CANONICAL
    assert format_text(CANONICAL, "messy.mailpolicy").text == CANONICAL


def test_crlf_becomes_lf_and_an_empty_file_stays_empty() -> None:
    assert format_text("postfix 3.7\r\nrelay nobody\r\n", "p").text == "postfix 3.7\nrelay nobody\n"
    assert format_text("", "p").text == ""
    assert format_text("\n\n", "p").text == ""


def test_quotes_stay_where_they_carry_meaning_or_are_needed() -> None:
    text = 'chroot off\nset x = "a b"\nhostname "with space"\nsasl dovecot "private/a\\"b"\n'
    assert format_text(text, "p").text == text


def test_a_file_with_syntax_errors_is_not_formatted() -> None:
    result = format_text("postfix 3.7\nrelay sometimes\n", "p")
    assert result.text is None
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("MP101", 2)]


def _copy_and_compile(source_dir: Path, top: Path, target: Path, formatted: bool) -> Compilation:
    shutil.copytree(source_dir, target)
    if formatted:
        for policy in target.rglob("*.mailpolicy"):
            result = format_text(policy.read_text(), str(policy))
            if result.text is not None:
                policy.write_text(result.text)
    return compile_policy(target / top.relative_to(source_dir))


def _fingerprint(compilation: Compilation):
    return compilation.outputs, [(d.code, Path(d.span.path).name if d.span else None, d.span.line if d.span else 0)
                                 for d in compilation.diagnostics]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_policy_formats_idempotently_and_compiles_the_same(policy: Path, tmp_path: Path) -> None:
    once = format_text(policy.read_text(), str(policy))
    assert once.text is not None, once.diagnostics
    assert format_text(once.text, str(policy)).text == once.text
    assert len(once.text.splitlines()) <= len(policy.read_text().splitlines())
    before = _copy_and_compile(policy.parent, policy, tmp_path / "before", formatted=False)
    after = _copy_and_compile(policy.parent, policy, tmp_path / "after", formatted=True)
    assert _fingerprint(after) == _fingerprint(before)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    return lambda *args: CliRunner().invoke(cli, ["fmt", *args])


def test_fmt_rewrites_files_and_a_second_run_changes_nothing(run, tmp_path: Path) -> None:
    (tmp_path / "a.mailpolicy").write_text(MESSY)
    (tmp_path / "b.mailpolicy").write_text(CANONICAL)
    result = run("a.mailpolicy", "b.mailpolicy")
    assert result.exit_code == 0, result.output
    assert "reformatted a.mailpolicy" in result.stderr
    assert result.stderr.endswith("1 file reformatted, 1 unchanged\n")
    assert (tmp_path / "a.mailpolicy").read_text() == CANONICAL
    again = run("a.mailpolicy", "b.mailpolicy")
    assert again.exit_code == 0 and again.stderr.endswith("0 files reformatted, 2 unchanged\n")


def test_check_and_diff_write_nothing(run, tmp_path: Path) -> None:
    (tmp_path / "a.mailpolicy").write_text(MESSY)
    check = run("--check", "a.mailpolicy")
    assert check.exit_code == 1 and "would reformat a.mailpolicy" in check.stderr
    diff = run("--diff", "a.mailpolicy")
    assert diff.exit_code == 0
    assert "--- a.mailpolicy\t(on disk)\n+++ a.mailpolicy\t(formatted)\n" in diff.stdout
    assert "+hostname mx.example0.com\n" in diff.stdout
    assert (tmp_path / "a.mailpolicy").read_text() == MESSY
    (tmp_path / "crlf.mailpolicy").write_bytes(CANONICAL.replace("\n", "\r\n").encode())
    assert run("--check", "crlf.mailpolicy").exit_code == 1


def test_syntax_errors_are_reported_and_the_file_is_left_alone(run, tmp_path: Path) -> None:
    (tmp_path / "bad.mailpolicy").write_text("postfix  3.7\nrelay sometimes\n")
    result = run("bad.mailpolicy")
    assert result.exit_code == 1 and "bad.mailpolicy:2:" in result.stderr and "MP101" in result.stderr
    assert (tmp_path / "bad.mailpolicy").read_text() == "postfix  3.7\nrelay sometimes\n"


def test_an_unreadable_file_is_an_io_error(run) -> None:
    result = run("missing.mailpolicy")
    assert result.exit_code == 2 and "MP104" in result.stderr


def test_a_symlinked_policy_is_formatted_in_its_target_and_stays_a_link(run, tmp_path: Path) -> None:
    (tmp_path / "real.mailpolicy").write_text("relay   nobody\n")
    (tmp_path / "link.mailpolicy").symlink_to("real.mailpolicy")
    result = run("link.mailpolicy")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link.mailpolicy").is_symlink()
    assert (tmp_path / "real.mailpolicy").read_text() == "relay nobody\n"


def test_a_symlink_loop_is_an_unreadable_file_not_a_crash(run, tmp_path: Path) -> None:
    (tmp_path / "loop.mailpolicy").symlink_to("loop.mailpolicy")
    (tmp_path / "fine.mailpolicy").write_text("relay   nobody\n")
    result = run("loop.mailpolicy", "fine.mailpolicy")
    assert result.exit_code == 2
    assert "loop.mailpolicy:1:1: error[MP104]: cannot read loop.mailpolicy" in result.output
    assert (tmp_path / "fine.mailpolicy").read_text() == "relay nobody\n"  # the other files are still done
