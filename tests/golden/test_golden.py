"""Golden tests: every example and case compiled, each stage's output compared byte for byte.

For each policy, `tests/golden/expected/<case>/` holds:
  statements.txt   the parse stage: one line per statement as the parser built it
  plan.txt         the plan stage: every parameter, restriction entry and map key with its source
  diagnostics.txt  the analysis: diagnostics rendered as text (empty when clean)
  main.cf, <map>   the emit stage: the files written
Run `pytest tests/golden --update-goldens` to rewrite them; a mismatch writes `<file>.actual`.
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs
import pytest

from mailpolicy.cli.report import line_lookup
from mailpolicy.compiler import compile_policy
from mailpolicy.diagnostics.render_text import render_text
from mailpolicy.load.loader import load_policy
from mailpolicy.parse.statements import expanded
from tests.references import matches_reference

REPO = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).parent / "expected"
CASES = sorted([*REPO.glob("examples/*.mailpolicy"), *REPO.glob("tests/cases/**/*.mailpolicy")])


def case_name(path: Path) -> str:
    return str(path.relative_to(REPO).with_suffix("")).replace(os.sep, "__")


def render_statements(relative: str) -> str:
    loaded = load_policy(relative)
    return "".join(f"{type(s).__name__} {s.span}: {_fields(s)}\n" for s in expanded(loaded.statements))


def _fields(statement) -> str:
    return " ".join(f"{name}={_show(value)}" for name, value in _attrs_items(statement) if name != "span")


def _attrs_items(obj):
    # A field left at its default is not shown, so adding an optional field keeps the goldens.
    return ((a.name, getattr(obj, a.name)) for a in attrs.fields(type(obj))
            if a.default is attrs.NOTHING or getattr(obj, a.name) != a.default)


def _show(value) -> str:
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple of the tree (st.SenderCheck)
        defaults = getattr(value, "_field_defaults", {})
        return "{" + " ".join(f"{k}={_show(getattr(value, k))}" for k in value._fields
                              if k != "span" and (k not in defaults or getattr(value, k) != defaults[k])) + "}"
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if hasattr(value, "text") and hasattr(value, "span"):
        return repr(value.text) + ("(quoted)" if value.quoted else "")
    if attrs.has(type(value)):
        return "{" + " ".join(f"{k}={_show(v)}" for k, v in _attrs_items(value) if k != "span") + "}"
    if hasattr(value, "value") and not isinstance(value, str):
        return str(value.value)
    return repr(value)


def render_plan(compilation) -> str:
    plan = compilation.plan
    if plan is None:
        return ""
    lines = [f"version {plan.version}"]
    for p in plan.parameters:
        where = str(p.source.short) if p.source else "default"
        lines.append(f"{p.name} = {p.value}    [{where}; {'managed' if p.managed else 'set'}]")
        for e in p.entries or ():
            lines.append(f"  - {e.name}    [{e.source.short if e.source else 'default'}]")
    if plan.sender_map:
        lines.append(f"sender map {plan.sender_map.reference}")
        sources: dict[str, list[str]] = {}
        for ownership in compilation.policy.owners:
            sources.setdefault(ownership.address, []).append(ownership.span.short)
        for entry in plan.sender_map.entries:
            lines.append(f"  {entry.key} -> {', '.join(entry.owners)}    [{', '.join(sources.get(entry.key, ['another local name']))}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("policy", CASES, ids=case_name)
def test_golden(policy: Path, update_goldens: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    relative = str(policy.relative_to(REPO))
    compilation = compile_policy(relative)
    folder = EXPECTED / case_name(policy)
    outputs = {
        "statements.txt": render_statements(relative),
        "plan.txt": render_plan(compilation),
        "diagnostics.txt": render_text(compilation.diagnostics, line_lookup(compilation.sources)),
        **compilation.outputs,
    }
    if folder.exists():
        stale = {p.name for p in folder.iterdir() if not p.name.endswith(".actual")} - set(outputs)
        if update_goldens:
            for name in stale:
                (folder / name).unlink()
        else:
            assert not stale, f"expected files no longer produced: {sorted(stale)}"
    mismatched = [name for name, text in outputs.items()
                  if not matches_reference(folder / name, text, update_goldens)]
    assert not mismatched, f"{relative}: {mismatched} differ; see the .actual files in {folder}"


@pytest.mark.parametrize("policy", CASES, ids=case_name)
def test_compiling_twice_is_identical(policy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    relative = str(policy.relative_to(REPO))
    first, second = compile_policy(relative), compile_policy(relative)
    assert first.outputs == second.outputs
    assert first.diagnostics == second.diagnostics


def test_every_case_has_expected_files() -> None:
    names = {case_name(p) for p in CASES}
    present = {p.name for p in EXPECTED.iterdir()} if EXPECTED.exists() else set()
    assert not (present - names), f"expected folders without a case: {sorted(present - names)}"
