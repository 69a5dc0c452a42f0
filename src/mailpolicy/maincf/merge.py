"""Merge a compiled plan into an existing main.cf: managed values replaced in place, every other byte kept.

For `compile --base /etc/postfix/main.cf`. The rules:
- each definition of a parameter the plan emits has its lines (the name line and its continuation
  lines) replaced by the plan's `name = value` lines; comment and blank lines between them stay;
  a definition whose value differs from the plan's is reported (MP604), at the base's line;
- a parameter the policy manages (plan.config.MANAGED) but leaves unset keeps the base's value,
  reported (MP608): the policy does not say, so the base decides;
- a parameter Postfix uses as root (postfix/privileged.py: daemon_directory, import_environment,
  mail_owner, ...) that the base sets and the policy does not state is refused (MP612): a base
  may be a committed file, and its line would reach the deployed main.cf unreviewed; the policy
  acknowledges it with `set privileged NAME = VALUE`, whose value then replaces the base's;
- parameters the base lacks are appended in one block between `# >>> mailpolicy` and
  `# <<< mailpolicy` lines, each after its reasons, as in a compiled main.cf;
- every other line, comment and continuation is kept byte for byte, line endings included.

Merging into a file that an earlier merge produced gives that file again: its marker line and
its old block are dropped first (the block's parameters are appended afresh), and values
replaced in place are already the plan's.
"""

from __future__ import annotations


from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.emit.main_cf import render_parameter
from mailpolicy.emit.provenance import Provenance
from mailpolicy.frozen import frozen
from mailpolicy.output.marker import split_marker
from mailpolicy.plan.config import MANAGED
from mailpolicy.plan.model import ConfigPlan, Parameter
from mailpolicy.postfix.main_cf import Definition, MainCf
from mailpolicy.postfix.privileged import is_inert, is_privileged, risk
from mailpolicy.postfix.restriction_lists import split_words

BLOCK_BEGIN = "# >>> mailpolicy"
BLOCK_END = "# <<< mailpolicy <<<"


@frozen
class LineOrigin:
    """Where one line of the merged text comes from: a base line, the plan, or both (a replaced value)."""

    base_line: int | None  # the base line kept here, or the name line of the base definition replaced
    parameter: Parameter | None = None  # the plan's parameter this line writes; None for a base line kept


@frozen
class Merged:
    """The merged main.cf text, where each of its lines comes from, and what the merge reports about the base."""

    text: str
    diagnostics: tuple[Diagnostic, ...]
    origins: tuple[LineOrigin, ...] = ()  # one per line of `text`


def merge_main_cf(base: MainCf, plan: ConfigPlan, provenance: Provenance) -> Merged:
    """Return `base` with the plan's parameters in it; never changes a line the plan does not manage."""
    dropped = previous_output(base)
    planned = {p.name: p for p in plan.parameters}
    replaced: dict[int, tuple[Parameter, list[str]]] = {}  # first line of a definition -> its new lines
    removed: set[int] = set(dropped)
    diagnostics: list[Diagnostic] = [_invalid(problem) for problem in base.problems]
    seen: set[str] = set()
    for definition in base.definitions:
        if definition.line in dropped:
            continue
        parameter = planned.get(definition.name)
        if parameter is not None:
            seen.add(definition.name)
            replaced[definition.line] = (parameter, _value_lines(parameter, provenance))
            removed.update(span.line for span in definition.continuation_spans)
            if split_words(definition.value) != split_words(parameter.value):
                diagnostics.append(_conflict(definition, parameter, provenance))
        elif definition.name in MANAGED:
            diagnostics.append(cat.BASE_KEEPS_MANAGED.at(
                definition.name_span,
                f"the base sets {definition.name}, which the policy manages but does not state; "
                "the base's value is kept",
                hint="state it in the policy (or delete the line from the base) so one place decides it"))
        elif is_privileged(definition.name) and not is_inert(definition.name, " ".join(definition.value.split())):
            diagnostics.append(_privileged(definition))
    newline = _line_ending(base, dropped)
    out: list[str] = []
    origins: list[LineOrigin] = []
    for line in base.lines:
        if line.number in replaced:
            parameter, texts = replaced[line.number]
            out.extend(text + (line.ending or newline) for text in texts)
            origins.extend(LineOrigin(line.number, parameter) for _ in texts)
        elif line.number not in removed:
            out.append(line.text + line.ending)
            origins.append(LineOrigin(line.number))
    missing = [p for p in plan.parameters if p.name not in seen]
    if missing:
        if out and not out[-1].endswith("\n"):
            out[-1] += newline
        if out and out[-1].strip():
            out.append(newline)  # one blank line before the block; a re-merge finds it there already
            origins.append(LineOrigin(None))
        for parameter, text in _block(missing, provenance):
            out.append(text + newline)
            origins.append(LineOrigin(None, parameter))
    return Merged("".join(out), tuple(diagnostics), tuple(origins))


