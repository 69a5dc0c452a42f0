"""Subcommands load on use: `--help` imports none, `check` imports only what checking needs."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.cli.lazy import LazyGroup
from tests.conftest import REPO

SEED = str(REPO / "examples" / "seed.mailpolicy")


def first_paragraph(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())


@pytest.mark.parametrize("name", sorted(cli.lazy))
def test_the_listed_help_is_the_commands_own_first_paragraph(name: str) -> None:
    module, function, listed = cli.lazy[name]
    command = getattr(importlib.import_module(module), function)
    assert command.name == name
    assert listed == first_paragraph(command.help)


def test_help_lists_every_command_as_an_eager_group_would() -> None:
    commands = [cli.get_command(click.Context(cli), name) for name in cli.list_commands(click.Context(cli))]
    # Every command loaded, none lazy: the help the loaded commands' own docstrings give (summaries
    # written whole, as LazyGroup lists them).
    eager = LazyGroup("mailpolicy", commands=commands, help=cli.help, epilog=cli.epilog,
                      params=cli.params, context_settings=cli.context_settings)
    lazy = CliRunner().invoke(cli, ["--help"], prog_name="mailpolicy")
    assert lazy.exit_code == 0
    assert lazy.output == CliRunner().invoke(eager, ["--help"], prog_name="mailpolicy").output
    assert len(commands) >= 7


def modules_after(*argv: str, prefix: str = "mailpolicy") -> set[str]:
    """Run the CLI in a fresh interpreter and return the modules under `prefix` it imported."""
    script = ("import sys, json\nfrom mailpolicy.cli import cli\n"
              "try:\n    cli.main(sys.argv[1:], prog_name='mailpolicy')\nexcept SystemExit:\n    pass\n"
              f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefix!r}))), file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, check=False)
    return set(json.loads(run.stderr.strip().splitlines()[-1]))


def test_help_imports_no_command() -> None:
    loaded = modules_after("--help")
    assert not {m for m in loaded if m.endswith("_cmd")}
    assert "mailpolicy.compiler" not in loaded


def test_check_of_plain_statements_never_loads_lark(tmp_path) -> None:
    # Every line of the seed is read by the expressions composed from the grammar (parse/lines.py).
    assert modules_after("check", SEED, prefix="lark") == set()
    # A line only lark can judge (here: a syntax error) loads it.
    (tmp_path / "odd.mailpolicy").write_text("relay nobody\nrelay sometimes\n")
    assert "lark" in modules_after("check", str(tmp_path / "odd.mailpolicy"), prefix="lark")


def test_check_imports_neither_other_commands_nor_the_sandbox_or_the_audit() -> None:
    loaded = modules_after("check", SEED)
    assert "mailpolicy.cli.check_cmd" in loaded
    assert {m for m in loaded if m.endswith("_cmd")} == {"mailpolicy.cli.check_cmd"}
    for heavy in ("mailpolicy.sandbox", "mailpolicy.audit.run", "mailpolicy.importer", "mailpolicy.maincf.merge"):
        assert heavy not in loaded


# What `check` of a clean policy printed as text never uses: other commands' machinery, the
# machine output formats, the writers of output files, the formatter and the differ.
NOT_FOR_CHECK = ("mailpolicy.diagnostics.render_json", "mailpolicy.diagnostics.render_github",
                 "mailpolicy.output", "mailpolicy.fmt", "mailpolicy.verify", "mailpolicy.maincf",
                 "mailpolicy.importer", "mailpolicy.sandbox", "mailpolicy.audit.run")


def test_check_imports_no_machine_format_writer_formatter_or_differ() -> None:
    loaded = modules_after("check", SEED)
    assert "mailpolicy.compiler" in loaded and "mailpolicy.simulate.proof" in loaded
    assert not {m for m in loaded if m.startswith(NOT_FOR_CHECK)}


def test_check_imports_each_machine_format_when_asked_for_it() -> None:
    assert "mailpolicy.diagnostics.render_json" in modules_after("check", "--format", "json", SEED)
    github = modules_after("check", "--format", "github", SEED)
    assert "mailpolicy.diagnostics.render_github" in github
    assert "mailpolicy.diagnostics.render_json" not in github
