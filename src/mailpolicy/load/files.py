"""Read one input file safely: a regular file, within the size limits, as UTF-8 text.

Every file mailpolicy reads goes through here: the policy and its includes (load/loader.py), a
base main.cf or a deployed map a command line names, the deployed main.cf, master.cf and tables
the audit reads. A FIFO, a device or a file that grows without end is refused rather than read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.source import SourceFile, Span

# Limits that turn a runaway input into an error instead of memory exhaustion. They sit well
# above real policies: the largest benchmarked one has 1,000,000 `allow user` lines (~100 MB).
MAX_FILE_BYTES = 128 * 1024 * 1024     # one file
MAX_LINE_CHARS = 64 * 1024             # one line; a longer statement can be split over lines


def too_large(span: Span, message: str, hint: str) -> Diagnostic:
    """Return MP108/MP109's diagnostic: an input over one of the limits."""
    return cat.INPUT_TOO_LARGE.at(span, message, hint=hint)


def read_named_file(path: Path) -> bytes:
    """Read a file a command line names (a base main.cf, a deployed map) within the size limit.

    Symlinks are followed (the user named the file), but a FIFO, a device such as /dev/zero or a
    file over MAX_FILE_BYTES is refused instead of hanging or filling memory. Raises OSError
    whose `strerror` says why.
    """
    data, problem = read_bytes(path, str(path), Span(str(path), 1, 1), follow=True)
    if problem is not None:
        raise OSError(errno.EINVAL, problem.message.removeprefix(f"cannot read {path}: "), str(path))
    return data


def read_bytes(path: Path, display: str, span: Span, follow: bool = False) -> tuple[bytes | None, Diagnostic | None]:
    """Read a regular file without following a final symlink, at most MAX_FILE_BYTES + 1 bytes."""
    try:
        # O_NOFOLLOW: the path was resolved and checked; a symlink put there since is refused.
        # O_NONBLOCK: opening a FIFO put there since must not hang; regular files ignore it.
        nofollow = 0 if follow else os.O_NOFOLLOW
        fd = os.open(path, os.O_RDONLY | nofollow | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        return None, cat.FILE_UNREADABLE.at(span, f"cannot read {display}: {error.strerror or error}",
                                            hint="check the path and its permissions")
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        # Checked on the descriptor, before it becomes a file object: os.fdopen raises
        # IsADirectoryError for a folder (a `password` naming one, or an include swapped for one).
        os.close(fd)
        return None, cat.FILE_UNREADABLE.at(span, f"{display} is not a regular file", hint="name a text file")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_FILE_BYTES:
            return None, too_large(span, f"{display} is {info.st_size:,} bytes, over the limit of "
                                    f"{MAX_FILE_BYTES:,} bytes for one file", "split it into smaller files")
        try:
            # Bounded even if the file grows after fstat.
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            return None, cat.FILE_UNREADABLE.at(span, f"cannot read {display}: {error.strerror or error}",
                                                hint="check the path and its permissions")
    if len(data) > MAX_FILE_BYTES:
        return None, too_large(span, f"{display} is over the limit of {MAX_FILE_BYTES:,} bytes for one file",
                                "split it into smaller files")
    return data, None


def read_source(path: Path, display: str, span: Span | None) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Read a UTF-8 text file within the size limits; report why not, at `span` (the line that named it).

    A file that is not UTF-8 comes back with its problem and its text decoded with U+FFFD in place of
    the bad bytes: to show the line, never to be parsed.
    """
    where = span or Span(display, 1, 1)
    data, problem = read_bytes(path, display, where)
    if problem is not None:
        return None, [problem]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        before = data[data.rfind(b"\n", 0, error.start) + 1:error.start].decode("utf-8", "replace")
        shown = SourceFile(display, data.decode("utf-8", "replace"))
        return shown, [cat.FILE_UNREADABLE.at(Span(display, line, len(before) + 1, len(before) + 2),
                                              f"{display} is not UTF-8 text (byte 0x{data[error.start]:02x})",
                                              hint="save the file as UTF-8")]
    if text.startswith("\ufeff"):
        text = text[1:]
    long_line = _first_long_line(text)
    if long_line is not None:
        number, length = long_line
        return None, [too_large(Span(display, number, MAX_LINE_CHARS + 1),
                                 f"line {number} is {length:,} characters long, over the limit of "
                                 f"{MAX_LINE_CHARS:,}", "split the statement over several lines")]
    return SourceFile(display, text), []


def _first_long_line(text: str) -> tuple[int, int] | None:
    """Return (line number, length) of the first line over MAX_LINE_CHARS, without splitting the text."""
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > MAX_LINE_CHARS:
            return text.count("\n", 0, start) + 1, end - start
        start = end + 1
    return None
