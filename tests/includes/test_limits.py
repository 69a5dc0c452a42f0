"""Size limits: huge files, long lines, deep or wide include trees and many statements end in an error.

The inputs here are at the real limits where that is cheap (a sparse file, one long line, a few
million short lines are refused before they are parsed); budgets that would need hundreds of
files are lowered with monkeypatch to test the mechanism that enforces them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.load import files, loader

BASE = "relay nobody\n"


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def test_depth_limit_allows_the_limit_and_refuses_one_more(tmp_path):
    def chain(count: int) -> Path:
        folder = tmp_path / str(count)
        folder.mkdir()
        for i in range(count - 1):
            (folder / f"f{i}.mailpolicy").write_text(f'include "f{i + 1}.mailpolicy"\n' + ("hostname mx.example0.com\n" if i == 0 else ""))
        (folder / f"f{count - 1}.mailpolicy").write_text(BASE)
        return folder / "f0.mailpolicy"

    assert compile_policy(chain(loader.MAX_INCLUDE_DEPTH)).ok
    result = compile_policy(chain(loader.MAX_INCLUDE_DEPTH + 1))
    assert codes(result) == ["MP108"]
    found = result.diagnostics[0]
    assert found.span.line == 1 and found.span.path.endswith(f"f{loader.MAX_INCLUDE_DEPTH - 1}.mailpolicy")
    # The message shows the chain that got too deep.
    assert found.message.count("->") == loader.MAX_INCLUDE_DEPTH
    assert not result.outputs


def test_included_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.mailpolicy"
    with big.open("wb") as handle:  # sparse: no disk or memory used
        handle.truncate(files.MAX_FILE_BYTES + 1)
    (tmp_path / "site.mailpolicy").write_text(f'{BASE}include "big.mailpolicy"\n')
    result = compile_policy(tmp_path / "site.mailpolicy")
    assert codes(result) == ["MP109"]
    found = result.diagnostics[0]
    assert found.span.line == 2 and found.span.column == 9
    assert f"{files.MAX_FILE_BYTES + 1:,} bytes" in found.message and f"{files.MAX_FILE_BYTES:,}" in found.message


def test_top_file_over_the_size_limit_is_located_in_it(tmp_path):
    big = tmp_path / "site.mailpolicy"
    with big.open("wb") as handle:
        handle.truncate(files.MAX_FILE_BYTES + 1)
    result = compile_policy(big)
    assert codes(result) == ["MP109"]
    assert str(result.diagnostics[0].span) == f"{big}:1:1"


def test_very_long_line_is_refused_at_its_line(tmp_path):
    path = tmp_path / "site.mailpolicy"
    path.write_text(BASE + "local domains " + "a" * files.MAX_LINE_CHARS + "\n" + BASE)
    result = compile_policy(path)
    assert codes(result) == ["MP109"]
    found = result.diagnostics[0]
    assert found.span.line == 2 and "characters long" in found.message


def test_a_line_at_the_limit_is_read(tmp_path):
    path = tmp_path / "site.mailpolicy"
    # A comment exactly at the limit is not a long line.
    path.write_text(BASE + "#" * files.MAX_LINE_CHARS + "\nhostname mx.example0.com\n")
    assert compile_policy(path).ok


def test_very_many_statements_are_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "site.mailpolicy"
    path.write_text("relay nobody\n" * loader.MAX_LINES)  # and the empty line after the last

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed a file over the statement budget")

    monkeypatch.setattr(loader, "parse_text", no_parse)
    result = compile_policy(path)
    assert codes(result) == ["MP109"]
    assert f"over {loader.MAX_LINES:,} lines" in result.diagnostics[0].message


def test_very_many_values_are_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "site.mailpolicy"
    line = "local domains a" + ",a" * (files.MAX_LINE_CHARS // 2 - 16) + "\n"
    path.write_text(line * (loader.MAX_VALUES // line.count(",") + 1))
    monkeypatch.setattr(loader, "parse_text", pytest.fail)
    result = compile_policy(path)
    assert codes(result) == ["MP109"]
    assert f"over {loader.MAX_VALUES:,} values" in result.diagnostics[0].message


def test_line_budget_counts_all_included_files(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_LINES", 14)
    for i in range(4):
        (tmp_path / f"part{i}.mailpolicy").write_text("allow user bob as a@example0.com\n" * 3)
    (tmp_path / "site.mailpolicy").write_text("".join(f'include "part{i}.mailpolicy"\n' for i in range(4)))
    result = compile_policy(tmp_path / "site.mailpolicy")
    assert codes(result) == ["MP109"]
    # 5 lines (4 includes and the empty last line) + 4 + 4 = 13 fit; the third part crosses the
    # budget and the fourth is not read.
    assert result.diagnostics[0].span.line == 3
    assert len(result.sources) == 4


def test_total_bytes_budget_counts_all_included_files(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_TOTAL_BYTES", 1000)
    for i in range(5):
        (tmp_path / f"part{i}.mailpolicy").write_text("# padding\n" * 30)
    (tmp_path / "site.mailpolicy").write_text("".join(f'include "part{i}.mailpolicy"\n' for i in range(5)))
    result = compile_policy(tmp_path / "site.mailpolicy")
    assert codes(result) == ["MP109"]
    assert "1,000 bytes in all files together" in result.diagnostics[0].message


def test_number_of_files_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_FILES", 3)
    for i in range(5):
        (tmp_path / f"part{i}.mailpolicy").write_text("")
    (tmp_path / "site.mailpolicy").write_text("".join(f'include "part{i}.mailpolicy"\n' for i in range(5)))
    result = compile_policy(tmp_path / "site.mailpolicy")
    assert codes(result) == ["MP109"]
    assert result.diagnostics[0].span.line == 3
    assert len(result.sources) == 3


def test_owners_table_counts_against_the_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "MAX_VALUES", 5)
    (tmp_path / "o.tsv").write_text("".join(f"u{i}@example0.com bob\n" for i in range(10)))
    (tmp_path / "site.mailpolicy").write_text('sasl dovecot private/auth\nallow users from "o.tsv"\n')
    result = compile_policy(tmp_path / "site.mailpolicy")
    assert codes(result) == ["MP109"] and result.diagnostics[0].span.line == 2
    assert "over 5 values" in result.diagnostics[0].message


def test_benchmark_sized_policies_fit_the_budgets():
    # benchmarks/generate.py: 1,000,000 `allow user` lines, or the same owners as a table.
    # Measured on a 10,000-line sample and scaled: every count grows linearly with the lines.
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    scale = 100
    for text, table in ((generate.policy_text(1_000_000 // scale), False), (generate.table_text(1_000_000 // scale), True)):
        lines = text.count("\n") * scale
        assert len(text) * scale <= files.MAX_FILE_BYTES
        assert (0 if table else lines) <= loader.MAX_LINES
        assert lines + text.count(",") * scale <= loader.MAX_VALUES
