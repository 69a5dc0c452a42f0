"""Find REDIRECT and BCC actions whose target the client writes: relaying by content or access tables.

cleanup(8) acts on header_checks, mime_header_checks, nested_header_checks and body_checks
(header_checks(5)), and smtpd on access(5) results in the restriction lists: `REDIRECT user@domain`
replaces every recipient with that address, `BCC user@domain` adds it. A pattern table
(`regexp:{...}`, `pcre:{...}` written in main.cf) whose action target uses `$1`-style text taken
from what it matched lets the client name the destination: a header `X-To: victim@gmail.test`
against `/^X-To: (.*)/ REDIRECT $1`, or a MAIL FROM against a sender access rule. A target the
administrator wrote whole is forwarding, not relaying, and is never reported.

Each steering rule is evaluated on lines and addresses that carry `victim@gmail.test` in the ways
a client writes one (simulate/pattern_table.py reads the rules as Postfix does): a target at
gmail.test is a certain relay (`witness` says what to send); a steering rule no sample reaches is a
possible one. Tables whose contents cannot be read here (a regexp: file, tcp:, ...) are not
guessed at: they are left out, as the access proof leaves unknown tables to their stated answers.
"""

from __future__ import annotations

from typing import Callable, Iterator

from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import entries
from mailpolicy.simulate.rewrite import tables

CONTENT_CHECKS = ("header_checks", "mime_header_checks", "nested_header_checks", "body_checks")
ACTIONS = ("REDIRECT", "BCC")
_VICTIM = "victim@gmail.test"
# What a client writes to carry the victim: header and body lines, and addresses for access keys.
_LINES = (f"To: {_VICTIM}", f"X-To: {_VICTIM}", f"Subject: {_VICTIM}", f"Reply-To: {_VICTIM}", _VICTIM,
          f"Cc: <{_VICTIM}>")
_ADDRESSES = ("victim.at.gmail.test@{0}", "victim=gmail.test@{0}", "gmail.test=victim@{0}", "victim+gmail.test@{0}")


@frozen
class Redirect:
    """An action whose target the client steers: where it is written, and a witness when one was found."""

    parameter: str
    table: str
    action: str
    certain: bool
    witness: str = ""
    target: str = ""


def steerable_redirects(words: Callable[[str], tuple[str, ...]], lists: dict[str, tuple[str, ...]],
                        domains: list[str]) -> list[Redirect]:
    """Return the REDIRECT/BCC actions of content checks and of access tables in the restriction lists
    whose target the client writes; `lists` maps each restriction list (and class) to its words."""
    found = []
    # mime_header_checks and nested_header_checks default to $header_checks: one table, one finding,
    # at the first parameter that names it.
    seen: set[str] = set()
    for parameter in CONTENT_CHECKS:
        for reference in words(parameter):
            if reference not in seen:
                seen.add(reference)
                found.extend(_judge(parameter, reference, _LINES))
    keys = tuple(a.format(d) for a in _ADDRESSES for d in [*domains, "elsewhere.test"])
    for parameter, listed in lists.items():
        for entry in entries(listed):
            if entry.argument and entry.name.startswith("check_") and entry.name.endswith("_access") \
                    and entry.argument not in seen:
                seen.add(entry.argument)
                found.extend(_judge(parameter, entry.argument, keys))
    return found


def _judge(parameter: str, reference: str, samples: tuple[str, ...]) -> Iterator[Redirect]:
    from mailpolicy.simulate.pattern_table import UNREADABLE, lookup, results, substitutes

    for table in tables(reference):
        if table.kind != "pattern":
            continue
        rules = [r for r in table.rules() if _action(r.result) and substitutes(r.result)]
        if not rules:
            continue
        for sample in samples:
            hit = lookup(table.rules(), sample)
            if hit is None or hit is UNREADABLE or hit[0] not in rules:
                continue
            action, target = _action(hit[0].result)
            addresses = results(hit[0].conditions[hit[0].own].regex.search(sample), target)
            chosen = next((a for a in addresses if a.lower().rstrip(">").endswith("@gmail.test")), None)
            if chosen:
                yield Redirect(parameter, table.reference, action, True, sample, chosen.strip("<>"))
                break
        else:
            yield Redirect(parameter, table.reference, _action(rules[0].result)[0], False)


def _action(result: str) -> tuple[str, str] | None:
    word, _space, rest = result.strip().partition(" ")
    return (word.upper(), rest.strip()) if word.upper() in ACTIONS and rest.strip() else None
