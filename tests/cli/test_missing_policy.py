"""Every command that reads a policy treats a missing one alike: exit 2 (I/O), one clear line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli


@pytest.mark.parametrize("command", [
    ["compile"], ["compile", "--check"], ["check"], ["explain"], ["verify"], ["diff", "--against", "main.cf"],
])
def test_a_missing_policy_is_exit_2_with_its_name(tmp_path, monkeypatch, command) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*command, "missing.mailpolicy"])
    assert result.exit_code == 2, result.output
    assert result.stderr == "mailpolicy: no such file: missing.mailpolicy\n"
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_folder_named_as_a_policy_is_exit_2(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.mailpolicy").mkdir()
    result = CliRunner().invoke(cli, ["check", "site.mailpolicy"])
    assert result.exit_code == 2
