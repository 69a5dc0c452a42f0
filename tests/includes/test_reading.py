"""load/files.py: how one input file is read, exactly: what is refused, where, and with which words.

Every file mailpolicy reads goes through `read_bytes` (the policy and its includes without
following a final symlink, a file a command line names following it) and policy text through
`read_source`. The sixth mutation run (docs/mutation.md) found each refusal's place and wording,
the non-UTF-8 location and the byte-order mark untested: a user acts on them, so they are pinned
here, beside what the code is for (no symlink followed, no FIFO waited on, nothing past the limit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.load import files
from mailpolicy.load.files import read_bytes, read_source
from mailpolicy.source import SourceFile, Span
from tests.fifo_guard import bounded_fifo

HERE = Span("site.mailpolicy", 4, 9, 20)  # the line naming the file
CHECK_PATH = "check the path and its permissions"
SPLIT_FILE = "split it into smaller files"


def shown(problem) -> tuple:
    span = problem.span
    return problem.code, (span.path, span.line, span.column, span.end_column), problem.message, problem.hint


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"relay nobody\n\xff")
    assert read_bytes(tmp_path / "a", "a", HERE) == (b"relay nobody\n\xff", None)
    assert read_bytes(tmp_path / "a", "a", HERE, follow=True) == (b"relay nobody\n\xff", None)


def test_a_final_symlink_is_refused_unless_followed(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("outside\n")
    (tmp_path / "link").symlink_to(tmp_path / "secret")
    data, problem = read_bytes(tmp_path / "link", "users.mailpolicy", HERE)
    assert data is None
    assert shown(problem) == ("MP104", ("site.mailpolicy", 4, 9, 20),
                              "cannot read users.mailpolicy: Too many levels of symbolic links", CHECK_PATH)
    assert read_bytes(tmp_path / "link", "named", HERE, follow=True) == (b"outside\n", None)


def test_a_missing_file_says_so_at_the_line_naming_it(tmp_path: Path) -> None:
    data, problem = read_bytes(tmp_path / "none", "none.mailpolicy", HERE)
    assert data is None
    assert shown(problem) == ("MP104", ("site.mailpolicy", 4, 9, 20),
                              "cannot read none.mailpolicy: No such file or directory", CHECK_PATH)


@pytest.mark.parametrize("follow", [False, True])
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path, follow: bool) -> None:
    with bounded_fifo(tmp_path / "fifo") as fifo:
        data, problem = read_bytes(fifo, "fifo", HERE, follow=follow)
    assert data is None
    assert shown(problem) == ("MP104", ("site.mailpolicy", 4, 9, 20), "fifo is not a regular file", "name a text file")


def test_a_folder_is_not_a_regular_file(tmp_path: Path) -> None:
    data, problem = read_bytes(tmp_path, "sub", HERE)
    assert data is None and problem.message == "sub is not a regular file"


def test_a_file_is_read_up_to_the_limit_and_refused_past_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    (tmp_path / "ten").write_bytes(b"0123456789")
    (tmp_path / "eleven").write_bytes(b"0123456789\n")
    assert read_bytes(tmp_path / "ten", "ten", HERE) == (b"0123456789", None)
    data, problem = read_bytes(tmp_path / "eleven", "eleven", HERE)
    assert data is None
    assert shown(problem) == ("MP109", ("site.mailpolicy", 4, 9, 20),
                              "eleven is 11 bytes, over the limit of 10 bytes for one file", SPLIT_FILE)


def test_a_file_larger_than_its_size_said_is_refused_after_the_limit(monkeypatch) -> None:
    # /proc files say size 0 and hold more: only the bounded read finds out.
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0 and len(status.read_bytes()) > 11
    data, problem = read_bytes(status, "status", HERE)
    assert data is None
    assert shown(problem) == ("MP109", ("site.mailpolicy", 4, 9, 20),
                              "status is over the limit of 10 bytes for one file", SPLIT_FILE)


def test_a_file_that_fails_while_being_read_is_refused() -> None:
    # A process's memory at address 0 is a regular file whose read(2) fails (EIO).
    data, problem = read_bytes(Path("/proc/self/mem"), "mem", HERE)
    assert data is None
    assert shown(problem) == ("MP104", ("site.mailpolicy", 4, 9, 20), "cannot read mem: Input/output error", CHECK_PATH)


# --- read_source: text, and where it is not text ------------------------------------------------

@pytest.mark.parametrize(("data", "line", "column", "byte"), [
    (b"\xffrelay nobody\n", 1, 1, "0xff"),
    (b"relay \xfe\n", 1, 7, "0xfe"),
    (b"relay nobody\n# caf\xc3\xa9\nallow \xc3\xa9\xc3\xa9 \x80x\n", 3, 10, "0x80"),
    (b"relay nobody\n\n\xc3(\n", 3, 1, "0xc3"),
    (b"\n\xffrelay\n", 2, 1, "0xff"),  # the first line empty: newlines are counted from the first byte
])
def test_text_that_is_not_utf8_is_located_at_its_first_bad_byte(tmp_path: Path, data: bytes, line: int,
                                                                  column: int, byte: str) -> None:
    (tmp_path / "p").write_bytes(data)
    source, [problem] = read_source(tmp_path / "p", "users.mailpolicy", HERE)
    # Columns count characters, as the editor shows them: the two `é` before the byte are two columns.
    assert shown(problem) == ("MP104", ("users.mailpolicy", line, column, column + 1),
                              f"users.mailpolicy is not UTF-8 text (byte {byte})", "save the file as UTF-8")
    # Kept to show the line, decoded with U+FFFD for the bad bytes: never parsed.
    assert source == SourceFile("users.mailpolicy", data.decode("utf-8", "replace"))


def test_utf8_text_is_read_as_it_is_and_a_byte_order_mark_dropped(tmp_path: Path) -> None:
    (tmp_path / "p").write_bytes("relay nobody\r\n# café\n".encode())
    assert read_source(tmp_path / "p", "p.mailpolicy", None) == (SourceFile("p.mailpolicy", "relay nobody\r\n# café\n"), [])
    (tmp_path / "bom").write_bytes("\ufeff\ufeffrelay nobody\n".encode())
    # One mark, the first: a second one is text (and the parser's to refuse).
    assert read_source(tmp_path / "bom", "bom", None) == (SourceFile("bom", "\ufeffrelay nobody\n"), [])


def test_a_read_refusal_is_at_the_naming_line_or_at_the_file_itself(tmp_path: Path) -> None:
    assert read_source(tmp_path / "none", "none", HERE)[1][0].span == HERE
    source, [problem] = read_source(tmp_path / "none", "none.mailpolicy", None)
    assert source is None
    assert problem.span == Span("none.mailpolicy", 1, 1)  # the top file, named on the command line


def test_a_long_line_is_refused_at_its_own_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_LINE_CHARS", 8)
    (tmp_path / "p").write_text("relay\n12345678\n\n123456789é\nrelay nobody relay nobody\n")
    source, [problem] = read_source(tmp_path / "p", "p.mailpolicy", HERE)
    assert source is None
    assert shown(problem) == ("MP109", ("p.mailpolicy", 4, 9, None),
                              "line 4 is 10 characters long, over the limit of 8",
                              "split the statement over several lines")
