"""Read an owners table (`allow users from FILE`): `ADDRESS LOGIN[, LOGIN...]` a line, like a postmap source."""

from __future__ import annotations

import re

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model import values
from mailpolicy.model.policy import Ownership
from mailpolicy.source import SourceFile, Span

_OWNERS_SEPARATOR = re.compile(r"[,\s]+")


def read_owner_table(source: SourceFile) -> tuple[list[Ownership], list[Diagnostic]]:
    """Return one ownership per (address, login) pair of the table; tab or space separated, `#` comments."""
    owners: list[Ownership] = []
    problems: list[Diagnostic] = []
    for number, raw in enumerate(source.text.split("\n"), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        parts = stripped.split(None, 1)
        span = Span(source.path, number, indent + 1, indent + 1 + len(parts[0]))
        if len(parts) < 2:
            problems.append(cat.INVALID_OWNER_TABLE.at(span, f"`{parts[0]}` has no owner",
                                                       hint="write ADDRESS LOGIN[, LOGIN...] on each line"))
            continue
        try:
            address = values.address(parts[0])
        except values.ValueProblem as problem:
            problems.append(cat.INVALID_ADDRESS.at(span, problem.message, hint=problem.hint))
            continue
        column = line.index(parts[1], indent + len(parts[0])) + 1
        for login in filter(None, _OWNERS_SEPARATOR.split(parts[1])):
            start = line.index(login, column - 1) + 1
            login_span = Span(source.path, number, start, start + len(login))
            column = start + len(login)
            try:
                owners.append(Ownership(address, values.login(login), login_span))
            except values.ValueProblem as problem:
                problems.append(cat.INVALID_LOGIN.at(login_span, problem.message, hint=problem.hint))
    return owners, problems
