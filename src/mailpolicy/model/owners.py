"""Who owns which address, kept as columns: a large site has millions of (address, login) pairs.

One frozen object per pair, each with its own `Span`, cost about 1 KiB and several microseconds
per pair through the pipeline (docs/benchmarks.md). Here a pair is an index into parallel
columns: the address and login strings (shared with the parsed text where they are already in
canonical form) and its position as four small integers. An `Ownership`, with its `Span`, is
made only when something asks for that pair: a diagnostic, a test, a small consumer.
"""

from __future__ import annotations

from array import array
from itertools import chain, repeat
from operator import add, itemgetter
from typing import Iterable, Iterator

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.source import Span


@frozen
class Ownership:
    """One `allow user LOGIN as ADDRESS` pair; `address` is `local@domain` or `@domain`."""

    address: str
    login: str
    span: Span


def _positions() -> array:
    return array("I")


@frozen(eq=False)
class Owners:
    """Every ownership of a policy in the order written, as columns indexed by pair."""

    addresses: list[str] = attrs.field(factory=list)
    logins: list[str] = attrs.field(factory=list)
    paths: tuple[str, ...] = ()  # the files named by `files`
    files: array = attrs.field(factory=lambda: array("H"))
    lines: array = attrs.field(factory=_positions)
    columns: array = attrs.field(factory=_positions)
    ends: array = attrs.field(factory=_positions)
    # Each domain of an owned address, with the first pair that named it: checks that ask
    # "which domains are owned" read this instead of splitting every address again.
    domains: dict[str, int] = attrs.field(factory=dict)

    @classmethod
    def of(cls, owners: Owners | Iterable[Ownership]) -> Owners:
        """Return `owners` as columns (a sequence of `Ownership` is converted, in order)."""
        if isinstance(owners, Owners):
            return owners
        builder = OwnersBuilder()
        for ownership in owners:
            span = ownership.span
            builder.add(ownership.address, ownership.login, span.path, span.line, span.column,
                        span.end_column if span.end_column is not None else span.column)
        return builder.finish()

    def __len__(self) -> int:
        return len(self.addresses)

    def __iter__(self) -> Iterator[Ownership]:
        return (self[index] for index in range(len(self.addresses)))

    def __getitem__(self, index: int) -> Ownership:
        return Ownership(self.addresses[index], self.logins[index], self.span(index))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Owners):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # columns are mutable containers, even if nobody mutates them

    def span(self, index: int) -> Span:
        """Return where the pair at `index` was written: its address (or its login in a table)."""
        return Span(self.paths[self.files[index]], self.lines[index], self.columns[index], self.ends[index])


class OwnersBuilder:
    """Collect ownerships in reading order; `finish` freezes them into `Owners`."""

    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.logins: list[str] = []
        self.paths: dict[str, int] = {}
        self.files = array("H")
        self.lines = array("I")
        self.columns = array("I")
        self.ends = array("I")
        self.domains: dict[str, int] = {}

    def file(self, path: str) -> int:
        """Return the index the columns use for a file."""
        return self.paths.setdefault(path, len(self.paths))

    def add(self, address: str, login: str, path: str, line: int, column: int, end: int) -> None:
        """Record one pair: an address in canonical form, a checked login, and where it was written."""
        self.domains.setdefault(address[address.rfind("@") + 1:], len(self.addresses))
        self.addresses.append(address)
        self.logins.append(login)
        self.files.append(self.file(path))
        self.lines.append(line)
        self.columns.append(column)
        self.ends.append(end)

    def extend_rows(self, path: str, addresses: list[str], written: list[str], columns: array, lines: array,
                    logins: list[str], first_address: array) -> None:
        """Record whole `allow user` lines at once: each line's login owns its addresses (all checked).

        `addresses` are the canonical forms, `written` the words as written (their spans end where
        the word ends: `a@bücher.example` is longer as punycode). Used for runs of lines with
        nothing refused: every column grows by C-level iteration.
        """
        counts = list(map(int.__sub__, first_address[1:], first_address[:-1]))
        self.extend(path, addresses, list(chain.from_iterable(map(repeat, logins, counts))),
                    chain.from_iterable(map(repeat, lines, counts)), columns, map(add, columns, map(len, written)))

    def extend(self, path: str, addresses: list[str], logins: list[str], lines: Iterable[int],
               columns: Iterable[int], ends: Iterable[int]) -> None:
        """Record many checked pairs at once, each with its line and the columns where it was written."""
        base = len(self.addresses)
        self.addresses.extend(addresses)
        self.logins.extend(logins)
        self.files.extend(repeat(self.file(path), len(addresses)))
        self.lines.extend(lines)
        self.columns.extend(columns)
        self.ends.extend(ends)
        # The first pair naming each domain: walking backwards, the last write is the first pair.
        named = [address[address.rfind("@") + 1:] for address in addresses]
        firsts = dict(zip(reversed(named), range(base + len(named) - 1, base - 1, -1)))
        for domain, index in sorted(firsts.items(), key=itemgetter(1)):
            self.domains.setdefault(domain, index)

    def finish(self) -> Owners:
        return Owners(self.addresses, self.logins, tuple(self.paths), self.files, self.lines,
                      self.columns, self.ends, self.domains)
