"""Postfix reads a merged main.cf as the policy says, with every other base value as it was."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.emit.provenance import Provenance
from mailpolicy.maincf.merge import merge_main_cf
from mailpolicy.output.marker import add_marker
from mailpolicy.postfix.main_cf import read_main_cf

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

REPO = Path(__file__).resolve().parents[2]


def _postconf(folder: Path) -> dict[str, str]:
    shown = subprocess.run(["postconf", "-c", str(folder), "-n"], capture_output=True, text=True, check=True)
    assert "warning" not in shown.stderr, shown.stderr
    values = read_main_cf(shown.stdout, "postconf -n").parameters
    return {name: d.value for name, d in values.items() if name != "config_directory"}


@pytest.mark.parametrize("base", ["debian", "seed/open_relay", "seed/misordered_restrictions"])
def test_postfix_reads_the_policy_values_and_the_rest_of_the_base(base: str, tmp_path: Path) -> None:
    compilation = compile_policy(REPO / "examples" / "seed.mailpolicy")
    source = REPO / "tests" / "fixtures" / base
    original = read_main_cf((source / "main.cf").read_text(), "main.cf")
    merged = merge_main_cf(original, compilation.plan, Provenance(compilation.path))
    before, after = tmp_path / "before", tmp_path / "after"
    for folder, text in ((before, original.text), (after, add_marker(merged.text, "seed.mailpolicy"))):
        folder.mkdir()
        (folder / "main.cf").write_text(text)
        (folder / "master.cf").write_text((source / "master.cf").read_text())
    old, new = _postconf(before), _postconf(after)
    planned = {p.name: " ".join(p.value.replace(",", " ").split()) for p in compilation.plan.parameters}
    assert {name: " ".join(new[name].replace(",", " ").split()) for name in planned} == planned
    untouched = {name: value for name, value in old.items() if name not in planned}
    assert {name: new[name] for name in untouched} == untouched
