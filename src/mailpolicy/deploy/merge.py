"""Merge a build's main.cf into the main.cf deployed in the configuration folder.

The same rules as `compile --base` (maincf/merge.py), worked from the build's text since deploy
has no policy in hand: every parameter the build sets replaces each of its definitions in the
deployed file in place (name line and continuation lines; comments between stay), parameters the
deployed file lacks are appended, with the build's comments above each, in one block between
`# >>> mailpolicy` and `# <<< mailpolicy <<<`; every other line is kept byte for byte. A block or
marker line an earlier deploy (or `compile --base`) left is dropped first, so deploying the same
build twice gives the same file.

A parameter an earlier deploy wrote in place and the new build no longer sets keeps its value,
as `compile --base` keeps a managed parameter the policy leaves unset (MP608).
"""

from __future__ import annotations

import attrs

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.maincf.merge import BLOCK_BEGIN, BLOCK_END, previous_output
from mailpolicy.output.marker import split_marker
from mailpolicy.postfix.main_cf import LineKind, MainCf, read_main_cf


@frozen
class MergedMainCf:
    """The main.cf to install, and what the merge did, for the report."""

    text: str
    replaced: tuple[str, ...]  # parameters replaced in place
    appended: tuple[str, ...]  # parameters added in the block
    values: dict[str, str] = attrs.field(factory=dict)  # the value the build gives each parameter it sets


def merge_into_deployed(deployed: MainCf | None, build_text: str, build_path: str,
                        source: str) -> tuple[MergedMainCf | None, list[Diagnostic]]:
    """Return the deployed main.cf with the build's parameters in it, or None and why not."""
    _, body = split_marker(build_text)
    build = read_main_cf(body, build_path)
    problems = [_refused(p, "the build's") for p in build.problems if p.fatal]
    if deployed is not None:
        problems += [_refused(p, "the deployed") for p in deployed.problems if p.fatal]
    if problems:
        return None, problems
    new_lines = _definition_lines(build)
    if deployed is None:
        return MergedMainCf(body, (), tuple(new_lines), _values(build)), []
    dropped = previous_output(deployed)
    replaced_at: dict[int, str] = {}
    removed: set[int] = set(dropped)
    for definition in deployed.definitions:
        if definition.line in dropped or definition.name not in new_lines:
            continue
        replaced_at[definition.line] = definition.name
        removed.update(span.line for span in definition.continuation_spans)
    out: list[str] = []
    for line in deployed.lines:
        if line.number in replaced_at:
            out.extend(text + (line.ending or "\n") for text in new_lines[replaced_at[line.number]][1])
        elif line.number not in removed:
            out.append(line.text + line.ending)
    missing = [name for name in new_lines if name not in replaced_at.values()]
    if missing:
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        if out and out[-1].strip():
            out.append("\n")
        out.append(f"{BLOCK_BEGIN}: set by {source}, missing from the deployed main.cf >>>\n")
        for name in missing:
            comments, definition = new_lines[name]
            out.append("\n")
            out.extend(text + "\n" for text in (*comments, *definition))
        out.append(BLOCK_END + "\n")
    replaced = tuple(dict.fromkeys(replaced_at.values()))
    return MergedMainCf("".join(out), replaced, tuple(missing), _values(build)), []


def _values(build: MainCf) -> dict[str, str]:
    return {name: definition.value for name, definition in build.parameters.items()}


def _definition_lines(build: MainCf) -> dict[str, tuple[list[str], list[str]]]:
    """Return each parameter of the build: the comment lines just above it, and its own lines (last definition)."""
    by_number = {line.number: line for line in build.lines}
    found: dict[str, tuple[list[str], list[str]]] = {}
    for definition in build.definitions:
        comments: list[str] = []
        number = definition.line - 1
        while number in by_number and by_number[number].kind is LineKind.COMMENT:
            text = by_number[number].text
            if not text.startswith((BLOCK_BEGIN, BLOCK_END)):
                comments.insert(0, text)
            number -= 1
        own = [definition.line, *(span.line for span in definition.continuation_spans)]
        found[definition.name] = (comments, [by_number[n].text for n in own])
    return found


def _refused(problem, whose: str) -> Diagnostic:
    return cat.BASE_INVALID.at(problem.span, f"Postfix refuses this line of {whose} main.cf: {problem.message}",
                               hint="fix the file; Postfix would stop on it, so nothing is deployed")


def read_deployed(text: str | None, path: str) -> MainCf | None:
    """Read the deployed main.cf (None when the folder has none yet)."""
    return None if text is None else read_main_cf(text, path)
