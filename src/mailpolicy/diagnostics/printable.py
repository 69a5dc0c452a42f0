"""Make text from an input file safe to print on a terminal, in a log or in a CI annotation.

A main.cf, master.cf or login map is written by someone else: its lines can hold ESC sequences
that recolour or rewrite the reader's terminal, carriage returns that hide the start of a line,
bidirectional overrides that show text in another order than it is read (CVE-2021-42574,
"Trojan Source"), and bytes that are not UTF-8 (read with surrogateescape, so they round-trip).
Every renderer passes messages, hints, paths and shown lines through `printable`, so no command
can forget to: each such character is written as a visible escape (`\\x1b`, `\\u202e`) instead.
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=None)
def _unsafe() -> re.Pattern[str]:
    # C0 controls but tab, DEL, C1 controls (U+009B is a one-character CSI on many terminals),
    # Unicode format controls that reorder or hide text, line and paragraph separators, and the
    # lone surrogates surrogateescape uses for bytes that are not UTF-8. Unicode spaces too: they
    # look like a space but are text to Postfix (a no-break space does not start a comment).
    # Compiled when first needed: the character ranges take CPython's re 0.7 ms to compile, and
    # most text `check` prints is plain ASCII (`_plain`), which needs none.
    return re.compile(
        "[\x00-\x08\x0a-\x1f\x7f-\xa0\u061c\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2069\u3000\ufeff"
        "\ud800-\udfff]")


def _plain(text: str) -> bool:
    """Tell whether `text` is ASCII from space to `~`, and tabs: nothing the expression above escapes."""
    # In ASCII, str.isprintable is exactly the characters from U+0020 to U+007E.
    return text.isascii() and (text.isprintable() or text.replace("\t", " ").isprintable())


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Return `text` with every control, format or undecodable character written as an escape."""
    return text if _plain(text) else _unsafe().sub(_escape, text)


def is_printable(text: str) -> bool:
    """Tell whether `text` prints as itself."""
    return _plain(text) or _unsafe().search(text) is None
