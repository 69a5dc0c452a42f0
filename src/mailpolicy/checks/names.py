"""Check the names a configuration writes: parameter names, and restriction names in restriction lists.

Postfix reads main.cf without complaint about names it does not know (`postconf -n` only warns
"unused parameter"), and an smtp_/smtpd_ swap that lands on another valid name gets no warning
at all: the seed's server ran for weeks with two smtpd_ settings spelled smtp_. Restriction
names are checked only when mail arrives: smtpd logs "unknown smtpd restriction" and answers
every client with "451 Server configuration error". Both are caught here, against the target
version's parameter list (`mailpolicy.postfix.parameters`), in a policy's `set` lines and in
main.cf and master.cf `-o` overrides alike; restriction names where each is written, on its own
line of a continued list.

A value is a restriction list when its parameter is one of the smtpd_*_restrictions lists, any
other name ending in `_restrictions` that is not a known parameter (a misspelt list is still a
list), or a class named in smtpd_restriction_classes. Restriction names match case-insensitively,
as smtpd compares them with strcasecmp().
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Iterator

from mailpolicy.checks.host import Host, Wording, Written
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix import parameters as pf
from mailpolicy.postfix.expand import reference_sites
from mailpolicy.postfix.restriction_lists import entries, split_list
from mailpolicy.source import Span

RESTRICTION_CLASSES = "smtpd_restriction_classes"

_WRONG_SIDE = {"smtp_": "the SMTP *client* (mail this server sends)",
               "smtpd_": "the SMTP *server* (mail this server receives)"}


def restriction_classes(written: tuple[Written, ...]) -> frozenset[str]:
    """Return the user's restriction class names (smtpd_restriction_classes)."""
    names: set[str] = set()
    for value in written:
        if value.name == RESTRICTION_CLASSES:
            names.update(e.text for e in split_list(value.value, references=True)
                         if not e.text.startswith(("$", "{")))
    return frozenset(names)


def check_parameter_names(host: Host) -> Iterator[Diagnostic]:
    """Report names the target Postfix does not have, has under another name, or deprecates.

    A name Postfix does not know is judged as postconf judges it (measured on Postfix 3.7.11,
    `postconf -n`): one that a `$name` anywhere in main.cf or a master.cf `-o` refers to is the
    user's own parameter (docker-mailserver's `dms_smtpd_sender_restrictions`, Mailu's `podop`),
    and postconf says nothing; one nothing refers to gets "unused parameter" (MP414, a warning:
    Postfix ignores it, and whatever it was for does not happen). It is an error (MP401) when it
    is a near miss of a real parameter (at most three edits, `smtpd_relay_restriction`): the line
    meant that parameter, and Postfix does not apply it. So is a restriction name written as a
    parameter, current or obsolete (`reject_invalid_hostname = yes`): its own NameProblem kind
    ("restriction"), as what was meant was an entry of a restriction list.
    """
    written = host.written()
    classes = restriction_classes(written)
    names = {w.name for w in written}
    referenced = referenced_names(written)
    transports = host.transports()
    for value in written:
        if value.name in classes:
            continue  # a restriction class is a parameter the user defines
        problem = pf.check_name(value.name, host.version, transports=transports)
        if problem is None:
            yield from client_side_note(value, names)
        elif problem.kind in ("unknown", "restriction") and value.name in referenced:
            continue  # the user's own parameter, read through $name
        elif problem.kind == "unknown" and problem.suggestion is None and "/" not in value.name:
            yield unused_parameter(value, problem)
        else:
            yield name_diagnostic(value, problem, host.version, host.wording)


def referenced_names(written: tuple[Written, ...]) -> frozenset[str]:
    """Return the names any written value refers to with `$name`, `${name...}` or `$(name...)`."""
    return frozenset(site.name for value in written if "$" in value.value
                     for site in reference_sites(value.value))


def unused_parameter(written: Written, problem: pf.NameProblem) -> Diagnostic:
    """Return MP414 for a name Postfix does not know and no `$name` reads: postconf's "unused parameter"."""
    # Only a name with no close real one gets here, so the message holds no "did you mean".
    return cat.UNUSED_PARAMETER.at(
        written.name_span, f"{_quoted(problem.message)}, and no `$name` refers to it: Postfix ignores it "
                           "(postconf warns \"unused parameter\")",
        hint="remove the line, or refer to it with $name where it is meant to apply")


def check_restriction_names(host: Host) -> Iterator[Diagnostic]:
    """Report unknown, removed, too new and deprecated restriction names at the element each one is."""
    written = host.written()
    classes = restriction_classes(written)
    for value in written:
        if is_restriction_list(value.name, host.version, classes):
            yield from restriction_list_problems(value.elements(), host.version, classes, host.wording)


