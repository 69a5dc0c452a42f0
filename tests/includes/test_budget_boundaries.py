"""The loader's budgets at their exact boundaries: the limit itself is read, one more is refused.

test_limits.py shows each budget refusing; the mutation run (docs/mutation.md) found that no test
told `>` from `>=`, that an owners table's lines could count against the statement budget, nor
where a refusal of the top file itself is located. Budgets are lowered with monkeypatch, as there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.load import files, loader

SASL = "sasl dovecot private/auth\n"


def refusals(path: Path) -> list[str]:
    return [str(d.span) for d in compile_policy(path).diagnostics if d.code == "MP109"]


@pytest.mark.parametrize(("comments", "refused"), [(12, False), (13, True)])
def test_exactly_max_lines_are_read_and_one_more_is_not(tmp_path: Path, monkeypatch, comments: int,
                                                        refused: bool) -> None:
    monkeypatch.setattr(loader, "MAX_LINES", 14)
    path = tmp_path / "site.mailpolicy"
    path.write_text("relay nobody\n" + "# note\n" * comments)  # 13 or 14 lines, and the empty last one
    # The top file itself over the budget: located at its first line, since no line named it.
    assert refusals(path) == ([f"{path}:1:1"] if refused else [])


@pytest.mark.parametrize(("commas", "refused"), [(8, False), (9, True)])
def test_exactly_max_values_are_read_and_one_more_is_not(tmp_path: Path, monkeypatch, commas: int,
                                                         refused: bool) -> None:
    monkeypatch.setattr(loader, "MAX_VALUES", 10)
    path = tmp_path / "site.mailpolicy"
    path.write_text("local domains a.example" + ", b.example" * commas + "\n")  # 2 lines + the commas
    assert refusals(path) == ([f"{path}:1:1"] if refused else [])


def test_an_owners_tables_lines_are_values_not_statements(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(loader, "MAX_LINES", 2)  # exactly the policy's own two lines
    (tmp_path / "owners.tsv").write_text("a@example0.com bob\nb@example0.com bob\n")
    path = tmp_path / "site.mailpolicy"
    path.write_text(SASL + 'allow users from "owners.tsv"')
    assert refusals(path) == []


@pytest.mark.parametrize(("length", "refused"), [(files.MAX_LINE_CHARS, False), (files.MAX_LINE_CHARS + 1, True)])
def test_the_first_line_is_measured_from_its_first_character(tmp_path: Path, length: int, refused: bool) -> None:
    path = tmp_path / "site.mailpolicy"
    path.write_text("#" * length + "\nrelay nobody\n")
    assert refusals(path) == ([f"{path}:1:{files.MAX_LINE_CHARS + 1}"] if refused else [])


def test_a_line_one_over_after_an_empty_first_line_is_refused_at_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "site.mailpolicy"
    path.write_text("\n" + "#" * (files.MAX_LINE_CHARS + 1) + "\nrelay nobody\n")
    [refusal] = [d for d in compile_policy(path).diagnostics if d.code == "MP109"]
    assert str(refusal.span) == f"{path}:2:{files.MAX_LINE_CHARS + 1}"
    assert refusal.message == (f"line 2 is {files.MAX_LINE_CHARS + 1:,} characters long, over the limit of "
                               f"{files.MAX_LINE_CHARS:,}")


def test_many_short_lines_after_an_empty_first_line_are_not_one_long_line(tmp_path: Path) -> None:
    path = tmp_path / "site.mailpolicy"
    path.write_text("\nrelay nobody\n" + "# a comment\n" * (files.MAX_LINE_CHARS // 10))
    assert refusals(path) == []


@pytest.mark.parametrize("name", ["site\nmynetworks = 0.0.0.0 .mailpolicy", "si\tte.mailpolicy", "site\x7f.mailpolicy"])
def test_a_top_file_name_with_a_control_character_is_refused_before_it_is_read(tmp_path: Path, name: str) -> None:
    # main.cf and the map cite files by name in comments: a newline there would start a line of its own.
    path = tmp_path / name
    path.write_text("relay nobody\n")
    result = compile_policy(path)
    [refusal] = result.diagnostics
    odd = next(ch for ch in name if not ch.isprintable())
    assert (refusal.code, str(refusal.span)) == ("MP112", f"{path}:1:1")
    assert refusal.message == f"the file name {str(path).encode('unicode_escape').decode('ascii')} holds U+{ord(odd):04X}"
    assert refusal.hint == "rename the file with printable characters only"
    assert not result.ok and not result.sources


def test_an_included_name_with_a_tab_is_refused_at_the_include(tmp_path: Path) -> None:
    (tmp_path / "us\ters.mailpolicy").write_text("relay nobody\n")
    path = tmp_path / "site.mailpolicy"
    path.write_text('include "us\ters.mailpolicy"\n')
    result = compile_policy(path)
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("MP112", 1, 9)]
    assert [source.path for source in result.sources] == [str(path)]


@pytest.mark.parametrize("spare", [0, -1])
def test_exactly_max_total_bytes_are_read_and_one_more_is_not(tmp_path: Path, monkeypatch, spare: int) -> None:
    (tmp_path / "part.mailpolicy").write_text("# padding\n" * 10)
    path = tmp_path / "site.mailpolicy"
    path.write_text('include "part.mailpolicy"\nrelay nobody\n')
    total = path.stat().st_size + (tmp_path / "part.mailpolicy").stat().st_size
    monkeypatch.setattr(loader, "MAX_TOTAL_BYTES", total + spare)
    assert refusals(path) == ([] if spare == 0 else [f"{path}:1:9"])  # at the include that crosses it


def test_a_top_file_over_the_byte_budget_is_refused_at_its_start(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "site.mailpolicy"
    path.write_text("relay nobody\n")
    monkeypatch.setattr(loader, "MAX_TOTAL_BYTES", 5)
    assert refusals(path) == [f"{path}:1:1"]
