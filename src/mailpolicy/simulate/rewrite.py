"""Find recipient rewriting the client can steer to a remote domain: relaying after the RCPT check.

smtpd decides relaying on the RCPT TO address; cleanup(8) then rewrites each accepted recipient
with canonical_maps and recipient_canonical_maps (canonical(5)), then virtual_alias_maps
(virtual(5)), and the queue manager delivers to the result. A table whose result is built from
the address the client sent can turn an accepted local recipient into a remote one of the
client's choosing: `/^(.*)\\.at\\.(.*)@example\\.com$/ $1@$2` relays victim.at.gmail.test@example.com
to victim@gmail.test for anyone (measured on Postfix 3.7: RCPT 250, the mail leaves).

The model, conservative by design:
- A pattern table written in main.cf (`regexp:{ {/pattern/ result}, ... }`, `pcre:{...}`) whose
  result uses a `$1`-style substitution may do it. Each such rule is tried with Python's `re`
  against a few encoded remote addresses at every local domain (`victim.at.gmail.test@domain`,
  `victim=gmail.test@domain`, ...); a rule that maps one to an address at the payload's domain
  provably relays (`certain`), any other substituting rule possibly does (`$1@other.example`
  too: the local part may still carry routing text trivial-rewrite follows).
- A table whose contents the model cannot see and that can return the client's text (a
  `regexp:`/`pcre:` file, `tcp:`, `socketmap:`, and `proxy:`, `pipemap:`, `unionmap:` of
  those) possibly does.
- Exact-key tables (hash, lmdb, cdb, btree, texthash, inline without patterns, static) return
  only what the administrator wrote: an alias to a remote address is forwarding the
  administrator chose, not relaying, and is never reported.
Sender rewriting (sender_canonical_maps) is judged by analyze/sender_rewriting.py with the same
table classification (`tables`) and rule evaluation (`apply_rules`).
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import split_words

# postconf(5): cleanup applies canonical_maps and recipient_canonical_maps to recipients, then
# virtual_alias_maps (canonical_classes / recipient_canonical_classes hold envelope_recipient by default).
REWRITE_MAPS = ("canonical_maps", "recipient_canonical_maps", "virtual_alias_maps")
# Table types that can answer with text taken from the key: patterns with substitutions, and
# servers whose answers nobody here can read.
STEERABLE_TYPES = frozenset({"regexp", "pcre", "tcp", "socketmap"})
_WRAPPERS = frozenset({"pipemap", "unionmap"})
# A remote address written the ways a local part can carry one.
PROBE_PAYLOADS = ("victim.at.gmail.test", "victim=gmail.test", "victim+gmail.test", "victim_at_gmail.test",
                  "victim#gmail.test", "victim-at-gmail.test", "gmail.test=victim")
_TARGET = "gmail.test"  # the remote domain every payload carries
_SUBSTITUTION = re.compile(r"\$(?:(\d)|\{(\d+)\}|\((\d+)\))")


@frozen
class Rewrite:
    """A rewriting table the client may steer: the parameter naming it, the table, and a witness.

    `certain` when a rule was seen to map `recipient` (a local address) to `result` (a remote one);
    otherwise the table possibly does, for `reason`.
    """

    parameter: str
    table: str
    reason: str
    certain: bool = False
    recipient: str | None = None
    result: str | None = None


def steerable_rewrites(words: Callable[[str], tuple[str, ...]], local_domains: list[str],
                       remote: Callable[[str], bool]) -> list[Rewrite]:
    """Return every recipient rewriting table by which a client may choose a remote destination.

    `words(parameter)` gives a parameter's expanded list; `remote(address)` tells whether an
    address resolves outside this server's final destinations.
    """
    found = []
    for parameter in REWRITE_MAPS:
        for reference in words(parameter):
            rewrite = _judge(parameter, reference, local_domains, remote)
            if rewrite is not None:
                found.append(rewrite)
    return found


@frozen
class Table:
    """One table a reference reads, as the model sees it: `exact`, `pattern` (inline rules) or `opaque`.

    `reference` is what a finding names: the wrapper (`unionmap:{...}`) a table was found in, else
    the table itself (without `proxy:`). A `pattern` table's `body` holds its inline rules.
    """

    reference: str
    type: str
    kind: str
    body: str = ""

    def rules(self) -> list[tuple[re.Pattern | None, str]]:
        """Return (pattern, result) per rule of a `pattern` table; pattern None when Python cannot read it."""
        return list(_rules(self.type, self.body)) if self.kind == "pattern" else []


def tables(reference: str) -> Iterator[Table]:
    """Yield each table a `type:name` reference reads, through proxy:, pipemap:{...} and unionmap:{...}."""
    kind, _colon, name = reference.partition(":")
    kind = kind.lower()
    if kind == "proxy":
        yield from tables(name)
    elif kind in _WRAPPERS and name.startswith("{") and name.endswith("}"):
        for part in split_words(name[1:-1]):
            yield from (attrs.evolve(table, reference=reference) for table in tables(part))
    elif kind not in STEERABLE_TYPES:
        yield Table(reference, kind, "exact")
    elif kind in ("regexp", "pcre") and name.startswith("{") and name.endswith("}"):
        yield Table(reference, kind, "pattern", name[1:-1])
    else:
        yield Table(reference, kind, "opaque")


def substitutes(result: str) -> bool:
    """Tell whether a pattern rule's result uses text the pattern captured (`$1`, `${1}`, `$(1)`)."""
    return _SUBSTITUTION.search(result) is not None


