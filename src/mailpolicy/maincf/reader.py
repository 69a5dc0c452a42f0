"""Read a Postfix main.cf the way Postfix does, keeping every physical line so it can be written back.

postconf(5): "A logical line starts with non-whitespace text. A line that starts with whitespace
continues a logical line." Empty lines, whitespace-only lines and lines whose first non-whitespace
character is `#` are ignored, also between the lines of one logical line (measured with Postfix
3.7: a comment inside a continued `mynetworks` does not end it). A `#` after text is part of the
value, not a comment. A later definition of a parameter overrides an earlier one (postconf warns
"overriding earlier entry").

`read_main_cf(text, path)` never raises on bad input: lines Postfix refuses are kept, marked
MALFORMED and reported in `MainCf.problems` with Postfix's own wording, for the caller to turn
into diagnostics of its own range.
"""

from __future__ import annotations

import enum
import re

import attrs

from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.source import SourceFile, Span

# split_nameval(): the name runs up to whitespace or `=`; whitespace around `=` is optional.
_NAME_VALUE = re.compile(r"(?P<name>[^\s=]+)[ \t]*=[ \t]*(?P<value>.*)")
_LINE = re.compile(r"[^\n]*\n?")


class LineKind(enum.Enum):
    """What a physical line is to Postfix."""

    BLANK = "blank"                # empty or whitespace only: ignored
    COMMENT = "comment"            # first non-whitespace character is `#`: ignored
    PARAMETER = "parameter"        # `name = value`, the start of a logical line
    CONTINUATION = "continuation"  # starts with whitespace: continues the logical line above
    MALFORMED = "malformed"        # a logical line Postfix refuses, or a line continuing one


@attrs.frozen
class PhysicalLine:
    """One line of the file exactly as read: its text and its own line ending."""

    number: int
    text: str
    ending: str
    kind: LineKind


@attrs.frozen
class Definition:
    """One `name = value` logical line: where its name and each continuation line stand."""

    name: str
    value: str  # as Postfix reads it: each line's text stripped, lines joined by one space
    name_span: Span
    value_span: Span | None  # the value's text on the name line; None when it starts on a later line
    continuation_spans: tuple[Span, ...] = ()

    @property
    def line(self) -> int:
        return self.name_span.line

    @property
    def last_line(self) -> int:
        """Return the last line holding part of the value (comments inside stay between)."""
        return self.continuation_spans[-1].line if self.continuation_spans else self.line

    @property
    def value_lines(self) -> tuple[int, ...]:
        """Return the numbers of the lines that hold the name and the value, not the comments between."""
        return (self.line, *(span.line for span in self.continuation_spans))

    @property
    def words(self) -> tuple[str, ...]:
        """Return the value split as Postfix splits lists: at commas and whitespace, `{...}` whole."""
        return split_words(self.value)


@attrs.frozen
class Override:
    """A parameter defined twice: Postfix uses `later`, `earlier` has no effect."""

    earlier: Definition
    later: Definition


@attrs.frozen
class Problem:
    """A line Postfix refuses (or ignores with a warning), in Postfix's words."""

    span: Span
    message: str
    fatal: bool = True


