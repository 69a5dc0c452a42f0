"""`compile --base-master` and deploy: the policy's services merged into a master.cf, every other line kept.

Cases in tests/cases/master-merge/NAME/: a base master.cf and `compile.cmd`, whose reference
(tests/cases/test_commands.py) holds the merged file. Here: properties every merge must have,
on each of those bases, with the services of examples/phones.mailpolicy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.emit.master_cf import MASTER_CF
from mailpolicy.maincf.master_merge import is_services_only, merge_master_cf
from mailpolicy.postfix.master_cf import read_master_cf
from mailpolicy.postfix.service_kinds import port_kind
from tests.conftest import REPO

CASES = sorted((REPO / "tests" / "cases" / "master-merge").glob("*/master.cf"))


@pytest.fixture(scope="module")
def fragment() -> str:
    compilation = compile_policy(REPO / "examples" / "phones.mailpolicy")
    assert compilation.ok
    return compilation.outputs[MASTER_CF]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.parent.name)
def test_merge_keeps_every_other_line_in_order_and_is_stable(case: Path, fragment: str) -> None:
    base = case.read_text()
    merged = merge_master_cf(base, fragment, "phones.mailpolicy")
    assert merge_master_cf(merged, fragment, "phones.mailpolicy") == merged
    lines = base.split("\n")
    replaced = {s.span.line for s in read_master_cf(base, "base").services if s.type == "inet" and port_kind(s.name)}
    kept = [line for number, line in enumerate(lines, start=1)
            if not _inside_replaced(lines, number, replaced) and not line.startswith((" ", "\t"))]
    remaining = iter(merged.split("\n"))
    assert all(any(line == other for other in remaining) for line in kept)  # each, in the base's order
    services = read_master_cf(merged, "merged").services
    ports = [port_kind(s.name) for s in services if s.type == "inet" and s.is_smtpd and port_kind(s.name)]
    assert sorted(ports) == ["inbound", "submission", "submissions"]  # one of each, no second on a port
    assert not read_master_cf(merged, "merged").diagnostics


def _inside_replaced(lines: list[str], number: int, replaced: set[int]) -> bool:
    """Tell whether line `number` belongs to a replaced service: its line, or a comment before one of its continuations."""
    start = max((line for line in replaced if line <= number), default=None)
    if start is None:
        return False
    if start == number:
        return True
    for later in range(start + 1, len(lines) + 1):
        text = lines[later - 1]
        if text.strip() and not text.lstrip().startswith("#") and not text[0].isspace():
            return False  # the next logical line began before any continuation at or after `number`
        if later >= number and text[:1].isspace() and not text.lstrip().startswith("#"):
            return True
    return False


def test_only_the_services_file_compile_writes_is_merged(fragment: str) -> None:
    assert is_services_only(fragment)
    assert not is_services_only(merge_master_cf(CASES[0].read_text(), fragment, "phones.mailpolicy"))
