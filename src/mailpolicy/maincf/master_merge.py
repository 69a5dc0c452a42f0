"""Merge the services a policy manages into an existing master.cf, keeping every other line.

`compile --base-master master.cf` and `deploy` both do it. A base service is replaced when it is
an `inet` service on the port of a kind the policy states (`smtp`/25, `submission`/587,
`submissions`/`smtps`/465, with or without a `host:`): two services on one port would make
master(8) fail to bind it. Its whole logical line goes (the service line and its whitespace-led
continuation lines, master(5)); every other line, comment and blank line of the base stays, byte
for byte and in order. The policy's services are written in one block between
`# >>> mailpolicy` and `# <<< mailpolicy <<<` where the first replaced service stood (at the
end when none was replaced). Any `inet` service on such a port is replaced, whatever its command:
`postscreen` on 25 included (its `smtpd pass` service stays and is then unused), since two
services on one port make master(8) fail to bind it. A base an earlier merge wrote gives the same result: its marker
line and its block are dropped and made afresh.
"""

from __future__ import annotations

from pathlib import Path

from mailpolicy.emit.master_cf import SERVICES_ONLY
from mailpolicy.load.files import read_named_file
from mailpolicy.maincf.merge import BLOCK_BEGIN, BLOCK_END
from mailpolicy.output.marker import split_marker
from mailpolicy.postfix.master_cf import read_master_cf
from mailpolicy.postfix.service_kinds import port_kind

_SPACE = " \t\v\f\r"


def read_base_master(path: Path) -> str:
    """Read the base master.cf a command line names (bytes that are not UTF-8 carried through); raises OSError."""
    return read_named_file(path).decode("utf-8", "surrogateescape")


def is_services_only(text: str) -> bool:
    """Tell whether a master.cf is what compile writes without --base-master: the policy's services alone."""
    return SERVICES_ONLY in _unmarked(text).split("\n", 3)[:3]


def managed_kinds(fragment: str) -> set[str]:
    """Return the kinds of the services a compiled master.cf (the policy's services only) states."""
    return {kind for service in read_master_cf(fragment, "master.cf").services
            if (kind := port_kind(service.name)) is not None}


def services_block(fragment: str, source: str) -> list[str]:
    """Return the lines of the compiled master.cf below its header, framed as a merged block."""
    lines = _unmarked(fragment).split("\n")
    body_start = lines.index("") + 1 if "" in lines else 0
    body = [line for line in lines[body_start:] if line != ""]
    return [f"{BLOCK_BEGIN}: services of {source} >>>", *body, BLOCK_END]


def merge_master_cf(base: str, fragment: str, source: str) -> str:
    """Return `base` with the services of `fragment` (a compiled master.cf) in place of the ones it replaces."""
    kinds = managed_kinds(fragment)
    lines = _unmarked(base).split("\n")
    dropped = _previous_block(lines)
    for service in read_master_cf("\n".join(lines), "master.cf").services:
        if service.type == "inet" and port_kind(service.name) in kinds:
            dropped |= _entry(lines, service.span.line)
    kept: list[str] = []
    block = services_block(fragment, source)
    placed = False
    for number, line in enumerate(lines, start=1):
        if number in dropped:
            if not placed:
                kept.extend(block)
                placed = True
            continue
        kept.append(line)
    if not placed:
        if kept and kept[-1] == "":
            kept.pop()
        kept.extend(block)
        kept.append("")
    return "\n".join(kept)


def _unmarked(text: str) -> str:
    """Return the text without a mailpolicy marker line (an earlier merge's or compile's)."""
    marker, rest = split_marker(text)
    return rest if marker is not None else text


def _previous_block(lines: list[str]) -> set[int]:
    found, inside = set(), False
    for number, line in enumerate(lines, start=1):
        if line.startswith(BLOCK_BEGIN):
            inside = True
        if inside:
            found.add(number)
        if line.rstrip() == BLOCK_END:
            inside = False
    return found


def _entry(lines: list[str], first: int) -> set[int]:
    """Return the line numbers of the logical line that starts at `first` (comments inside it included)."""
    entry = {first}
    pending: list[int] = []  # comment and blank lines, kept only when a continuation follows them
    for number in range(first + 1, len(lines) + 1):
        line = lines[number - 1]
        stripped = line.strip(_SPACE)
        if not stripped or stripped.startswith("#"):
            pending.append(number)
            continue
        if line[0] in _SPACE:
            entry.update(pending, (number,))
            pending = []
            continue
        break
    return entry
