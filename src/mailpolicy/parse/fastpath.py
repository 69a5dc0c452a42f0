"""Recognise the lines that need no parser: blank lines, comments and plain `allow user` statements.

A site with a million owners writes a million `allow user` lines; lark takes about 90 us for
each, these regular expressions a few. Every statement sits on one line (`_NL` ends each in
the grammar), so a line can be recognised on its own. The patterns accept a subset of what the
grammar accepts: anything unusual (`allowuser`, `as"x"`, a trailing comma) does not match and
goes to lark, which decides and reports it. `tests/perf` checks that both paths build equal
statements, and that the terminals below are the grammar's. The other statements have their
own patterns in `oneline.py`, so lark is loaded only for a line neither recognises.
"""

from __future__ import annotations

import re
from array import array

from mailpolicy.parse.statements import AllowUser, AllowUserRows, Word
from mailpolicy.source import Span

# The grammar's terminals VALUE and STRING, and its ignored WS and COMMENT.
VALUE = r'[^\s,#"=]+'
STRING = r'"([^"\\\n]|\\.)*"'
WS = r"[ \t]+"
COMMENT = r"#[^\n]*"

WORD = rf"(?:{VALUE}|{STRING.replace('(', '(?:')})"
WORD_AT = re.compile(WORD)
_VALUE_AT = re.compile(VALUE)
_TRAILER = rf"(?:[ \t]*{COMMENT})?[ \t]*"
_NOTHING = re.compile(_TRAILER)


def _allow_user(word: str) -> re.Pattern:
    """`allow user LOGIN as ADDRESS[, ADDRESS...]` as a whole line, each value matching `word`."""
    return re.compile(rf"([ \t]*)allow{WS}user{WS}({word}){WS}as{WS}({word}(?:[ \t]*,[ \t]*{word})*){_TRAILER}")


_ALLOW = _allow_user(WORD)
# The same line without quoted words: nearly every line of a large policy (RowCollector).
_PLAIN_ALLOW = _allow_user(VALUE)


def unquote(text: str) -> str:
    """Return a STRING token's content; `\\"` and `\\\\` are the only escapes."""
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            i += 1
            ch = body[i]
        out.append(ch)
        i += 1
    return "".join(out)


# What `fast_statement` returns for a line that holds no statement.
EMPTY = ()


def fast_statement(line: str, number: int, path: str) -> tuple[AllowUser, ...] | None:
    """Return the statements of a line this module recognises, or None when lark must decide."""
    match = _ALLOW.fullmatch(line)
    if match is None:
        return EMPTY if _NOTHING.fullmatch(line) else None
    start, end = match.span(3)
    addresses = [word_at(found.group(), number, found.start(), path) for found in WORD_AT.finditer(line, start, end)]
    login = word_at(match.group(2), number, match.start(2), path)
    return (AllowUser(Span(path, number, match.end(1) + 1, end + 1), login, tuple(addresses)),)


def word_at(text: str, number: int, start: int, path: str) -> Word:
    """Return the word written at 0-based `start` of a line: a VALUE, or a STRING unquoted."""
    span = Span(path, number, start + 1, start + 1 + len(text))
    if text[0] == '"':
        return Word(unquote(text), span, quoted=True)
    return Word(text, span)


class RowCollector:
    """Collect consecutive plain `allow user` lines into `AllowUserRows`, without an object per line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._start()

    def _start(self) -> None:
        self.lines, self.starts, self.stops = array("I"), array("I"), array("I")
        self.logins: list[str] = []
        self.login_columns, self.first_address = array("I"), array("I", [0])
        self.addresses: list[str] = []
        self.columns = array("I")

    def take(self, line: str, number: int) -> bool:
        """Collect the line if it is a plain `allow user` statement; False leaves it to the parser."""
        if '"' in line:
            return False
        match = _PLAIN_ALLOW.fullmatch(line)
        if match is None:
            return False
        start, end = match.span(3)
        self.lines.append(number)
        self.starts.append(match.end(1) + 1)
        self.stops.append(end + 1)
        self.logins.append(match.group(2))
        self.login_columns.append(match.start(2) + 1)
        addresses, columns = self.addresses, self.columns
        for found in _VALUE_AT.finditer(line, start, end):
            addresses.append(found.group())
            columns.append(found.start() + 1)
        self.first_address.append(len(addresses))
        return True

    def flush(self) -> tuple[AllowUserRows, ...]:
        """Return the lines collected since the last flush as one statement (none when there are none)."""
        if not self.lines:
            return EMPTY
        rows = AllowUserRows(Span(self.path, self.lines[0], self.starts[0], self.stops[0]), self.path,
                             self.lines, self.starts, self.stops, self.logins, self.login_columns,
                             self.first_address, self.addresses, self.columns)
        self._start()
        return (rows,)
