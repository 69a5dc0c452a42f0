"""`mailpolicy fmt`: the canonical layout, comments kept, idempotent, and the same compiled output.

The canonical form of a messy file, `--check`, `--diff` and the exit codes are data:
tests/cases/fmt/<case>/ (tests/cases/test_commands.py runs each command twice; the second run
must write nothing)."""

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


def test_syntax_errors_are_reported_and_the_file_is_left_alone(run, tmp_path: Path) -> None:
    (tmp_path / "bad.mailpolicy").write_text("postfix  3.7\nrelay sometimes\n")
    result = run("bad.mailpolicy")
    assert result.exit_code == 1 and "bad.mailpolicy:2:" in result.stderr and "MP101" in result.stderr
    assert (tmp_path / "bad.mailpolicy").read_text() == "postfix  3.7\nrelay sometimes\n"


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
