"""`set` of a parameter Postfix uses as root needs `set privileged`; `privileged` elsewhere is refused.

Tests as data: each line is compiled inside the seed policy and the codes it draws are asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.compiler import compile_policy
from mailpolicy.postfix import parameters
from mailpolicy.postfix.privileged import PRIVILEGED
from tests.conftest import REPO

SEED = (REPO / "examples" / "seed.mailpolicy").read_text()

CASES = [
    # (line, codes at that line, compiles)
    ("set daemon_directory = /tmp/evil", ["MP409"], False),
    ("set command_directory = /tmp/evil", ["MP409"], False),
    ("set meta_directory = /tmp/evil", ["MP409"], False),
    ("set shlib_directory = /tmp/evil", ["MP409"], False),
    ("set import_environment = MAIL_CONFIG LD_PRELOAD=/tmp/evil.so", ["MP409"], False),
    ("set mail_owner = mallory", ["MP409"], False),
    ("set setgid_group = users", ["MP409"], False),
    ("set multi_instance_wrapper = /tmp/evil", ["MP409"], False),
    # The built-in default is refused too: another distribution's default differs.
    ("set daemon_directory = /usr/lib/postfix/sbin", ["MP409"], False),
    ("set privileged daemon_directory = /usr/local/libexec/postfix", ["MP411"], True),
    ('set privileged "mail_owner" = postfix', ["MP411"], True),
    ("set privileged smtpd_banner = $myhostname ESMTP", ["MP410"], False),
    # `no` makes post-install skip a documentation folder (Debian's stock main.cf says so).
    ("set readme_directory = no", [], True),
    ("set privileged readme_directory = no", ["MP410"], False),
    ("set readme_directory = /tmp/evil", ["MP409"], False),
]


def compiled(tmp_path: Path, line: str):
    policy = tmp_path / "site.mailpolicy"
    policy.write_text(SEED + line + "\n")
    return compile_policy(policy), len(SEED.splitlines()) + 1


@pytest.mark.parametrize(("line", "codes", "ok"), CASES, ids=[case[0] for case in CASES])
def test_privileged_lines(tmp_path: Path, line: str, codes: list[str], ok: bool) -> None:
    compilation, number = compiled(tmp_path, line)
    found = [d for d in compilation.diagnostics if d.span is not None and d.span.line == number]
    assert sorted(d.code for d in found) == codes
    assert compilation.ok is ok
    for diagnostic in found:
        assert diagnostic.span.column == 5  # the name (MP409) or the word `privileged`
    if ok and codes:
        # An acknowledged value is compiled as written: the deployed server needs it.
        name, value = line.removeprefix("set privileged ").split(" = ")
        assert f"{name.strip(chr(34))} = {value}" in compilation.outputs["main.cf"]


def test_the_cli_refuses_an_unacknowledged_daemon_directory(tmp_path: Path) -> None:
    policy = tmp_path / "site.mailpolicy"
    policy.write_text(SEED + "set daemon_directory = /tmp/evil\n")
    result = CliRunner().invoke(cli, ["compile", str(policy), "-o", str(tmp_path / "build")])
    assert result.exit_code == 1
    assert "MP409" in result.output and "daemon_directory" in result.output
    assert not (tmp_path / "build" / "main.cf").exists()


@pytest.mark.parametrize("name", sorted(PRIVILEGED))
def test_every_privileged_name_is_a_postfix_parameter(name: str) -> None:
    # A name Postfix does not know would only ever be MP401: the table would guard nothing.
    assert parameters.parameter(name) is not None


def test_fmt_keeps_the_acknowledgement(tmp_path: Path) -> None:
    policy = tmp_path / "site.mailpolicy"
    policy.write_text("set   privileged   mail_owner =  postfix   # our build\n")
    result = CliRunner().invoke(cli, ["fmt", str(policy)])
    assert result.exit_code == 0, result.output
    assert policy.read_text() == "set privileged mail_owner = postfix  # our build\n"
