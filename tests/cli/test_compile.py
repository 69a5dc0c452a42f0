"""`mailpolicy compile`: writing, --check, --diff, --force, --base and several policies at once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli, compile_cmd
from mailpolicy.cli.report import use_colour
from mailpolicy.output.atomic import JOURNAL
from mailpolicy.output.marker import is_intact
from tests.helpers import SMALL_POLICY, keyword_files, write_files

POLICY = SMALL_POLICY
MAP = "controlled_envelope_senders"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(*args: str, **files: str):
        write_files(tmp_path, keyword_files(files))
        return CliRunner().invoke(cli, ["compile", *args])

    return invoke


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_compile_writes_marked_files_and_a_second_run_changes_nothing(run, tmp_path: Path) -> None:
    result = run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    assert result.exit_code == 0, result.output
    assert "wrote out/main.cf" in result.stderr and f"wrote out/{MAP}" in result.stderr
    first = _snapshot(tmp_path / "out")
    assert sorted(first) == sorted(["main.cf", MAP])
    assert all(is_intact(text.decode()) for text in first.values())
    assert first["main.cf"].startswith(b"# mailpolicy-generated from site.mailpolicy sha256:")
    again = run("site.mailpolicy", "-o", "out")
    assert again.exit_code == 0 and "out: unchanged" in again.stderr
    assert _snapshot(tmp_path / "out") == first


def test_check_passes_when_the_folder_matches(run) -> None:
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    result = run("--check", "site.mailpolicy", "-o", "out")
    assert result.exit_code == 0, result.output
    assert "MP601" not in result.output


def test_check_fails_naming_each_changed_file_and_writes_nothing(run, tmp_path: Path) -> None:
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    before = _snapshot(tmp_path / "out")
    # The map gains `mallory` (the bare key of a local user) after jcricket@example0.com: line 7.
    (tmp_path / "site.mailpolicy").write_text(POLICY + "allow user mallory as mallory@example0.com\n")
    result = run("--check", "site.mailpolicy", "-o", "out")
    assert result.exit_code == 1
    assert f"out/{MAP}:7:1: error[MP601]: out/{MAP} differs from what site.mailpolicy compiles to" in result.stderr
    assert "out/main.cf" not in result.stderr, "main.cf did not change"
    assert _snapshot(tmp_path / "out") == before


def test_check_on_a_missing_folder_fails_and_creates_nothing(run, tmp_path: Path) -> None:
    result = run("--check", "site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    assert result.exit_code == 1
    assert "out/main.cf is missing" in result.stderr
    assert not (tmp_path / "out").exists()


def test_check_in_github_format_annotates_the_generated_file(run) -> None:
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY.replace("jimminey", "cricket")})
    result = run("--check", "--format", "github", "site.mailpolicy", "-o", "out",
                 **{"site.mailpolicy": POLICY})
    assert result.exit_code == 1
    assert f"::error file=out/{MAP},line=5,col=1,title=MP601::" in result.stdout


def test_diff_prints_a_unified_diff_and_writes_nothing(run, tmp_path: Path) -> None:
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    before = _snapshot(tmp_path / "out")
    (tmp_path / "site.mailpolicy").write_text(POLICY.replace("relay only authenticated",
                                                             "relay authenticated or trusted"))
    result = run("--diff", "site.mailpolicy", "-o", "out")
    assert result.exit_code == 0, "--diff alone reports, like terraform plan"
    assert "--- out/main.cf\t(on disk)\n+++ out/main.cf\t(compiled from site.mailpolicy)\n" in result.stdout
    assert "+    permit_mynetworks,\n" in result.stdout
    assert "\x1b[" not in result.stdout, "no colour off a terminal"
    assert _snapshot(tmp_path / "out") == before
    checked = run("--check", "--diff", "site.mailpolicy", "-o", "out")
    assert checked.exit_code == 1 and checked.stdout == result.stdout


def test_diff_is_coloured_only_when_asked_by_a_terminal(run, monkeypatch: pytest.MonkeyPatch) -> None:
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    monkeypatch.setattr(compile_cmd, "use_colour", lambda stream: True)
    result = CliRunner().invoke(cli, ["compile", "--diff", "site.mailpolicy", "-o", "elsewhere"], color=True)
    assert "\x1b[32m+" in result.stdout

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal())


def test_diff_with_json_format_is_a_usage_error(run) -> None:
    result = run("--diff", "--format", "json", "site.mailpolicy", **{"site.mailpolicy": POLICY})
    assert result.exit_code == 2


def test_a_hand_edited_file_is_refused_unless_forced(run, tmp_path: Path) -> None:
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    edited = (tmp_path / "out" / MAP).read_text() + "mallory@example0.com\tmallory\n"
    (tmp_path / "out" / MAP).write_text(edited)
    (tmp_path / "site.mailpolicy").write_text(POLICY.replace("domains example0.com\n", "domains example0.com, example1.com\n"))
    result = run("site.mailpolicy", "-o", "out")
    assert result.exit_code == 1
    assert f"out/{MAP}:1:1: error[MP602]: out/{MAP} was edited by hand" in result.stderr
    assert (tmp_path / "out" / MAP).read_text() == edited
    assert "example1.com" not in (tmp_path / "out" / "main.cf").read_text(), "all or nothing: main.cf kept too"
    forced = run("--force", "site.mailpolicy", "-o", "out")
    assert forced.exit_code == 0, forced.output
    assert "mallory" not in (tmp_path / "out" / MAP).read_text()
    assert "example1.com" in (tmp_path / "out" / "main.cf").read_text()


def test_a_file_mailpolicy_did_not_write_is_never_overwritten_without_force(run, tmp_path: Path) -> None:
    result = run("site.mailpolicy", "-o", "etc", **{"site.mailpolicy": POLICY, "etc__main.cf": "biff = no\n"})
    assert result.exit_code == 1
    assert "etc/main.cf:1:1: error[MP605]: etc/main.cf was not written by mailpolicy" in result.stderr
    assert (tmp_path / "etc" / "main.cf").read_text() == "biff = no\n"
    assert not (tmp_path / "etc" / MAP).exists()
    assert run("--force", "site.mailpolicy", "-o", "etc").exit_code == 0
    assert is_intact((tmp_path / "etc" / "main.cf").read_text())


def test_base_merge_writes_a_complete_main_cf_and_reports_contradictions(run, tmp_path: Path) -> None:
    base = "# the old server\nbiff = no\nmynetworks = 0.0.0.0/0\ninet_interfaces = all\n"
    result = run("--base", "etc/main.cf", "site.mailpolicy", "-o", "out",
                 **{"site.mailpolicy": POLICY, "etc__main.cf": base})
    assert result.exit_code == 0, result.output
    assert "etc/main.cf:3:1: warning[MP604]: the base sets mynetworks = 0.0.0.0/0" in result.stderr
    merged = (tmp_path / "out" / "main.cf").read_text()
    assert merged.split("\n")[1:5] == ["# the old server", "biff = no", "mynetworks = 127.0.0.0/8 [::1]/128",
                                       "inet_interfaces = all"]
    assert "smtpd_sender_restrictions =\n    reject_sender_login_mismatch\n" in merged
    assert run("--check", "--base", "etc/main.cf", "site.mailpolicy", "-o", "out").exit_code == 0
    assert run("-W", "--check", "--base", "etc/main.cf", "site.mailpolicy", "-o", "out").exit_code == 1


def test_base_main_cf_that_postfix_refuses_writes_nothing(run, tmp_path: Path) -> None:
    result = run("--base", "main.cf", "site.mailpolicy", "-o", "out",
                 **{"site.mailpolicy": POLICY, "main.cf": "biff = no\nbroken line\n"})
    assert result.exit_code == 1
    assert "main.cf:2:1: error[MP607]" in result.stderr and " 2 | broken line" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unreadable_base_is_an_io_error(run) -> None:
    result = run("--base", "missing.cf", "site.mailpolicy", **{"site.mailpolicy": POLICY})
    assert result.exit_code == 2
    assert "cannot read the base main.cf missing.cf" in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "device", "too large"])
def test_a_base_that_is_no_regular_file_or_too_large_is_refused_without_reading_it(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(tmp_path / "base.cf")  # reading it would wait for a writer forever
        base = "base.cf"
    elif kind == "device":
        base = "/dev/zero"  # reading it would fill memory
    else:
        monkeypatch.setattr("mailpolicy.load.files.MAX_FILE_BYTES", 64)
        (tmp_path / "base.cf").write_text("biff = no\n" * 10)
        base = "base.cf"
    result = run("--base", base, "site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    assert result.exit_code == 2
    assert f"cannot read the base main.cf {base}: " in result.stderr
    assert ("not a regular file" if kind != "too large" else "over the limit of 64 bytes") in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_base_main_cf_reached_through_a_symlink_is_read(run, tmp_path: Path) -> None:
    (tmp_path / "real.cf").write_text("biff = no\n")
    (tmp_path / "base.cf").symlink_to(tmp_path / "real.cf")
    result = run("--base", "base.cf", "site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    assert result.exit_code == 0, result.stderr
    assert "biff = no" in (tmp_path / "out" / "main.cf").read_text()


def test_several_policies_get_one_folder_each_and_fail_alone(run, tmp_path: Path) -> None:
    files = {"hosts__common.inc": "local domains example0.com\n",
             "hosts__mx1.mailpolicy": 'postfix 3.7\ninclude "common.inc"\nrelay nobody\nhostname mx1.example0.com\n',
             "hosts__mx2.mailpolicy": 'postfix 3.7\ninclude "common.inc"\nrelay nobody\nhostname x\n',
             "hosts__mx3.mailpolicy": 'postfix 3.7\ninclude "common.inc"\nrelay nobody\nhostname mx3.example0.com\n'}
    result = run("hosts/mx1.mailpolicy", "hosts/mx2.mailpolicy", "hosts/mx3.mailpolicy", "-o", "build", **files)
    assert result.exit_code == 1, "mx2's hostname is not fully qualified"
    assert sorted(os.listdir(tmp_path / "build")) == ["mx1", "mx3"]
    assert "mydestination = $myhostname, localhost, example0.com" in (tmp_path / "build" / "mx1" / "main.cf").read_text()
    assert "myhostname = mx3.example0.com" in (tmp_path / "build" / "mx3" / "main.cf").read_text()
    check = run("--check", "hosts/mx1.mailpolicy", "hosts/mx3.mailpolicy", "-o", "build")
    assert check.exit_code == 0, check.output


def test_per_host_layout_for_a_single_policy_and_clashing_names(run, tmp_path: Path) -> None:
    assert run("--per-host", "site.mailpolicy", "-o", "build", **{"site.mailpolicy": POLICY}).exit_code == 0
    assert (tmp_path / "build" / "site" / "main.cf").exists()
    clash = run("site.mailpolicy", "other/site.mailpolicy", "-o", "build", **{"other__site.mailpolicy": POLICY})
    assert clash.exit_code == 2 and "would both write into" in clash.stderr


def test_a_map_the_policy_no_longer_produces_is_removed_and_checked(run, tmp_path: Path) -> None:
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    renamed = POLICY + "sender map hash:/etc/postfix/senders\n"
    (tmp_path / "site.mailpolicy").write_text(renamed)
    check = run("--check", "site.mailpolicy", "-o", "out")
    assert check.exit_code == 1
    assert f"out/{MAP} was compiled from site.mailpolicy, which no longer produces it" in check.stderr
    result = run("site.mailpolicy", "-o", "out")
    assert result.exit_code == 0 and f"removed out/{MAP}" in result.stderr
    assert sorted(os.listdir(tmp_path / "out")) == ["main.cf", "senders"]


def test_an_interrupted_write_is_reported_by_check_and_rolled_back_by_compile(run, tmp_path: Path) -> None:
    run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
    old = (tmp_path / "out" / MAP).read_bytes()
    # What a kill after the first rename leaves: the backup, the journal, and a new map in place.
    os.link(tmp_path / "out" / MAP, tmp_path / "out" / f".mailpolicy-backup-{MAP}")
    (tmp_path / "out" / MAP).unlink()
    (tmp_path / "out" / MAP).write_text("new, from the killed write\n")
    (tmp_path / "out" / JOURNAL).write_text(json.dumps({"version": 1, "entries": [
        {"name": MAP, "temp": None, "backup": f".mailpolicy-backup-{MAP}", "sha256": None}]}))
    check = run("--check", "site.mailpolicy", "-o", "out")
    assert check.exit_code == 1 and "error[MP606]" in check.stderr
    assert (tmp_path / "out" / JOURNAL).exists(), "--check writes nothing, not even the rollback"
    result = run("site.mailpolicy", "-o", "out")
    assert result.exit_code == 0, result.output
    assert f"restored the previous {MAP} in out" in result.stderr
    assert (tmp_path / "out" / MAP).read_bytes() == old
    assert sorted(os.listdir(tmp_path / "out")) == sorted(["main.cf", MAP])


def test_policy_errors_write_nothing(run, tmp_path: Path) -> None:
    result = run("site.mailpolicy", "-o", "out", **{"site.mailpolicy": "postfix 3.7\ntrusted networks 0.0.0.0/0\n"})
    assert result.exit_code == 1 and "MP302" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unwritable_output_is_an_io_error(run, tmp_path: Path) -> None:
    result = run("site.mailpolicy", "-o", "taken/out", **{"site.mailpolicy": POLICY, "taken": "a file\n"})
    assert result.exit_code == 2
    assert "error[MP603]: cannot write to taken/out: Not a directory" in result.stderr


def test_merging_into_the_main_cf_that_is_the_base_replaces_it_in_place(run, tmp_path: Path) -> None:
    base = "# hand-made\nbiff = no\nmynetworks = 0.0.0.0/0\n"
    result = run("--base", "etc/main.cf", "site.mailpolicy", "-o", "etc",
                 **{"site.mailpolicy": POLICY, "etc__main.cf": base})
    assert result.exit_code == 0, result.output
    merged = (tmp_path / "etc" / "main.cf").read_text()
    assert is_intact(merged) and "# hand-made\nbiff = no\nmynetworks = 127.0.0.0/8 [::1]/128\n" in merged
    again = run("--base", "etc/main.cf", "site.mailpolicy", "-o", "etc")
    assert again.exit_code == 0 and "etc: unchanged" in again.stderr
    assert (tmp_path / "etc" / "main.cf").read_text() == merged


def test_an_output_file_that_is_a_folder_is_refused_in_every_mode(run, tmp_path: Path) -> None:
    (tmp_path / "out" / "main.cf").mkdir(parents=True)
    for mode in ([], ["--check"], ["--diff"]):
        result = run(*mode, "site.mailpolicy", "-o", "out", **{"site.mailpolicy": POLICY})
        assert result.exit_code == 1, (mode, result.output)
        assert "out/main.cf:1:1: error[MP609]" in result.stderr and "is a folder" in result.stderr
    assert run("--check", "site.mailpolicy", "-o", "file/out", file="x").exit_code == 1
