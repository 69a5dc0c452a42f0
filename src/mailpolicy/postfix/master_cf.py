"""Read master.cf: every service, its chroot column, and the `-o name=value` overrides it carries.

master(5): a logical line starts with non-whitespace text; a line that starts with whitespace
continues it; empty lines and lines whose first non-blank character is `#` are skipped, even
inside a logical line. The eight fields are service, type, private, unpriv, chroot, wakeup,
maxproc and command (with its arguments). Since Postfix 3.0 an argument may be written as
`{ text with spaces }`, so `-o { smtpd_relay_restrictions = permit_mynetworks, reject }` is one
override. An smtpd service's `-o` overrides beat main.cf for that service alone, which is why
an audit that read only main.cf would miss `-o smtpd_relay_restrictions=permit` on port 587.
"""

from __future__ import annotations


from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.source import SourceFile, Span

FIELDS = ("service", "type", "private", "unpriv", "chroot", "wakeup", "maxproc", "command")
SERVICE_TYPES = ("inet", "unix", "unix-dgram", "fifo", "pass")
# readlline.c decides continuation with ISSPACE (C locale: also \v and \f, never U+00A0);
# master_ent.c splits fields at CHARS_SPACE (space, tab, CR, LF) only.
_ISSPACE = " \t\n\v\f\r"
_FIELD_SPACE = " \t\r\n"


@frozen
class Override:
    """One `-o name=value` of a service; spans point at the name and at the value."""

    name: str
    value: str
    span: Span
    value_span: Span | None


@frozen
class Service:
    """One master.cf service definition and where each part of it was written."""

    name: str
    type: str
    private: str
    unprivileged: str
    chroot: str
    wakeup: str
    maxproc: str
    command: str
    arguments: tuple[str, ...]
    overrides: tuple[Override, ...]
    span: Span
    chroot_span: Span

    @property
    def label(self) -> str:
        """Return `name/type`, as `postconf -M` names a service."""
        return f"{self.name}/{self.type}"

    @property
    def is_smtpd(self) -> bool:
        return self.command == "smtpd"

    def chrooted(self, version: tuple[int, int] = (3, 7)) -> bool:
        """Tell whether the service runs chrooted; master.cf(5): `-` is `n` since Postfix 3.0, `y` before."""
        if self.chroot == "-":
            return version < (3, 0)
        return self.chroot == "y"

    def override(self, name: str) -> Override | None:
        """Return the last `-o` for `name` (the daemon applies them in order, so the last wins)."""
        return next((o for o in reversed(self.overrides) if o.name == name), None)


@frozen
class MasterCf:
    """The services of one master.cf, in file order, and the problems found reading it."""

    source: SourceFile
    services: tuple[Service, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def smtpd_services(self) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.is_smtpd)


@frozen
class _Token:
    text: str
    line: int
    column: int
    end_column: int | None  # None when the token continues on another line


def read_master_cf(text: str, path: str) -> MasterCf:
    """Return the services of master.cf text; malformed lines are reported (MP707) and skipped."""
    source = SourceFile(path, text)
    services: list[Service] = []
    problems: list[Diagnostic] = []
    for parts in _logical_lines(text):
        tokens = _tokens(parts, path, problems)
        if tokens:
            service = _service(tokens, path, problems)
            if service is not None:
                services.append(service)
    return MasterCf(source, tuple(services), tuple(problems))


def _logical_lines(text: str) -> list[list[tuple[int, str]]]:
    """Group physical lines (number, text) into logical lines, dropping blanks and comments."""
    logical: list[list[tuple[int, str]]] = []
    orphan = True  # no logical line yet for a whitespace-led line to continue
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        stripped = line.strip(_ISSPACE)
        if not stripped or stripped.startswith("#"):
            continue
        if line[0] in _ISSPACE:
            if logical and not orphan:
                logical[-1].append((number, line))
            # else readlline.c: "logical line must not start with whitespace" - ignored with a warning
            continue
        orphan = False
        logical.append([(number, line)])
    return logical


def _tokens(parts: list[tuple[int, str]], path: str, problems: list[Diagnostic]) -> list[_Token]:
    """Split a logical line into whitespace-separated tokens; `{ ... }` is one token (braces kept)."""
    chars: list[tuple[str, int, int]] = []  # (character, line, column); a line break reads as a space
    for index, (number, line) in enumerate(parts):
        if index:
            chars.append((" ", number, 0))
        chars.extend((ch, number, column) for column, ch in enumerate(line, start=1))
    tokens: list[_Token] = []
    i = 0
    while i < len(chars):
        if chars[i][0] in _FIELD_SPACE:
            i += 1
            continue
        start = i
        depth = 0
        while i < len(chars) and (depth or chars[i][0] not in _FIELD_SPACE):
            if chars[i][0] == "{":
                depth += 1
            elif chars[i][0] == "}" and depth:
                depth -= 1
            i += 1
        first, last = chars[start], chars[i - 1]
        if depth:
            problems.append(cat.MASTER_CF_SYNTAX.at(
                Span(path, first[1], first[2]), "`{` is not closed by a matching `}`",
                hint="close the braced argument, e.g. -o { name = value }"))
        end = last[2] + 1 if last[1] == first[1] else None
        tokens.append(_Token("".join(c[0] for c in chars[start:i]), first[1], first[2], end))
    return tokens


