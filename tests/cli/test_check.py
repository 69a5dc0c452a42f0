"""`mailpolicy check FILE...`: all diagnostics together, each format, exit codes 0/1/2, -W."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from tests.helpers import POLICY_HEAD, write_files

CLEAN = POLICY_HEAD
BROKEN = "postfix 3.7\ntrusted networks 0.0.0.0/0\nset smtp_recipient_restrictions = reject\nhostname mx.example0.com\n"
WARNS = "sasl dovecot private/auth\nhostname mx.example0.com\n"  # MP315: SASL but nobody owns an address


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, **files: str):
        write_files(tmp_path, {f"{name}.mailpolicy": text for name, text in files.items()})
        return CliRunner().invoke(cli, ["check", *args])

    return invoke


def test_a_clean_file_exits_0_and_says_so(run, tmp_path) -> None:
    result = run("clean.mailpolicy", clean=CLEAN)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "1 file checked: no problems" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["clean.mailpolicy"]  # nothing written


def test_errors_exit_1_with_located_text_on_stderr(run) -> None:
    result = run("broken.mailpolicy", broken=BROKEN)
    assert result.exit_code == 1
    assert "broken.mailpolicy:2:18: error[MP302]" in result.stderr
    assert "broken.mailpolicy:3:5: error[MP402]" in result.stderr
    assert result.stderr.rstrip().endswith("errors")


def test_several_files_report_together_and_any_error_fails_all(run) -> None:
    result = run("clean.mailpolicy", "broken.mailpolicy", "warns.mailpolicy",
                 clean=CLEAN, broken=BROKEN, warns=WARNS)
    assert result.exit_code == 1
    assert "broken.mailpolicy:2:18" in result.stderr and "warns.mailpolicy:1:1: warning[MP315]" in result.stderr
    assert result.stderr.index("broken.mailpolicy") < result.stderr.index("warns.mailpolicy")  # argument order


def test_warnings_pass_unless_warnings_are_errors(run) -> None:
    assert run("warns.mailpolicy", warns=WARNS).exit_code == 0
    strict = run("-W", "warns.mailpolicy")
    assert strict.exit_code == 1 and "error[MP315]" in strict.stderr
    assert run("--warnings-as-errors", "warns.mailpolicy").exit_code == 1


def test_json_keeps_the_single_file_shape_and_adds_files(run) -> None:
    result = run("--format", "json", "clean.mailpolicy", "broken.mailpolicy", clean=CLEAN, broken=BROKEN)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert set(document) == {"diagnostics", "summary", "files"}
    assert [d["code"] for d in document["diagnostics"]] == ["MP302", "MP402"]
    assert document["diagnostics"][0]["location"] == {"file": "broken.mailpolicy", "line": 2, "column": 18,
                                                      "end_column": 27}
    assert document["summary"] == {"error": 2, "warning": 0, "note": 0}
    assert document["files"] == [
        {"file": "clean.mailpolicy", "ok": True, "summary": {"error": 0, "warning": 0, "note": 0}},
        {"file": "broken.mailpolicy", "ok": False, "summary": {"error": 2, "warning": 0, "note": 0}},
    ]
    assert result.stderr == ""


def test_json_of_one_file_matches_render_json_plus_files(run) -> None:
    from mailpolicy.compiler import compile_policy
    from mailpolicy.diagnostics.render_json import render_json

    result = run("--format", "json", "broken.mailpolicy", broken=BROKEN)
    single = json.loads(render_json(compile_policy("broken.mailpolicy").diagnostics))
    document = json.loads(result.stdout)
    assert {k: document[k] for k in ("diagnostics", "summary")} == single


def test_github_format_prints_annotations(run) -> None:
    result = run("--format", "github", "broken.mailpolicy", "warns.mailpolicy", broken=BROKEN, warns=WARNS)
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and len(lines) == 3
    assert lines[0].startswith("::error file=broken.mailpolicy,line=2,col=18,endColumn=27,title=MP302::")
    assert lines[2].startswith("::warning file=warns.mailpolicy,line=1,col=1")


def test_the_same_input_prints_the_same_bytes(run) -> None:
    first = run("--format", "json", "broken.mailpolicy", "warns.mailpolicy", broken=BROKEN, warns=WARNS)
    assert run("--format", "json", "broken.mailpolicy", "warns.mailpolicy").stdout == first.stdout


def test_a_missing_file_is_exit_2_with_a_clear_message_and_nothing_checked(run) -> None:
    result = run("broken.mailpolicy", "nope.mailpolicy", broken=BROKEN)
    assert result.exit_code == 2
    assert result.stderr == "mailpolicy: no such file: nope.mailpolicy\n"
    assert result.stdout == ""


def test_a_dangling_symlink_is_exit_2(run, tmp_path) -> None:
    (tmp_path / "dangling.mailpolicy").symlink_to(tmp_path / "gone")
    result = run("dangling.mailpolicy")
    assert result.exit_code == 2 and result.stderr == "mailpolicy: no such file: dangling.mailpolicy\n"


def test_an_unreadable_file_is_exit_2(run, monkeypatch) -> None:
    from mailpolicy.cli import report

    def refuse(path, mode="r"):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(report, "open", refuse, raising=False)  # root could read a chmod 0 file
    result = run("clean.mailpolicy", clean=CLEAN)
    assert result.exit_code == 2
    assert result.stderr == "mailpolicy: cannot read clean.mailpolicy: Permission denied\n"


def test_a_directory_or_no_file_is_a_usage_error(run, tmp_path) -> None:
    (tmp_path / "folder").mkdir()
    assert run("folder").exit_code == 2
    assert run().exit_code == 2


def test_help_documents_the_exit_codes(run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Exit codes: 0 clean; 1 problems found" in result.output and "2 usage or I/O error" in result.output
    assert "FILE..." in result.output
