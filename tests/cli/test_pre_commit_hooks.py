"""The pre-commit hooks name commands that exist and match policy files."""

from __future__ import annotations

import re
from pathlib import Path

import click

from mailpolicy.cli import cli

HOOKS = Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml"


def test_each_hook_runs_a_mailpolicy_command_on_policy_files() -> None:
    text = HOOKS.read_text()
    hooks = re.findall(r"- id: (\S+)\n(?:  .*\n)*?  entry: mailpolicy (\S+)\n(?:  .*\n)*?  files: (\S+)", text)
    assert [(hook, command) for hook, command, _ in hooks] == [("mailpolicy-check", "check"),
                                                               ("mailpolicy-fmt", "fmt")]
    for _, command, files in hooks:
        assert command in cli.list_commands(click.Context(cli))
        assert re.search(files, "hosts/mx1.mailpolicy") and not re.search(files, "build/main.cf")
