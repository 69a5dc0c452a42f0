"""Read an owners table (`allow users from FILE`): `ADDRESS LOGIN[, LOGIN...]` a line, as postmap(1) reads it.

The format is a postmap source file, so a table exported for Postfix reads the same here:
the key ends at the first space or tab; blank lines and lines whose first non-blank character
is `#` are skipped; a line that starts with a space or tab continues the entry above it, even
across comments (postmap joins it to that entry's value). A `#` after the key is data, as in
postmap, so it fails the login check instead of hiding a login.

Where postmap only warns (an indented first line, a key without a value), the table is refused
with a located error. One difference is deliberate: an address on several lines keeps the owners
of every line (postmap keeps the first line only), so an export of one `address login` pair per
line works. A first line `address login` (or `logins`, `owner`, `owners`) is a column header
and skipped, for tables exported from a spreadsheet or a directory.
"""

from __future__ import annotations

import re
from array import array
from operator import add

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values
from mailpolicy.model.owners import Owners, OwnersBuilder
from mailpolicy.source import SourceFile, Span

# One address and one login and nothing else: nearly every line of a large table.
_SIMPLE = re.compile(r"([^ \t#][^ \t]*)[ \t]+([^ \t,#]+)[ \t]*")
_KEY = re.compile(r"[^ \t]*")
_LOGIN_AT = re.compile(r"[^ \t,]+")
# A line that continues the entry above it (postmap: "a line that starts with whitespace").
_CONTINUATION = re.compile(r"^[ \t]+[^ \t\r\n#]", re.MULTILINE)
_HEADER_VALUES = ("login", "logins", "owner", "owners")
# A whole line of the text with its newline: an address and its logins (one, or several
# separated by commas or blanks); and what may stand between such lines when no entry
# continues: blank lines (or a lone CR), comments, and indented blanks or comments.
_SIMPLE_LINE = re.compile(r"^([^ \t#\r\n][^ \t\r\n]*)[ \t]+([^ \t,#\r\n]+(?:(?:[ \t]*,[ \t]*|[ \t]+)[^ \t,#\r\n]+)*)"
                          r"[ \t]*\r?(?:\n|\Z)", re.MULTILINE)
_SKIPPED_LINES = re.compile(r"(?:(?:[# \t][^\n]*|\r)?\n)*(?:[# \t][^\n]*|\r)?")

Piece = tuple[int, str]  # a physical line of a logical entry: its number and text


def read_owner_table(source: SourceFile) -> tuple[Owners, list[Diagnostic]]:
    """Return one ownership per (address, login) pair of the table, and every problem at its line and column."""
    owners = OwnersBuilder()
    problems = read_owner_table_into(source, owners)
    return owners.finish(), problems


def read_owner_table_into(source: SourceFile, owners: OwnersBuilder) -> list[Diagnostic]:
    """Add the table's ownerships to `owners`; return every problem at its line and column."""
    continued = _CONTINUATION.search(source.text) is not None
    if not continued and _read_simple_table(source.path, source.text, owners):
        return []
    return read_entries(source.path, source.text.split("\n"), continued, owners)


def read_entries(path: str, lines: list[str], continued: bool, owners: OwnersBuilder) -> list[Diagnostic]:
    """Read the table entry by entry, locating every problem; return the problems."""
    reader = _TableReader(path, owners)
    if not continued:
        # No entry spans lines: each line is read on its own, most by one regular expression.
        for number, line in enumerate(lines, start=1):
            if line.endswith("\r"):
                line = line[:-1]
            if not line or line[0] in "# \t":
                continue  # blank, comment, or (no continuations here) an indented blank or comment
            simple = _SIMPLE.fullmatch(line)
            if simple:
                reader.simple(number, simple)
            else:
                reader.entry([(number, line)])
    else:
        for entry in _logical_lines(lines, reader):
            reader.entry(entry)
    return reader.problems


