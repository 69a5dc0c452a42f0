"""Recognise the lines that need no parser: blank lines, comments and plain `allow user` statements.

A site with a million owners writes a million `allow user` lines; lark takes about 90 us for
each, these regular expressions a few. Every statement sits on one line (`_NL` ends each in
the grammar), so a line can be recognised on its own. The patterns accept a subset of what the
grammar accepts: anything unusual (`allowuser`, `as"x"`, a trailing comma) does not match and
goes to lark, which decides and reports it. `tests/perf` checks that both paths build equal
statements, and that the terminals below are the grammar's.
"""

from __future__ import annotations

import re

from mailpolicy.model.statements import AllowUser, Word
from mailpolicy.parse.transformer import unquote
from mailpolicy.source import Span

# The grammar's terminals VALUE and STRING, and its ignored WS and COMMENT.
VALUE = r'[^\s,#"=]+'
STRING = r'"([^"\\\n]|\\.)*"'
WS = r"[ \t]+"
COMMENT = r"#[^\n]*"

_WORD = rf"(?:{VALUE}|{STRING.replace('(', '(?:')})"
_WORD_AT = re.compile(_WORD)
_VALUE_AT = re.compile(VALUE)
_TRAILER = rf"(?:[ \t]*{COMMENT})?[ \t]*"
_ALLOW = re.compile(
    rf"([ \t]*)allow{WS}user{WS}({_WORD}){WS}as{WS}({_WORD}(?:[ \t]*,[ \t]*{_WORD})*){_TRAILER}")
_NOTHING = re.compile(_TRAILER)

# What `fast_statement` returns for a line that holds no statement.
EMPTY = ()


def fast_statement(line: str, number: int, path: str) -> tuple[AllowUser, ...] | None:
    """Return the statements of a line this module recognises, or None when lark must decide."""
    match = _ALLOW.fullmatch(line)
    if match is None:
        return EMPTY if _NOTHING.fullmatch(line) else None
    start, end = match.span(3)
    if '"' in line:
        addresses = [_word(found.group(), number, found.start(), path)
                     for found in _WORD_AT.finditer(line, start, end)]
        login = _word(match.group(2), number, match.start(2), path)
    else:
        # The common case, written out: a million of these is a large site's whole policy.
        addresses = [Word(found.group(), Span(path, number, found.start() + 1, found.end() + 1))
                     for found in _VALUE_AT.finditer(line, start, end)]
        column = match.start(2) + 1
        login = Word(match.group(2), Span(path, number, column, column + len(match.group(2))))
    return (AllowUser(Span(path, number, match.end(1) + 1, end + 1), login, tuple(addresses)),)


def _word(text: str, number: int, start: int, path: str) -> Word:
    span = Span(path, number, start + 1, start + 1 + len(text))
    if text[0] == '"':
        return Word(unquote(text), span, quoted=True)
    return Word(text, span)