def restriction_list_problems(elements: Iterable[tuple[str, Span | None]], version: str,
                              classes: frozenset[str], wording: Wording) -> Iterator[Diagnostic]:
    """Check the elements (text, span) of one restriction list."""
    lowered = [c.lower() for c in classes]
    located = list(elements)
    # An argument is a table, a policy server, a DNS list or a number of seconds, never a name.
    for entry in entries([text for text, _span in located], guess_unknown=True):
        text, span = located[entry.index]
        if entry.name.startswith(("$", "{")) or ":" in entry.name:
            continue  # a $parameter expands at run time; type:table is a short-hand access map
        problem = pf.check_restriction(entry.name, version, classes=lowered)
        if problem is not None:
            yield restriction_diagnostic(span, text, problem, version, wording)


def is_restriction_list(name: str, version: str, classes: frozenset[str] = frozenset()) -> bool:
    """Tell whether a parameter's value is a list of SMTP access restrictions."""
    if name in _lists() or name in classes:
        return True
    return name.endswith("_restrictions") and pf.parameter(name, version) is None


@functools.lru_cache(maxsize=None)
def _lists() -> frozenset[str]:
    """Return the smtpd_*_restrictions parameters postconf(5) lists restrictions for."""
    return frozenset(lst for r in pf.restriction_names() for lst in pf.restriction_lists(r) or ())


def name_diagnostic(written: Written, problem: pf.NameProblem, version: str, wording: Wording) -> Diagnostic:
    span, name, instead = written.name_span, written.name, problem.suggestion
    if problem.kind == "wrong_daemon":
        side = "smtp_" if name.startswith("smtp_") else "smtpd_"
        other = "server" if side == "smtp_" else "client"
        return cat.WRONG_DAEMON_PARAMETER.at(
            span, f"`{name}` is not a Postfix parameter: {side} is {_WRONG_SIDE[side]}; "
                  f"the {other}'s parameter is `{instead}`",
            hint=wording.rename_parameter.format(name=name, instead=instead))
    message, _, guess = _quoted(problem.message).partition("; did you mean ")
    if problem.kind == "too_new":
        return cat.PARAMETER_TOO_NEW.at(span, message, hint=f"if the server runs a newer Postfix, "
                                                            f"{wording.newer_postfix}; otherwise remove the line")
    if problem.kind == "removed":
        return cat.PARAMETER_REMOVED.at(span, message, hint=f"use `{instead}`" if instead else "remove the line")
    if problem.kind == "deprecated":
        return cat.PARAMETER_DEPRECATED.at(span, message, hint=f"use `{instead}`" if instead
                                           else "remove the line; the default is right")
    hint = f"did you mean {guess}" if guess else (
        f"see postconf(5) of Postfix {version}; Postfix ignores a parameter it does not know")
    return cat.UNKNOWN_PARAMETER.at(span, message, hint=hint)


def client_side_note(written: Written, names: set[str]) -> Iterator[Diagnostic]:
    """Note a valid smtp_ name whose smtpd_ twin exists: the seed's typo that Postfix cannot see."""
    twin = pf.daemon_twin(written.name)
    if twin is None or not written.name.startswith("smtp_") or twin in names:
        return
    yield cat.WRONG_DAEMON_PARAMETER.at(
        written.name_span, f"`{written.name}` configures {_WRONG_SIDE['smtp_']}, not the server "
                           f"that receives it (that is `{twin}`)",
        hint=f"if you meant incoming connections, write `{twin}`; if you meant outgoing mail, this is right",
        severity=cat.NOTE)


def restriction_diagnostic(span: Span | None, written: str, problem: pf.NameProblem, version: str,
                           wording: Wording) -> Diagnostic:
    message, _, guess = _quoted(problem.message).partition("; did you mean ")
    instead = problem.suggestion
    if problem.kind == "deprecated":
        return cat.DEPRECATED_RESTRICTION.at(span, message, hint=f"use `{instead}`" if instead else
                                             "remove it; see DEPRECATION_README")
    code = cat.UNKNOWN_RESTRICTION
    if problem.kind == "too_new":
        hint = f"if the server runs a newer Postfix, {wording.newer_postfix}; otherwise remove it"
    elif problem.kind == "removed":
        code, hint = cat.REMOVED_RESTRICTION, f"use `{instead}`" if instead else "remove it"
    else:
        hint = f"did you mean {guess}" if guess else "see postconf(5) for the restrictions of this list"
    return code.at(span, f"{message}; smtpd would answer every client that reaches `{written}` with "
                         "\"451 Server configuration error\"", hint=hint)


def _quoted(message: str) -> str:
    """Write names the way every other diagnostic does: `name`, not 'name'."""
    return re.sub(r"'([^'\s]+)'", r"`\1`", message)