@attrs.frozen
class MainCf:
    """A parsed main.cf: every physical line, every definition in file order, and what is wrong."""

    path: str
    lines: tuple[PhysicalLine, ...]
    definitions: tuple[Definition, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def text(self) -> str:
        """Return the file exactly as it was read."""
        return "".join(line.text + line.ending for line in self.lines)

    @property
    def source(self) -> SourceFile:
        """Return the file as a SourceFile, so diagnostics can show its lines."""
        return SourceFile(self.path, "\n".join(line.text for line in self.lines))

    @property
    def parameters(self) -> dict[str, Definition]:
        """Return the definition Postfix uses for each name (the last one), in order of first appearance."""
        effective: dict[str, Definition] = {}
        for definition in self.definitions:
            effective[definition.name] = definition
        return effective

    @property
    def overrides(self) -> tuple[Override, ...]:
        """Return each definition that a later one of the same name overrides, with that later one."""
        found = []
        latest: dict[str, Definition] = {}
        for definition in self.definitions:
            if definition.name in latest:
                found.append(Override(latest[definition.name], definition))
            latest[definition.name] = definition
        return tuple(found)

    def get(self, name: str) -> Definition | None:
        """Return the definition Postfix uses for `name`, or None when the file does not set it."""
        return self.parameters.get(name)

    def value(self, name: str) -> str | None:
        """Return the value Postfix uses for `name`, or None when the file does not set it."""
        definition = self.get(name)
        return definition.value if definition else None

    def definitions_of(self, name: str) -> tuple[Definition, ...]:
        """Return every definition of `name`, overridden ones included, in file order."""
        return tuple(d for d in self.definitions if d.name == name)


def split_lines(text: str) -> list[tuple[str, str]]:
    """Split text into (line, ending) pairs that join back to exactly `text`."""
    pairs = []
    for match in _LINE.finditer(text):
        chunk = match.group()
        if not chunk:
            continue
        ending = "\r\n" if chunk.endswith("\r\n") else "\n" if chunk.endswith("\n") else ""
        pairs.append((chunk[:len(chunk) - len(ending)], ending))
    return pairs


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: list[PhysicalLine] = []
        self.definitions: list[Definition] = []
        self.problems: list[Problem] = []
        self.open: dict | None = None  # the definition being read, while continuation lines may follow
        self.in_malformed = False

    def read(self, text: str) -> MainCf:
        for number, (body, ending) in enumerate(split_lines(text), start=1):
            self.lines.append(PhysicalLine(number, body, ending, self._classify(number, body)))
        self._close()
        return MainCf(self.path, tuple(self.lines), tuple(self.definitions), tuple(self.problems))

    def _classify(self, number: int, body: str) -> LineKind:
        stripped = body.strip()
        if not stripped:
            return LineKind.BLANK
        if stripped.startswith("#"):
            return LineKind.COMMENT
        if body[0] in " \t":
            return self._continuation(number, body, stripped)
        self._close()
        match = _NAME_VALUE.fullmatch(body.rstrip())
        if match is None:
            self.in_malformed = True
            message = ("missing attribute name" if body.startswith("=")
                       else "missing '=' after attribute name")
            self.problems.append(Problem(Span(self.path, number, 1, len(body.rstrip()) + 1),
                                         f'{message}: "{body.rstrip()}"'))
            return LineKind.MALFORMED
        name, value = match.group("name"), match.group("value").rstrip()
        value_span = (Span(self.path, number, match.start("value") + 1, match.start("value") + 1 + len(value))
                      if value else None)
        self.open = {"name": name, "pieces": [value] if value else [],
                     "name_span": Span(self.path, number, 1, len(name) + 1), "value_span": value_span,
                     "continuations": []}
        return LineKind.PARAMETER

    def _continuation(self, number: int, body: str, stripped: str) -> LineKind:
        if self.open is None:
            if not self.in_malformed:
                self.problems.append(Problem(Span(self.path, number, 1, len(body.rstrip()) + 1),
                                             f'logical line must not start with whitespace: "{body.rstrip()}"',
                                             fatal=False))
                self.in_malformed = True  # the lines continuing it are ignored with it
            return LineKind.MALFORMED
        column = len(body) - len(body.lstrip()) + 1
        self.open["pieces"].append(stripped)
        self.open["continuations"].append(Span(self.path, number, column, column + len(stripped)))
        return LineKind.CONTINUATION

    def _close(self) -> None:
        self.in_malformed = False
        if self.open is None:
            return
        item, self.open = self.open, None
        self.definitions.append(Definition(item["name"], " ".join(item["pieces"]), item["name_span"],
                                           item["value_span"], tuple(item["continuations"])))


def read_main_cf(text: str, path: str) -> MainCf:
    """Parse main.cf `text` read from `path`; never raises, refused lines land in `problems`."""
    return _Reader(path).read(text)