def _line_ending(base: MainCf, dropped: set[int]) -> str:
    """Return the base's line ending ("\r\n" when most of its lines have one) for the lines added."""
    endings = [line.ending for line in base.lines if line.ending and line.number not in dropped]
    return "\r\n" if endings.count("\r\n") > len(endings) / 2 else "\n"


def previous_output(base: MainCf) -> set[int]:
    """Return the lines an earlier merge (`compile --base` or `deploy`) added: its marker line and its appended block."""
    lines: set[int] = set()
    if base.lines and split_marker(base.lines[0].text + "\n")[0] is not None:
        lines.add(1)
    inside = False
    for line in base.lines:
        if line.text.startswith(BLOCK_BEGIN):
            inside = True
        if inside:
            lines.add(line.number)
        if line.text.rstrip() == BLOCK_END:
            inside = False
    return lines


def _block(parameters: list[Parameter], provenance: Provenance) -> list[tuple[Parameter | None, str]]:
    """Return the appended block's lines, each with the parameter it writes (None for the frame)."""
    lines: list[tuple[Parameter | None, str]] = [
        (None, f"{BLOCK_BEGIN}: set by {provenance.top_name}, missing from the base main.cf >>>")]
    for parameter in parameters:
        lines.append((None, ""))
        lines.extend((parameter, text) for text in render_parameter(parameter, provenance))
    lines.append((None, BLOCK_END))
    return lines


def _value_lines(parameter: Parameter, provenance: Provenance) -> list[str]:
    """Return the parameter as main.cf lines without the reasons a compiled main.cf puts above it."""
    return [line for line in render_parameter(parameter, provenance) if not line.startswith("#")]


def _conflict(definition: Definition, parameter: Parameter, provenance: Provenance) -> Diagnostic:
    base_value = definition.value or "(empty)"
    related = ((Related(parameter.source, f"the policy decides {parameter.name} here"),)
               if parameter.source else ())
    return cat.BASE_CONFLICT.at(
        definition.name_span,
        f"the base sets {definition.name} = {base_value}, but the policy says "
        f"{parameter.value or '(empty)'}; the policy's value replaces it",
        hint="delete the line from the base, or "
             + (f"change the policy ({provenance.cite(parameter.source)})" if parameter.source
                else "state the base's value in the policy")
             + " if the base was right",
        related=related)


def _privileged(definition: Definition) -> Diagnostic:
    # Copied silently, `daemon_directory = /home/mallory/bin` in a committed base would make the
    # next `postfix start` run mallory's postfix-script as root; a policy must say so itself (MP409).
    return cat.BASE_PRIVILEGED.at(
        definition.name_span,
        f"the base sets {definition.name}, which {risk(definition.name)}; the policy does not acknowledge it",
        hint=f"delete the line from the base to keep Postfix's default, or state it in the policy as "
             f"`set privileged {definition.name} = ...` if this server needs it (see docs/security.md)")


def _invalid(problem) -> Diagnostic:
    severity = None if problem.fatal else cat.WARNING
    return cat.BASE_INVALID.at(problem.span, f"Postfix refuses this line of the base main.cf: {problem.message}",
                               hint="fix the base file; Postfix would stop on it" if problem.fatal
                               else "Postfix ignores this line: indent only lines that continue a parameter",
                               severity=severity)
