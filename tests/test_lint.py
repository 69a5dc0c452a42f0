"""The linters pass on the whole tree: ruff (rules in pyproject.toml) and vulture (unused code).

Both run as CI runs them, from the repository root, so a new unused import, a blind `except`, a
`# noqa` naming a rule that does not fire, or a function nothing calls fails the suite.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postfix_support import missing_prerequisite

REPO = Path(__file__).resolve().parents[1]
GRAMMAR = REPO / "grammar" / "mailpolicy.lark"
LINTED = ("src", "tests", "benchmarks", "scripts")
# A rule `name: ...` (lark's `?` and `!` prefixes allowed) or an alias `-> name`: the statement
# builder (parse/statement_builder.py) calls its method of that name, which vulture cannot see.
_RULE = re.compile(r"^[?!]?([a-z][a-z0-9_]*)\s*:|->\s*([a-z][a-z0-9_]*)", re.MULTILINE)


def _run(module: str, *args: str) -> subprocess.CompletedProcess:
    if importlib.util.find_spec(module) is None:
        missing_prerequisite(f"{module} is not installed (it is in the `test` extra of pyproject.toml)")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)


def grammar_rule_names(text: str) -> list[str]:
    """Return the names of the rules and aliases of a lark grammar."""
    return sorted({left or right for left, right in _RULE.findall(text)})


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_vulture_finds_no_unused_code(tmp_path: Path) -> None:
    rules = tmp_path / "grammar_rules_whitelist.py"
    rules.write_text("".join(f"_.{name}\n" for name in grammar_rule_names(GRAMMAR.read_text(encoding="utf-8"))))
    result = _run("vulture", *LINTED, "tests/vulture_whitelist.py", str(rules))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_grammar_names_are_read_from_rules_and_aliases() -> None:
    names = grammar_rule_names('start: a\n?value_list: x\nclient: "t" -> client_trusted\n  | "u"  -> client_user\n')
    assert names == ["client", "client_trusted", "client_user", "start", "value_list"]


@pytest.mark.parametrize("code, fires", [("import os\n", True), ("import os\nprint(os.sep)\n", False)])
def test_ruff_would_catch_an_unused_import(tmp_path: Path, code: str, fires: bool) -> None:
    # The configuration is live: the same rules, on a file of ours, find a planted mistake.
    planted = tmp_path / "planted.py"
    planted.write_text(code)
    result = _run("ruff", "check", "--no-cache", "--config", str(REPO / "pyproject.toml"), str(planted))
    assert (result.returncode != 0) == fires and ("F401" in result.stdout) == fires, result.stdout


def test_vulture_would_catch_an_unused_function(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("def used():\n    return 1\n\n\ndef forgotten():\n    return 2\n\n\nprint(used())\n")
    result = _run("vulture", str(planted))
    assert result.returncode != 0 and "forgotten" in result.stdout and "'used'" not in result.stdout, result.stdout


def test_a_noqa_naming_a_rule_that_is_not_configured_is_reported(tmp_path: Path) -> None:
    # Every noqa comment in the tree must name a rule of the configured linter that fires there (RUF100).
    planted = tmp_path / "planted.py"
    planted.write_text("import os  # noqa: F401\nx = 1  # noqa: D100\n")
    result = _run("ruff", "check", "--no-cache", "--config", str(REPO / "pyproject.toml"), str(planted))
    assert result.returncode != 0 and "RUF100" in result.stdout and "D100" in result.stdout, result.stdout
    assert ":1:" not in result.stdout, "the noqa that names a firing rule is accepted"
