"""Read a Postfix main.cf the way Postfix does, keeping every physical line so it can be written back.

The rules are Postfix's own code, not its manual's summary:
- readlline.c (readllines): a physical line ends at `\n` only. A line that is empty, all
  whitespace, or whose first non-whitespace character is `#` is skipped, also between the lines
  of one logical line. A line that starts with whitespace continues the logical line above, with
  its leading whitespace kept. "Whitespace" is C's isspace() in the C locale: space, tab, `\n`,
  `\v`, `\f`, `\r` - so a line starting with a form feed or a carriage return continues the
  line above, while a no-break space (U+00A0, bytes C2 A0) is text: ` \u00a0# x` is *not* a
  comment but part of the value (measured with postconf -n on 3.7.11). A logical line that starts
  with whitespace is ignored with a warning, with every line continuing it.
- A NUL byte ends the logical line's text: Postfix handles it as a C string (warning "text after
  null byte may be ignored"); what follows, continuation lines included, is not read.
- split_nameval.c: the name runs from the first character to whitespace or `=`; whitespace
  around `=` is optional; the value is the rest with leading and trailing whitespace removed.
  No `=` ("missing '=' after attribute name") or no name ("missing attribute name") is fatal.
- dict.c (dict_load_fp): a later definition replaces an earlier one ("overriding earlier entry").
- Bytes, not characters: a UTF-8 byte-order mark is part of the first name (postconf: "unused
  parameter: \ufeffmynetworks=...", so mynetworks keeps its default); other non-UTF-8 bytes are
  read as they are (callers decode with surrogateescape so every byte round-trips).

`Definition.value` is the string Postfix stores, with the whitespace where continuation lines
meet written as one space (`raw_value` keeps it as written); `normalized()` gives what
`postconf -n` prints. `read_main_cf(text, path)` never raises on bad input: lines
Postfix refuses are kept, marked MALFORMED and reported in `MainCf.problems` with Postfix's own
wording, for the caller to turn into diagnostics of its own range.
"""

from __future__ import annotations

import enum
import functools
import re


from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.source import SourceFile, Span

# ISSPACE() in Postfix's C locale (sys_defs.h); Python's str.isspace() also takes U+00A0, U+2028...
SPACE = " \t\n\v\f\r"
_LINE = re.compile(r"[^\n]*\n?")
_SEPARATORS = re.compile(r"[ \t\r\n]+")


class LineKind(enum.Enum):
    """What a physical line is to Postfix."""

    BLANK = "blank"                # empty or whitespace only: ignored
    COMMENT = "comment"            # first non-whitespace character is `#`: ignored
    PARAMETER = "parameter"        # `name = value`, the start of a logical line
    CONTINUATION = "continuation"  # starts with whitespace: continues the logical line above
    MALFORMED = "malformed"        # a logical line Postfix refuses, or a line continuing one


@frozen
class PhysicalLine:
    """One line of the file exactly as read: its text and its own line ending."""

    number: int
    text: str
    ending: str
    kind: LineKind


@frozen
class Definition:
    """One `name = value` logical line: where its name and each continuation line stand."""

    name: str
    value: str  # as Postfix reads it: each line's text stripped, lines joined by one space
    name_span: Span
    value_span: Span | None  # the value's text on the name line; None when it starts on a later line
    continuation_spans: tuple[Span, ...] = ()
    # The value exactly as Postfix stores it (whitespace as written, `value` has it normalized) and
    # where each spanned piece (value_span, then each continuation span) starts in it.
    raw_value: str | None = None
    piece_offsets: tuple[int, ...] = ()

    def pieces(self) -> list[tuple[str, Span]]:
        """Return each line's part of the value as written, with its span (columns stay true)."""
        spans = ([self.value_span] if self.value_span else []) + list(self.continuation_spans)
        raw = self.raw_value if self.raw_value is not None else self.value
        if len(self.piece_offsets) != len(spans):  # built by hand: pieces joined by one space
            offsets, start = [], 0
            for span in spans:
                offsets.append(start)
                start += (span.end_column or span.column) - span.column + 1
        else:
            offsets = list(self.piece_offsets)
        return [(raw[offset:offset + (span.end_column or span.column) - span.column], span)
                for offset, span in zip(offsets, spans)]

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


@frozen
class Override:
    """A parameter defined twice: Postfix uses `later`, `earlier` has no effect."""

    earlier: Definition
    later: Definition


@frozen
class Problem:
    """A line Postfix refuses (or ignores with a warning), in Postfix's words."""

    span: Span
    message: str
    fatal: bool = True


