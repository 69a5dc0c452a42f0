"""The documentation says what the tool does now."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from mailpolicy.parse.usage import USAGE

REPO = Path(__file__).resolve().parents[2]


def test_diagnostics_page_is_generated_from_the_catalogue() -> None:
    spec = importlib.util.spec_from_file_location("gen", REPO / "scripts" / "gen_diagnostics_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (REPO / "docs" / "diagnostics.md").read_text() == module.render(), \
        "run `python scripts/gen_diagnostics_doc.py`"


def test_language_page_has_an_example_for_every_statement() -> None:
    page = (REPO / "docs" / "language.md").read_text()
    blocks = "\n".join(re.findall(r"```\n(.*?)```", page, flags=re.S))
    for statement in USAGE:
        assert re.search(rf"^{re.escape(statement)}\b", blocks, flags=re.M), statement


def test_every_example_in_the_language_page_parses(tmp_path) -> None:
    from mailpolicy.parse import parse_text

    page = (REPO / "docs" / "language.md").read_text()
    for block in re.findall(r"```\n(.*?)```", page, flags=re.S):
        assert not parse_text(block, "docs/language.md").diagnostics, block


def test_readme_names_every_command() -> None:
    from mailpolicy.cli import cli

    readme = (REPO / "README.md").read_text()
    for name in cli.list_commands(None):
        assert f"`mailpolicy {name}" in readme, name