def apply_rules(rules: list[tuple[re.Pattern | None, str]], address: str) -> tuple[str, list[str]] | None:
    """Return the first matching rule's result and the addresses it gives for `address` (None: no rule matches)."""
    # regexp_table(5), pcre_table(5): the first pattern that matches decides.
    for pattern, result in rules:
        match = pattern.search(address) if pattern is not None else None
        if match is not None:
            return result, _results(match, result)
    return None


def _judge(parameter: str, reference: str, local_domains: list[str], remote: Callable[[str], bool]) -> Rewrite | None:
    for table in tables(reference):
        if table.kind == "opaque":
            return Rewrite(parameter, table.reference, "its contents are not known and may return the client's text")
        if table.kind == "pattern":
            found = _judge_inline(parameter, table.reference, table.rules(), local_domains, remote)
            if found is not None:
                return found
    return None


def _judge_inline(parameter: str, reference: str, rules: list[tuple[re.Pattern | None, str]],
                  local_domains: list[str], remote: Callable[[str], bool]) -> Rewrite | None:
    if not any(substitutes(result) for _pattern, result in rules):
        return None
    for domain in local_domains:
        for payload in PROBE_PAYLOADS:
            recipient = f"{payload}@{domain}"
            hit = apply_rules(rules, recipient)
            if hit is None or not substitutes(hit[0]) or remote(recipient):
                continue
            for result in hit[1]:
                # The client chose the destination when its text made the domain (a fixed remote
                # domain with the client's local part is the administrator's forwarding).
                if remote(result) and _TARGET in result.rpartition("@")[2].lower():
                    return Rewrite(parameter, reference, f"it rewrites <{recipient}> to <{result}>", True,
                                   recipient, result)
    return Rewrite(parameter, reference, "its result is built from the client's text ($1-style substitution)")


def _rules(kind: str, body: str) -> Iterator[tuple[re.Pattern | None, str]]:
    """Yield (pattern, result) per rule of an inline pattern table; pattern None when Python cannot read it."""
    for item in split_words(body):
        if item.startswith("{") and item.endswith("}"):
            item = item[1:-1].strip()
        if not item or item.startswith("!") or item.split(" ", 1)[0].lower() in ("if", "endif"):
            continue  # negated rules and if/endif blocks have no result of their own
        delimiter = item[0]
        end = item.find(delimiter, 1)
        while end > 0 and item[end - 1] == "\\":
            end = item.find(delimiter, end + 1)
        if end < 0:
            continue
        pattern, rest = item[1:end], item[end + 1:]
        flags, _space, result = rest.partition(" ")
        yield _compile(pattern, flags), result.strip()


def _compile(pattern: str, flags: str) -> re.Pattern | None:
    # regexp_table(5) and pcre_table(5): matching is case-insensitive unless the `i` flag toggles it off.
    insensitive = flags.count("i") % 2 == 0
    try:
        return re.compile(pattern, re.IGNORECASE if insensitive else 0)
    except re.error:
        return None


def _results(match: re.Match, result: str) -> list[str]:
    """Return the addresses a rule's result gives for a match (virtual(5) allows a comma-separated list)."""
    def group(found: re.Match) -> str:
        number = int(next(g for g in found.groups() if g is not None))
        return (match.group(number) or "") if number <= (match.re.groups or 0) else ""
    text = _SUBSTITUTION.sub(group, result)
    return [a for a in re.split(r"[,\s]+", text) if a]
