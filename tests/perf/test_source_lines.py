"""Diagnostics show the right line, and a large file is split into lines once, not once per diagnostic."""

from __future__ import annotations

import pytest

from mailpolicy import source
from mailpolicy.source import SourceFile


@pytest.mark.parametrize("odd", ["\x0c", "\x1c", "\u2028", "\x85", "\r"])
def test_only_a_newline_ends_a_line(odd: str) -> None:
    text = f"relay nobody{odd} x\nhostname mx.example0.com\nbogus line\n"
    assert SourceFile("p", text).line_text(3) == "bogus line"


def test_crlf_lines_lose_their_cr_and_lines_past_the_end_are_empty() -> None:
    text = "a\r\nb\r\nc"
    assert [SourceFile("p", text).line_text(n) for n in range(5)] == ["", "a", "b", "c", ""]


def test_the_text_is_split_once() -> None:
    text = "".join(f"allow user u{i} as u{i}@example0.com\n" for i in range(1000))
    big = SourceFile("big", text)
    before = source._lines.cache_info().misses
    assert [big.line_text(n) for n in (1, 500, 1000)] == [
        "allow user u0 as u0@example0.com", "allow user u499 as u499@example0.com",
        "allow user u999 as u999@example0.com"]
    assert source._lines.cache_info().misses == before + 1
