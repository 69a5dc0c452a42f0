"""Generated files cite statements, not line numbers: adding a user changes only the sender map."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy

REPO = Path(__file__).resolve().parents[2]

# Real policies of the repository, each with where a new `allow user` line goes ("near the top":
# after the first statement, so every statement below it moves down one line).
POLICIES = [
    ("examples/seed.mailpolicy", "postfix 3.7\n", "allow user newbie as newbie@example0.com\n"),
    ("examples/office.mailpolicy", "postfix 3.7\n", "allow user newbie as newbie@example1.org\n"),
]


def _compile_copy(tmp_path: Path, relative: str, insert_after: str | None, line: str) -> dict[str, str]:
    source = REPO / relative
    folder = tmp_path / ("after" if insert_after else "before")
    shutil.copytree(source.parent, folder)
    policy = folder / source.name
    text = policy.read_text(encoding="utf-8")
    if insert_after:
        assert insert_after in text
        text = text.replace(insert_after, insert_after + line, 1)
        policy.write_text(text, encoding="utf-8")
    compilation = compile_policy(policy)
    assert compilation.ok, compilation.diagnostics
    return compilation.outputs


def _changed(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize("relative, insert_after, line", POLICIES, ids=[p[0] for p in POLICIES])
def test_adding_a_user_near_the_top_changes_only_the_sender_map(tmp_path, relative, insert_after, line) -> None:
    before = _compile_copy(tmp_path, relative, None, line)
    after = _compile_copy(tmp_path, relative, insert_after, line)
    assert after["main.cf"] == before["main.cf"]
    (map_name,) = set(after) - {"main.cf"}
    changed = _changed(before[map_name], after[map_name])
    # The marker's hash covers the lines below it, so it changes with them; the rest is the new
    # address and the bare key of its local user (plan/sender_map.py: local domains, one namespace).
    address = line.split(" as ")[1].strip()
    assert [c for c in changed if "mailpolicy-generated" not in c] == ["+newbie\tnewbie", f"+{address}\tnewbie"]


def test_citations_name_the_statement_and_its_file(tmp_path) -> None:
    outputs = _compile_copy(tmp_path, "examples/office.mailpolicy", None, "")
    text = outputs["main.cf"]
    assert "(office.mailpolicy: set smtpd_helo_required)" in text
    assert "(trusted networks lines)" in text
    assert "(office.mailpolicy: sender map)" in text
    assert "office.mailpolicy:" + "1" not in text.replace("office.mailpolicy: ", "")