@frozen
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

    @functools.cached_property
    def parameters(self) -> dict[str, Definition]:
        """Return the definition Postfix uses for each name (the last one), in order of first appearance.

        Built once: every lookup of a parameter goes through it, so rebuilding it per lookup made
        an audit quadratic in the number of definitions.
        """
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
        # The logical line being read: (line number, column where the segment starts, segment text).
        self.segments: list[tuple[int, int, str]] = []

    def read(self, text: str) -> MainCf:
        kinds: list[LineKind] = []
        for number, (body, ending) in enumerate(split_lines(text), start=1):
            full = body + ("\r" if ending == "\r\n" else "")  # the `\r` is part of the line to Postfix
            stripped = full.lstrip(SPACE)
            if not stripped:
                kind = LineKind.BLANK
            elif stripped.startswith("#"):
                kind = LineKind.COMMENT
            else:
                if full[0] not in SPACE:
                    self._close(kinds)
                    kind = LineKind.PARAMETER
                else:
                    kind = LineKind.CONTINUATION
                self.segments.append((number, 1, full))
            kinds.append(kind)
            self.lines.append(PhysicalLine(number, body, ending, kind))
        self._close(kinds)
        lines = tuple(PhysicalLine(line.number, line.text, line.ending, kind) for line, kind in zip(self.lines, kinds))
        return MainCf(self.path, lines, tuple(self.definitions), tuple(self.problems))

    @staticmethod
    def _mark(kinds: list[LineKind], segments: list[tuple[int, int, str]], kind: LineKind) -> None:
        for number, _, _ in segments:
            kinds[number - 1] = kind

    def _close(self, kinds: list[LineKind]) -> None:
        """End the logical line read so far: split it as split_nameval() does, or report why Postfix cannot."""
        if not self.segments:
            return
        segments, self.segments = self.segments, []
        logical = "".join(text for _, _, text in segments)
        first_line = segments[0][0]
        starts = []  # offset in `logical` where each segment starts
        offset = 0
        for _, _, text in segments:
            starts.append(offset)
            offset += len(text)

        def where(index: int, end: int | None = None) -> Span:
            k = max(i for i, start in enumerate(starts) if start <= index) if index < len(logical) else len(segments) - 1
            number, column, _ = segments[k]
            column += index - starts[k]
            return Span(self.path, number, column, None if end is None else column + (end - index))

        shown = _shown(logical)
        if logical[0] in SPACE:
            # readllines(): "logical line must not start with whitespace"; the line is ignored.
            self.problems.append(Problem(where(0, len(segments[0][2].rstrip(SPACE))),
                                         f'logical line must not start with whitespace: "{shown}"', fatal=False))
            self._mark(kinds, segments, LineKind.MALFORMED)
            return
        nul = logical.find("\0")
        if nul >= 0:
            self.problems.append(Problem(where(nul, nul + 1), "text after null byte may be ignored: Postfix "
                                         "reads this logical line only up to the NUL byte", fatal=False))
            logical = logical[:nul]
        # split_nameval(): name up to whitespace or `=`, optional whitespace, `=`, the value trimmed.
        name_end = 0
        while name_end < len(logical) and logical[name_end] not in SPACE and logical[name_end] != "=":
            name_end += 1
        equals = name_end
        while equals < len(logical) and logical[equals] in SPACE:
            equals += 1
        if name_end == 0 or equals == len(logical) or logical[equals] != "=":
            message = "missing attribute name" if name_end == 0 else "missing '=' after attribute name"
            self.problems.append(Problem(where(0, len(segments[0][2].rstrip(SPACE))), f'{message}: "{shown}"'))
            self._mark(kinds, segments, LineKind.MALFORMED)
            return
        value_start = equals + 1
        while value_start < len(logical) and logical[value_start] in SPACE:
            value_start += 1
        value = logical[value_start:].rstrip(SPACE)
        value_end = value_start + len(value)
        pieces: list[tuple[int, Span]] = []
        for k, (_number, _column, text) in enumerate(segments):
            low, high = max(starts[k], value_start), min(starts[k] + len(text), value_end)
            part = logical[low:high] if low < high else ""
            if not part.strip(SPACE):
                continue
            low += len(part) - len(part.lstrip(SPACE))
            high -= len(part) - len(part.rstrip(SPACE))
            pieces.append((low - value_start, where(low, high)))
        name_span = where(0, name_end)
        on_name_line = bool(pieces) and pieces[0][1].line == first_line
        value_span = pieces[0][1] if on_name_line else None
        joins = [starts[k] - value_start for k in range(1, len(segments)) if value_start < starts[k] < value_end]
        self.definitions.append(Definition(
            logical[:name_end], _joined(value, joins), name_span, value_span,
            tuple(span for _, span in pieces[1 if on_name_line else 0:]),
            raw_value=value, piece_offsets=tuple(offset for offset, _ in pieces)))


def _joined(value: str, joins: list[int]) -> str:
    """Return Postfix's value with the whitespace where continuation lines meet written as one space.

    Only runs of space, tab, CR and LF at a join are collapsed - the characters lists split at -
    so no list changes meaning, while a form feed there stays (it is not a separator) and the
    whitespace inside a line stays as written (smtpd_banner = `ESMTP  ready` keeps both spaces).
    """
    if not joins:
        return value
    out, last = [], 0
    for join in joins:
        low = join
        while low > last and value[low - 1] in SPACE:
            low -= 1
        high = join
        while high < len(value) and value[high] in SPACE:
            high += 1
        out.append(value[last:low])
        out.append(_SEPARATORS.sub(" ", value[low:high]))
        last = high
    out.append(value[last:])
    return "".join(out)


def normalized(value: str) -> str:
    """Return `value` with each run of space, tab, CR and LF written as one space, as `postconf -n` prints it.

    postconf_print.c (pcf_print_line) normalizes the same way. It does not change what any list
    means - lists split at ", \\t\\r\\n" (CHARS_COMMA_SP) - only the look of free text such as
    smtpd_banner. A form feed or vertical tab is not a separator for either and stays.
    """
    return " ".join(word for word in _SEPARATORS.split(value) if word)


def _shown(logical: str, limit: int = 60) -> str:
    text = logical.rstrip(SPACE)
    return text if len(text) <= limit else text[:limit] + "..."


def read_main_cf(text: str, path: str) -> MainCf:
    """Parse main.cf `text` read from `path`; never raises, refused lines land in `problems`."""
    return _Reader(path).read(text)