def _read_simple_table(path: str, text: str, owners: OwnersBuilder) -> bool:
    """Add a table of an address and its logins a line, all valid, at once; False adds nothing.

    Nearly every large table is such. Its lines are found by one regular expression over the
    text (no list of lines is made: a table of millions of lines would hold it twice), the
    lines between them must be blank, comments or indented blanks, the values are checked
    together and the pairs recorded column by column. Anything else (a refused value, an odd
    line such as a trailing comma) returns False, and the table is read entry by entry, every
    problem located.
    """
    keys: list[str] = []
    logins: list[str] = []
    numbers, columns = array("I"), array("I")
    # One string per login, however many lines name it: a login owns several addresses.
    same: dict[str, str] = {}
    number, position = 1, 0
    skipped = _SKIPPED_LINES.fullmatch
    for simple in _SIMPLE_LINE.finditer(text):
        start = simple.start()
        if start > position:
            if skipped(text, position, start) is None:
                return False
            number += text.count("\n", position, start)
        login = simple.group(2)
        if " " in login or "\t" in login or "," in login:
            # An address several logins own: one pair each, at the login's own column.
            for found in _LOGIN_AT.finditer(text, simple.start(2), simple.end(2)):
                keys.append(simple.group(1))
                logins.append(same.setdefault(found.group(), found.group()))
                numbers.append(number)
                columns.append(found.start() - start + 1)
        else:
            keys.append(simple.group(1))
            logins.append(same.setdefault(login, login))
            numbers.append(number)
            columns.append(simple.start(2) - start + 1)
        position = simple.end()  # past the line's end: the next simple line follows without a gap
        number += 1
    if skipped(text, position) is None:
        return False
    if keys and keys[0].lower() == "address" and logins[0].lower() in _HEADER_VALUES and numbers[1:2] != numbers[:1]:
        del keys[0], logins[0], numbers[0], columns[0]  # a column header (see the module's docstring)
    addresses = list(map(values.address_or_none, keys))
    if None in addresses or not all(map(values.is_login, same)):
        return False
    owners.extend(path, addresses, logins, numbers, columns, map(add, columns, map(len, logins)))
    return True


def _logical_lines(lines: list[str], reader: _TableReader) -> list[list[Piece]]:
    """Group physical lines into entries as postmap does; report an indented line that continues nothing."""
    entries: list[list[Piece]] = []
    for number, line in enumerate(lines, start=1):
        if line.endswith("\r"):
            line = line[:-1]
        text = line.lstrip(" \t")
        if not text or text[0] == "#":
            continue
        if len(text) == len(line):
            entries.append([(number, line)])
        elif entries:
            entries[-1].append((number, line))
        else:
            reader.problem(cat.INVALID_OWNER_TABLE, Span(reader.path, number, len(line) - len(text) + 1),
                           "an indented line continues the entry above it, and there is none",
                           "remove the indentation: each entry starts at the beginning of its line")
    return entries


class _TableReader:
    """Validate entries and collect owners and problems."""

    def __init__(self, path: str, owners: OwnersBuilder) -> None:
        self.path = path
        self.owners = owners
        self.problems: list[Diagnostic] = []
        self.first = True

    def problem(self, code: cat.Code, span: Span, message: str, hint: str | None) -> None:
        self.problems.append(code.at(span, message, hint=hint))

    def simple(self, number: int, match: re.Match) -> None:
        """Read a line of one address and one login."""
        if self.first and self._header(match.group(1), [match.group(2)]):
            return
        self._own(self._address(match.group(1), number), match.group(2), number, match.start(2) + 1)

    def entry(self, pieces: list[Piece]) -> None:
        """Read a logical line: the key, then the logins of its first line and of every continuation."""
        number, line = pieces[0]
        key = _KEY.match(line).group()
        logins: list[tuple[str, int, int]] = []
        for piece_number, text in pieces:
            start = len(key) if piece_number == number else 0
            logins.extend((found.group(), piece_number, found.start() + 1) for found in _LOGIN_AT.finditer(text, start))
        if self.first and self._header(key, [login for login, _, _ in logins]):
            return
        key_span = Span(self.path, number, 1, 1 + len(key))
        if not logins:
            self.problem(cat.INVALID_OWNER_TABLE, key_span, f"`{key}` has no owner",
                         "write ADDRESS LOGIN[, LOGIN...] on each line")
            return
        address = self._address(key, number)
        for login, line, column in logins:
            self._own(address, login, line, column)

    def _header(self, key: str, logins: list[str]) -> bool:
        self.first = False
        return key.lower() == "address" and len(logins) == 1 and logins[0].lower() in _HEADER_VALUES

    def _address(self, key: str, number: int) -> str | None:
        try:
            return values.address(key)
        except values.ValueProblem as problem:
            self.problem(cat.INVALID_ADDRESS, Span(self.path, number, 1, 1 + len(key)),
                         problem.message, problem.hint)
            return None

    def _own(self, address: str | None, login: str, line: int, column: int) -> None:
        try:
            checked = values.login(login)
        except values.ValueProblem as problem:
            self.problem(cat.INVALID_LOGIN, Span(self.path, line, column, column + len(login)),
                         problem.message, problem.hint)
            return
        if address is not None:
            self.owners.add(address, checked, self.path, line, column, column + len(login))