def _span(path: str, token: _Token) -> Span:
    return Span(path, token.line, token.column, token.end_column)


def _service(tokens: list[_Token], path: str, problems: list[Diagnostic]) -> Service | None:
    where = _span(path, tokens[0])
    if len(tokens) < len(FIELDS):
        problems.append(cat.MASTER_CF_SYNTAX.at(
            where, f"a service needs {len(FIELDS)} fields ({' '.join(FIELDS)}), this line has {len(tokens)}",
            hint="Postfix refuses to start with this line (master: bad field count)"))
        return None
    kind = tokens[1].text
    if kind not in SERVICE_TYPES:
        problems.append(cat.MASTER_CF_SYNTAX.at(
            _span(path, tokens[1]), f"`{kind}` is not a service type",
            hint="the second field is one of " + ", ".join(SERVICE_TYPES)))
        return None
    bad = _bad_field(tokens)
    if bad is not None:
        token, message = bad
        problems.append(cat.MASTER_CF_SYNTAX.at(
            _span(path, token), message, hint="Postfix's master refuses to start with this line (master_ent.c)"))
        return None
    arguments = tokens[len(FIELDS):]
    return Service(
        tokens[0].text, kind, *(t.text for t in tokens[2:len(FIELDS)]),
        arguments=tuple(t.text for t in arguments),
        overrides=tuple(_overrides(arguments, path, problems)),
        span=where, chroot_span=_span(path, tokens[4]))


def _bad_field(tokens: list[_Token]) -> tuple[_Token, str] | None:
    """Return the field master_ent.c (get_master_ent) stops at with a fatal error, and its words."""
    for index in (2, 3, 4):  # private, unpriv, chroot: get_bool_ent() takes y, n or - only
        if tokens[index].text not in ("y", "n", "-"):
            return tokens[index], f'field "{FIELDS[index]}": bad value: "{tokens[index].text}" (y, n or -)'
    for index in (5, 6):  # wakeup, maxproc: get_int_ent() wants a digit first, or -
        text = tokens[index].text
        if text != "-" and not text[:1].isdigit() or not text.isascii():
            return tokens[index], f'field "{FIELDS[index]}": bad value: "{text}" (a number or -)'
    if tokens[1].text == "inet" and tokens[2].text in ("y", "-"):  # `-` means y for private
        return tokens[2], "inet service cannot be private: write n in the private field"
    return None


# The daemon options that take a value (master/single_server.c, multi_server.c, event_server.c,
# trigger_server.c: GETOPT "cdDi:lm:n:o:r:s:St:uvVz"). Only -o sets a parameter.
_VALUE_OPTIONS = frozenset("imnorst")


def _overrides(arguments: list[_Token], path: str, problems: list[Diagnostic]) -> list[Override]:
    """Return the `-o name=value` (or `-oname=value`, or `-o { name = value }`) of a command line.

    The daemon reads its options with getopt(), which sys_defs.h makes stop at the first argument
    that is not an option (GETOPT's "+"), as postconf_master.c does: what follows (pipe(8)'s
    `argv=/usr/bin/spamc ... -oi`) is the command's own, never a Postfix override.
    """
    found: list[Override] = []
    i = 0
    while i < len(arguments):
        token = arguments[i]
        i += 1
        if not token.text.startswith("-") or token.text in ("-", "--"):
            break
        letters = token.text[1:]
        for offset, letter in enumerate(letters):
            if letter not in _VALUE_OPTIONS:
                continue
            # The value is the rest of this word, else the next word (getopt's optarg).
            if offset + 1 < len(letters):
                value_token, skip = token, offset + 2
            elif i < len(arguments):
                value_token, skip = arguments[i], 0
                i += 1
            elif letter == "o":
                problems.append(cat.MASTER_CF_SYNTAX.at(_span(path, token), "`-o` is not followed by name=value",
                                                        hint="write -o name=value"))
                break
            else:
                break
            if letter == "o":
                override = _override(value_token, skip, path, problems)
                if override is not None:
                    found.append(override)
            break
    return found


def _override(token: _Token, skip: int, path: str, problems: list[Diagnostic]) -> Override | None:
    """Parse `name=value` starting `skip` characters into the token, keeping columns for both parts."""
    body = token.text[skip:]
    column = token.column + skip
    if body.startswith("{") and body.endswith("}"):
        inner = body[1:-1]
        column += 1 + len(inner) - len(inner.lstrip())
        body = inner.strip()
    name, equals, value = body.partition("=")
    if not equals or not name.strip():
        problems.append(cat.MASTER_CF_SYNTAX.at(_span(path, token), f"`{token.text}` is not name=value",
                                                hint="write -o name=value (or -o { name = value } for a value with spaces)"))
        return None
    stripped_name = name.rstrip()
    value_offset = len(name) + 1 + len(value) - len(value.lstrip())
    value = value.strip()
    same_line = token.end_column is not None
    name_span = Span(path, token.line, column, column + len(stripped_name) if same_line else None)
    value_span = (Span(path, token.line, column + value_offset, column + value_offset + len(value))
                  if same_line else None)
    return Override(stripped_name, value, name_span, value_span)
