"""Check the `$name` references in `set` values: names no parameter, and `$` Postfix cannot read (MP708).

postconf(5), "parameter expansion": "$name" and "${name}" are replaced with the value of the
named parameter, and "an undefined parameter value is replaced with the empty value". Nothing
at run time says so: measured on Postfix 3.7.11, `smtpd_banner = $myhostnme ESMTP` makes smtpd
greet with "220  ESMTP" and log nothing; only postconf warns ("undefined parameter: myhostnme").
The table substitution `$1` of an inline `regexp:{...}` is such a reference too: Postfix
expands it when it reads main.cf, and cleanup then rewrote bob+ceo@example0.com to
`bob+ceo@` without a word; a table's own `$1` is written `$$1` in main.cf.

A `$` that starts no name (`$/`, `$ `, a trailing `$`: postconf and `postfix check` stop with
"empty macro name", "fatal: macro processing error") and an unclosed `${` never get here: the
value is refused when the policy is read (MP212, model/values.py).

Defined are: the names the policy sets, the parameters the compiler plans, the target
version's parameters, and per-transport parameters (`dovecot_destination_recipient_limit`),
which exist whenever master.cf defines the service, a file the compiler never sees.
The audit reports main.cf's references with the same code and words (audit/definitions.py).
Neither looks into a parameter a daemon reads raw (`mailbox_command = procmail -a "$EXTENSION"`:
local(8) hands it to the shell, which expands its own environment; postfix/parameters.py
RAW_PARAMETERS).
"""

from __future__ import annotations

from typing import Callable, Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic, Severity
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.expand import Expander, ExpansionError, reference_sites
from mailpolicy.source import Span


def check_undefined_references(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Report `$name` in `set` values that names no parameter, and values that cannot expand (a loop)."""
    version = ctx.policy.version.value
    values = ctx.plan.values()
    defined = set(values) | {s.name for s in ctx.policy.settings}
    # One expander for all values: each name's expansion is remembered, so a long chain of `$name`
    # costs once, not once per setting that reaches into it (an import of a 1,000-long chain).
    expander = Expander(_lookup(values, version))
    for setting in ctx.policy.settings:
        if "$" not in setting.value or setting.name in pf.RAW_PARAMETERS:
            continue  # a raw parameter's `$name` is the daemon's or the shell's (pf.RAW_PARAMETERS)
        column = setting.value_span.column
        reported: set[str] = set()
        for site in reference_sites(setting.value):
            if site.name not in reported and not is_defined(site.name, defined, version):
                reported.add(site.name)
                span = setting.value_span.at_column(column + site.start, column + site.end)
                table = site.name.isdigit() or _in_table(setting.value, site.start)
                yield undefined(span, site.name, setting.name, version, substitution=table)
        try:
            expander.expand(setting.value)
        except ExpansionError as error:
            yield unexpandable(setting.value_span, setting.name, error)


def is_defined(name: str, defined: set[str], version: str) -> bool:
    """Tell whether Postfix `version` has a value for `name` given the names main.cf defines."""
    if name in defined or pf.parameter(name, version) is not None:
        return True
    # A per-transport parameter is valid once master.cf defines its service: try each prefix as one.
    parts = name.split("_")
    return any(pf.check_name(name, version, transports=("_".join(parts[:i]),)) is None for i in range(1, len(parts)))


def undefined(span: Span | None, name: str, parameter: str, version: str, substitution: bool = False) -> Diagnostic:
    """Return the MP708 warning for `$name` in `parameter` naming no parameter (`substitution`: a table's `$1`)."""
    hint = suggestion(name, version)
    if substitution:
        hint = (f"a lookup table's own `${name}` is written `$${name}` in main.cf: Postfix expands `${name}` "
                "when it reads the parameter, before the table sees it")
    return cat.UNDEFINED_REFERENCE.at(span, f"`${name}` in {parameter} names no parameter: it expands to nothing",
                                      hint=hint)


def unexpandable(span: Span | None, parameter: str, error: ExpansionError) -> Diagnostic:
    """Return the MP708 error for a value Postfix cannot expand (unclosed `${`, a loop, a bad condition)."""
    return cat.UNDEFINED_REFERENCE.at(span, f"{parameter} cannot be expanded: {error}",
                                      hint="Postfix cannot expand it either; fix the `$`, `{` or `}`",
                                      severity=Severity.ERROR)


def suggestion(name: str, version: str) -> str:
    """Return the hint for an undefined `$name`: the closest known parameter, else how to define it."""
    guess = pf.suggest(name, version)
    return f"did you mean `${guess}`?" if guess else "define the parameter, or write `$$` for a literal `$`"


def _lookup(values: dict[str, str], version: str) -> Callable[[str], str | None]:
    def raw(name: str) -> str | None:
        if name in values:
            return values[name]
        known = pf.parameter(name, version)
        return known.default if known is not None else None
    return raw


def _in_table(value: str, offset: int) -> bool:
    """Tell whether an offset lies inside an inline table (`type:{...}`), where `$1` means a substitution."""
    depth = 0
    for index, char in enumerate(value[:offset]):
        if char == "{" and (depth or value[index - 1:index] == ":"):
            depth += 1
        elif char == "}" and depth:
            depth -= 1
    return depth > 0
