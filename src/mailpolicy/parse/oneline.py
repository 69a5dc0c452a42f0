"""Recognise the other one-line statements without lark: `postfix`, `relay`, `set`, `expect`...

`mailpolicy check` runs on every commit, and a typical policy is a dozen such lines: loading
the LALR tables and building lark's lexer for them cost more than everything else `check`
does. Each pattern below is one grammar rule written with the grammar's own terminals
(`fastpath.VALUE`, `STRING`, `WS`, `COMMENT`, and `SET_VALUE`, `VERDICT` here), and stricter:
keywords must be separated by blanks, values may not touch each other. A line that does not
match exactly goes to lark, which decides and reports it. `tests/perf/test_fastpath.py` checks
that every statement built here is the one lark builds from the same line.
"""

from __future__ import annotations

import re
from typing import Callable

from mailpolicy.parse import statements as st
from mailpolicy.parse.fastpath import COMMENT, WORD, WORD_AT, WS, word_at
from mailpolicy.source import Span

# The grammar's terminals for a `set` value and an `expect` verdict.
SET_VALUE = r"[^\s#][^\n]*"
VERDICT = r"(?:accept|reject)"
# The grammar's keywords. Where LALR states are shared, lark's lexer reads a keyword as the
# keyword even where a value is expected (`sasl bob as` fails), so a line with a keyword in a
# value's place is left to lark.
KEYWORDS = frozenset((
    "postfix", "hostname", "local", "domains", "trusted", "networks", "sasl", "chroot", "relay", "only",
    "authenticated", "or", "nobody", "sender", "map", "allow", "user", "users", "from", "set", "include",
    "expect", "sending", "as", "to", "anonymous", "privileged", "tls", "certificate", "key", "chain", "service",
    "on", "hosted", "mailboxes", "alias", "deliver", "lmtp", "backup", "mx", "for"))

_LIST = rf"{WORD}(?:[ \t]*,[ \t]*{WORD})*"


def _rule(body: str) -> re.Pattern:
    """A whole line: indentation, the statement (group `body`), then an optional comment."""
    return re.compile(rf"[ \t]*(?P<body>{body})(?:[ \t]*{COMMENT})?[ \t]*")


_RULES: dict[str, re.Pattern] = {
    "postfix": _rule(rf"postfix{WS}(?P<a>{WORD})"),
    "hostname": _rule(rf"hostname{WS}(?P<a>{WORD})"),
    "local": _rule(rf"local{WS}domains{WS}(?:(?P<only>only){WS})?(?P<list>{_LIST})"),
    "trusted": _rule(rf"trusted{WS}networks{WS}(?:(?P<only>only){WS})?(?P<list>{_LIST})"),
    "sasl": _rule(rf"sasl{WS}(?P<a>{WORD})(?:{WS}(?P<b>{WORD}))?"),
    "chroot": _rule(rf"chroot{WS}(?P<a>{WORD})"),
    "relay": _rule(rf"relay{WS}(?P<mode>nobody|only{WS}authenticated|only{WS}trusted"
                   rf"|authenticated{WS}or{WS}trusted)"),
    "sender": _rule(rf"sender{WS}map{WS}(?P<a>{WORD})"),
    "allow": _rule(rf"allow{WS}users{WS}from{WS}(?P<a>{WORD})"),
    "include": _rule(rf"include{WS}(?P<a>{WORD})"),
    # SET_VALUE runs to the end of the line (comments inside it are the builder's to strip).
    "set": _rule(rf"set(?:{WS}(?P<privileged>privileged))?{WS}(?P<a>{WORD})[ \t]*=(?:[ \t]*(?P<value>{SET_VALUE}))?"),
    "expect": _rule(rf"expect{WS}(?P<verdict>{VERDICT}){WS}(?P<client>anonymous|trusted|user{WS}(?P<login>{WORD}))"
                    rf"{WS}sending{WS}as{WS}(?P<sender>{WORD}){WS}to{WS}(?P<recipient>{WORD})"
                    rf"(?:{WS}on{WS}(?P<service>{WORD}))?"),
}


def one_line_statement(line: str, number: int, path: str) -> st.Statement | None:
    """Return the statement on a line (not `allow user`), or None when lark must decide."""
    first = line.split(None, 1)[0] if line.strip() else ""
    rule = _RULES.get(first)
    match = rule.fullmatch(line) if rule else None
    if match is None or any(_keyword_value(match, name) for name in _VALUE_GROUPS):
        return None
    return _BUILD[first](_Line(match, number, path))


_VALUE_GROUPS = ("a", "b", "list", "login", "sender", "recipient", "service")


def _keyword_value(match: re.Match, group: str) -> bool:
    if group not in match.re.groupindex or match.group(group) is None:
        return False
    start, end = match.span(group)
    return any(found.group() in KEYWORDS for found in WORD_AT.finditer(match.string, start, end))


class _Line:
    """A matched line and the spans of its parts, as lark's transformer gives them (1-based columns)."""

    def __init__(self, match: re.Match, number: int, path: str) -> None:
        self.match, self.number, self.path = match, number, path

    def span(self, group: str = "body") -> Span:
        return Span(self.path, self.number, self.match.start(group) + 1, self.match.end(group) + 1)

    def word(self, group: str = "a") -> st.Word:
        return word_at(self.match.group(group), self.number, self.match.start(group), self.path)

    def words(self) -> tuple[st.Word, ...]:
        start, end = self.match.span("list")
        return tuple(word_at(found.group(), self.number, found.start(), self.path)
                     for found in WORD_AT.finditer(self.match.string, start, end))


def _sasl(line: _Line) -> st.Sasl:
    return st.Sasl(line.span(), line.word(), line.word("b") if line.match.group("b") is not None else None)


def _relay(line: _Line) -> st.Relay:
    return st.Relay(line.span(), st.RelayMode(" ".join(line.match.group("mode").split())))


def _set(line: _Line) -> st.SetParameter:
    name = line.word()
    if line.match.group("value") is None:
        # As the transformer: an empty value sits where the name ends.
        value = st.Word("", name.span.at_column(name.span.end_column or name.span.column))
    else:
        value = st.Word(line.match.group("value"), line.span("value"))
    privileged = line.span("privileged") if line.match.group("privileged") is not None else None
    return st.SetParameter(line.span(), name, value, privileged)


def _expect(line: _Line) -> st.Expect:
    kind = st.ClientKind(line.match.group("client").split(None, 1)[0])
    login = line.word("login") if kind is st.ClientKind.USER else None
    client = st.Client(kind, login, line.span("client"))
    verdict = st.Word(line.match.group("verdict"), line.span("verdict"))
    service = line.word("service") if line.match.group("service") is not None else None
    return st.Expect(line.span(), verdict, client, line.word("sender"), line.word("recipient"), service)


_BUILD: dict[str, Callable[[_Line], st.Statement]] = {
    "postfix": lambda line: st.PostfixVersion(line.span(), line.word()),
    "hostname": lambda line: st.Hostname(line.span(), line.word()),
    "local": lambda line: st.LocalDomains(line.span(), line.words(), line.match.group("only") is not None),
    "trusted": lambda line: st.TrustedNetworks(line.span(), line.words(), line.match.group("only") is not None),
    "sasl": _sasl,
    "chroot": lambda line: st.Chroot(line.span(), line.word()),
    "relay": _relay,
    "sender": lambda line: st.SenderMap(line.span(), line.word()),
    "allow": lambda line: st.AllowUsersFrom(line.span(), line.word()),
    "include": lambda line: st.Include(line.span(), line.word()),
    "set": _set,
    "expect": _expect,
}
