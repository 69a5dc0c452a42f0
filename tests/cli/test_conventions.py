"""CLI conventions: colour, `codes`, help, folders and `-` as inputs, wrong file kinds, SARIF, diff of a build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.cli.colour import use_colour
from mailpolicy.diagnostics.catalogue import CATALOGUE
from tests.helpers import SMALL_POLICY

REPO = Path(__file__).resolve().parents[2]
DEBIAN = REPO / "tests" / "fixtures" / "debian"


class _Terminal:
    def isatty(self) -> bool:
        return True


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


# (NO_COLOR value or None for unset, --color, colour on a terminal): no-color.org says a present,
# non-empty NO_COLOR disables colour and an empty one is ignored; --color always/never wins.
COLOUR_CASES = [
    (None, "auto", True), ("", "auto", True), ("1", "auto", False), ("0", "auto", False),
    ("1", "always", True), (None, "never", False), ("", "never", False),
]


@pytest.mark.parametrize("no_color, mode, coloured", COLOUR_CASES)
def test_colour_follows_no_color_and_the_color_option(monkeypatch, no_color, mode, coloured) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    seen = []
    monkeypatch.setattr("mailpolicy.cli.codes_cmd.explain", lambda entry: seen.append(use_colour(_Terminal())) or "")
    assert _run("--color", mode, "codes", "MP301").exit_code == 0
    assert seen == [coloured]


def test_colour_is_off_when_the_stream_is_no_terminal(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    _run("--color", "auto", "codes")
    assert use_colour(object()) is False


@pytest.mark.parametrize("asked", ["MP631", "mp631", "output-conflicted", " MP631 "])
def test_codes_explains_one_code_from_the_catalogue(asked) -> None:
    result = _run("codes", asked)
    assert result.exit_code == 0
    entry = CATALOGUE["MP631"]
    assert result.stdout.splitlines()[:2] == ["MP631 output-conflicted (error)", f"  {entry.summary}"]
    assert "range: writing outputs" in result.stdout and "docs/diagnostics.md" in result.stdout


def test_codes_lists_every_code_and_refuses_an_unknown_one_with_the_closest() -> None:
    listed = _run("codes").stdout.splitlines()
    assert [line.split()[0] for line in listed] == sorted(CATALOGUE)
    unknown = _run("codes", "MP6O1")
    assert unknown.exit_code == 2 and "MP6O1 is not a diagnostic code; did you mean MP601?" in unknown.stderr


def test_help_has_examples_and_whole_summaries() -> None:
    top = _run("--help").stdout
    assert "Examples:" in top and "mailpolicy check policies/ --format sarif" in top
    assert "..." not in top.split("Commands:")[1], "no summary is cut short"
    assert "loopback, and send every `expect` line to that real server." in " ".join(top.split())
    assert "Examples:" in _run("check", "--help").stdout and "Examples:" in _run("codes", "--help").stdout


def test_check_takes_a_folder_without_its_included_fragments(tmp_path, monkeypatch) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    result = _run("check", "examples", "--format", "json")
    files = [entry["file"] for entry in json.loads(result.stdout)["files"]]
    assert files == ["examples/hosted.mailpolicy", "examples/inbound-only.mailpolicy", "examples/office.mailpolicy",
                     "examples/owners-in-postgresql.mailpolicy", "examples/phones.mailpolicy", "examples/seed.mailpolicy"]
    assert result.exit_code == 0


def test_check_of_a_postfix_folder_points_to_audit() -> None:
    result = _run("check", str(DEBIAN))
    assert result.exit_code == 2
    assert f"no *.mailpolicy file under {DEBIAN} (it holds a Postfix main.cf: `mailpolicy audit {DEBIAN}`" \
        in result.stderr


def test_check_reads_stdin_as_one_policy_named_stdin() -> None:
    clean = _run("check", "-", input=SMALL_POLICY)
    assert clean.exit_code == 0, clean.output
    broken = _run("check", "-", "--format", "json", input=SMALL_POLICY + "relay everyone\n")
    (diagnostic,) = json.loads(broken.stdout)["diagnostics"]
    assert broken.exit_code == 1 and diagnostic["location"]["file"] == "<stdin>"
    assert diagnostic["location"]["line"] == 7


@pytest.mark.parametrize("name, kind", [("main.cf", "main.cf"), ("master.cf", "master.cf")])
def test_a_postfix_file_given_to_check_is_one_error_pointing_to_audit(name, kind) -> None:
    result = _run("check", str(DEBIAN / name), "--format", "json")
    (diagnostic,) = json.loads(result.stdout)["diagnostics"]
    assert result.exit_code == 1
    assert (diagnostic["code"], diagnostic["location"]["line"]) == ("MP116", 1)
    assert f"is a Postfix {kind}, not a .mailpolicy file" in diagnostic["message"]
    assert "mailpolicy audit" in diagnostic["hint"]


def test_a_policy_given_to_audit_points_to_check() -> None:
    result = _run("audit", str(REPO / "examples" / "seed.mailpolicy"))
    assert result.exit_code == 1
    assert "error[MP117]" in result.stderr and "mailpolicy check" in result.stderr


@pytest.mark.parametrize("text", ["", "# only a comment\n\n"])
def test_an_empty_policy_is_an_error(tmp_path, text) -> None:
    (tmp_path / "empty.mailpolicy").write_text(text)
    result = _run("check", str(tmp_path / "empty.mailpolicy"))
    assert result.exit_code == 1 and "error[MP118]" in result.stderr and "states nothing" in result.stderr


# SARIF 2.1.0 (OASIS, sarif-schema-2.1.0.json): the properties each object requires.
SARIF_REQUIRED = {
    "log": ("version", "runs"), "run": ("tool",), "tool": ("driver",), "driver": ("name",),
    "rule": ("id",), "result": ("message",), "message": ("text",), "physicalLocation": ("artifactLocation",),
    "region": ("startLine",),
}


def _has(obj: dict, kind: str) -> None:
    missing = [name for name in SARIF_REQUIRED[kind] if name not in obj]
    assert not missing, f"SARIF {kind} lacks {missing}: {obj}"


def test_sarif_output_has_the_required_structure(tmp_path) -> None:
    policy = tmp_path / "site.mailpolicy"
    policy.write_text(SMALL_POLICY.replace("relay only authenticated", "trusted networks 0.0.0.0/0\n"
                                           "relay authenticated or trusted"))
    result = _run("check", str(policy), "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    _has(log, "log")
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    _has(run, "run"), _has(run["tool"], "tool"), _has(run["tool"]["driver"], "driver")
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        _has(rule, "rule")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert run["results"]
    for result_ in run["results"]:
        _has(result_, "result"), _has(result_["message"], "message")
        assert rules[result_["ruleIndex"]]["id"] == result_["ruleId"]
        assert result_["level"] in ("error", "warning", "note")
        for location in result_.get("locations", []) + result_.get("relatedLocations", []):
            physical = location["physicalLocation"]
            _has(physical, "physicalLocation"), _has(physical["region"], "region")
            assert physical["artifactLocation"]["uri"] == policy.as_uri()
            assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    assert "MP302" in {r["ruleId"] for r in run["results"]}


def test_sarif_uris_are_relative_when_the_path_is(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("my site.mailpolicy").write_text(SMALL_POLICY + "relay everyone\n")
    run = json.loads(_run("check", "my site.mailpolicy", "--format", "sarif").stdout)["runs"][0]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]}
    assert uris == {"my%20site.mailpolicy"}


def test_diff_against_a_built_main_cf_compares_the_map_beside_it(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("site.mailpolicy").write_text(SMALL_POLICY)
    assert _run("compile", "site.mailpolicy", "-o", "build").exit_code == 0
    Path("site.mailpolicy").write_text(SMALL_POLICY + "allow user bob as bob@example0.com\n")
    result = _run("diff", "site.mailpolicy", "--against", "build/main.cf")
    assert result.exit_code == 1
    assert ("~ sender login map build/controlled_envelope_senders\n    + bob owned by bob\n"
            "    + bob@example0.com owned by bob\n") in result.stdout
    assert "no differences" not in result.stdout
    unseen = _run("diff", "site.mailpolicy", "--against", "-", input=Path("build/main.cf").read_text())
    assert unseen.exit_code == 0 and "no differences in what was compared (see the notes)" in unseen.stdout
