"""The package layers of docs/architecture.md hold: import-linter's contracts in pyproject.toml are kept."""

from __future__ import annotations

import re

import pytest
from importlinter.cli import lint_imports

from tests.conftest import REPO

try:
    import tomllib
except ImportError:  # Python 3.10: import-linter itself depends on tomli there
    import tomli as tomllib

PYPROJECT = REPO / "pyproject.toml"


def _contracts() -> dict[str, dict]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def test_every_contract_is_kept(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    # cache_dir in tmp_path: the check must not write into the checkout.
    code = lint_imports(config_filename=str(PYPROJECT), cache_dir=str(tmp_path), no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in report


def test_docs_list_the_contracts_layers() -> None:
    text = (REPO / "docs" / "architecture.md").read_text()
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\d+\. `([^`]+)`", section, re.M)
    assert documented == _contracts()["layers"]["layers"]


def test_the_layers_name_every_package_once() -> None:
    # `exhaustive` makes import-linter refuse a package missing from the list; this names it plainly.
    listed = [name.strip() for layer in _contracts()["layers"]["layers"] for name in layer.split("|")]
    package = REPO / "src" / "mailpolicy"
    present = {path.stem for path in package.glob("*.py") if path.stem != "__init__"}
    present |= {path.parent.name for path in package.glob("*/__init__.py")}
    assert sorted(listed) == sorted(present)
