"""Find restriction classes that reach themselves, and what smtpd 3.7 does when a request gets there.

smtpd_check.c generic_checks() evaluates a class named in a list "in place", with no limit of
its own: a class that reaches itself only through class names recurses until smtpd runs out of
stack (measured on 3.7: "process smtpd ... killed by signal 11"; the client sees the connection
close, master throttles the service). Through an access table's restriction-list result the
loop ends at check_table_result()'s limit instead ("causes unreasonable recursion": 451 4.3.5
Server configuration error). Postfix starts either way (unless has_required() meets the loop
first: decide.py), so both are found here, where the class names itself.

A class reaches another when its list names it, or names a check_*_access table whose contents
are known (inline:, static:, cidr:{...}, given maps) and one of whose results names it.
"""

from __future__ import annotations

from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import entries, split_words

_ACTIONS = frozenset({"OK", "RELAY", "REJECT", "DEFER", "DUNNO", "DISCARD", "HANGUP", "DEFER_IF_REJECT",
                      "DEFER_IF_PERMIT", "FILTER", "HOLD", "PREPEND", "REDIRECT", "BCC", "INFO", "WARN"})


@frozen
class ClassLoop:
    """A class that reaches itself: the entry of its list that starts the loop, and the way around."""

    name: str
    position: int
    path: tuple[str, ...]  # the class names around the loop, from `name` back to it
    through_table: bool  # a table result is on the way: 451 at the recursion limit, not a crash


def class_loops(model) -> list[ClassLoop]:
    """Return, for each restriction class on a loop, the first entry of its list that leads back to it."""
    found = []
    for name in sorted(model.classes):
        for position, target, via_table in _edges(model, name):
            way = _way_back(model, target, name, via_table)
            if way is not None:
                path, through = way
                found.append(ClassLoop(name, position, (name, *path), through))
                break
    return found


def _edges(model, name: str) -> list[tuple[int, str, bool]]:
    """Return (entry position, class reached, through a table) for each class a class's list reaches."""
    edges = []
    for entry in entries(model.config.words(name)):
        if entry.name in model.classes:
            edges.append((entry.position, entry.name, False))
        elif entry.name.startswith("check_") and entry.argument:
            table = model.tables.table(entry.argument)
            for value in _values(table):
                edges.extend((entry.position, word, True) for word in _class_words(model, value))
    return edges


def _values(table) -> list[str]:
    if table is None:
        return []
    if table.kind == "cidr":
        return [value for _network, value in table.networks]
    return list(table.entries.values())


def _class_words(model, value: str) -> list[str]:
    words = split_words(value)
    if not words or words[0].upper() in _ACTIONS or words[0][:1].isdigit():
        return []
    return [word for word in words if word.lower() in model.classes]


def _way_back(model, start: str, goal: str, via_table: bool) -> tuple[tuple[str, ...], bool] | None:
    """Return the classes from `start` to `goal` (and whether a table is on the way), or None."""
    seen: set[str] = set()
    stack: list[tuple[str, tuple[str, ...], bool]] = [(start, (start,), via_table)]
    while stack:
        current, path, through = stack.pop()
        if current == goal:
            return path, through
        if current in seen:
            continue
        seen.add(current)
        for _position, target, table in _edges(model, current):
            stack.append((target, (*path, target), through or table))
    return None
