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
Sender rewriting (sender_canonical_maps) is judged by checks/sender_rewriting.py with the same
table classification (`tables`) and rule evaluation (`apply_rules`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterator

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.postfix.table_refs import table_ref

# The regexp/pcre table reader (simulate/pattern_table.py) is imported where a pattern table is
# read, so `check` of a policy without one does not load it (start-up: docs/benchmarks.md).
if TYPE_CHECKING:
    from mailpolicy.simulate.pattern_table import Rule

# postconf(5): cleanup applies canonical_maps and recipient_canonical_maps to recipients, then
# virtual_alias_maps (canonical_classes / recipient_canonical_classes hold envelope_recipient by default).
REWRITE_MAPS = ("canonical_maps", "recipient_canonical_maps", "virtual_alias_maps")
# cleanup(8) also adds recipients: recipient_bcc_maps looked up with each accepted recipient,
# sender_bcc_maps with the envelope sender (postconf(5)); a result built from the key is a
# destination the client wrote. The sender is the client's free choice, routing and all (smtpd
# checks no relay on MAIL FROM), so sender-keyed tables get no fixed-local-domain proof.
BCC_MAPS = {"recipient_bcc_maps": "recipient", "sender_bcc_maps": "sender"}
# Table types that can answer with text taken from the key: patterns with substitutions, and
# servers whose answers nobody here can read.
STEERABLE_TYPES = frozenset({"regexp", "pcre", "tcp", "socketmap"})
_WRAPPERS = frozenset({"pipemap", "unionmap"})
# A remote address written the ways a local part can carry one.
PROBE_PAYLOADS = ("victim.at.gmail.test", "victim=gmail.test", "victim+gmail.test", "victim_at_gmail.test",
                  "victim#gmail.test", "victim-at-gmail.test", "gmail.test=victim")
ROUTED_PAYLOADS = ("victim%gmail.test", "gmail.test!victim")
_TARGET = "gmail.test"  # the remote domain every payload carries
# (A text, compiled by re's own cache when a pattern's result is read: most policies have none.)
_SUBSTITUTION = r"\$(?:(\d)|\{(\d+)\}|\((\d+)\))"


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
    keyed_by: str = "recipient"  # what `recipient` is in the request: the RCPT TO, or the MAIL FROM
    # The table's contents cannot be read here (tcp, socketmap, a pattern file): an assumption, not a finding.
    opaque: bool = False


def steerable_rewrites(words: Callable[[str], tuple[str, ...]], local_domains: list[str],
                       remote: Callable[[str], bool]) -> list[Rewrite]:
    """Return every recipient rewriting table by which a client may choose a remote destination.

    `words(parameter)` gives a parameter's expanded list; `remote(address)` tells whether an
    address resolves outside this server's final destinations.
    """
    found = []
    # A quoted local part is read for routing only with resolve_dequoted_address=yes (the default):
    # the proof that a fixed-local-domain rule stays local needs it (stays_local).
    dequoted = "no" not in (w.lower() for w in words("resolve_dequoted_address"))
    for parameter in (*REWRITE_MAPS, *BCC_MAPS):
        keyed_by = BCC_MAPS.get(parameter, "recipient")
        for reference in words(parameter):
            rewrite = _judge(parameter, reference, local_domains, remote, dequoted and keyed_by == "recipient",
                             keyed_by)
            if rewrite is not None:
                found.append(attrs.evolve(rewrite, keyed_by=keyed_by))
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

    def rules(self) -> list[Rule]:
        """Return the match rules of a `pattern` table, read as Postfix reads them (simulate/pattern_table.py)."""
        from mailpolicy.simulate.pattern_table import inline_rules

        return inline_rules(self.type, self.body) if self.kind == "pattern" else []


def tables(reference: str) -> Iterator[Table]:
    """Yield each table a `type:name` reference reads, through proxy:, pipemap:{...} and unionmap:{...}."""
    parsed = table_ref(reference)
    if parsed is None:
        yield Table(reference, reference.partition(":")[0], "exact")
        return
    reference, kind = str(parsed), parsed.type  # through proxy:, the table proxymap opens is the one named
    if kind in _WRAPPERS and parsed.inline:
        for part in split_words(parsed.body):
            yield from (attrs.evolve(table, reference=reference) for table in tables(part))
    elif kind not in STEERABLE_TYPES:
        yield Table(reference, kind, "exact")
    elif kind in ("regexp", "pcre") and parsed.inline:
        yield Table(reference, kind, "pattern", parsed.body)
    else:
        yield Table(reference, kind, "opaque")


def apply_rules(rules: list[Rule], address: str) -> tuple[str, list[str]] | None:
    """Return the first matching rule's result and the addresses it gives for `address` (None: no rule matches,
    or a rule Python cannot read comes first)."""
    from mailpolicy.simulate.pattern_table import UNREADABLE, lookup

    # regexp_table(5), pcre_table(5): the first rule whose patterns (and enclosing ifs) hold decides.
    found = lookup(rules, address)
    if found is None or found is UNREADABLE:
        return None
    rule, addresses = found
    return rule.result, addresses


def _judge(parameter: str, reference: str, local_domains: list[str], remote: Callable[[str], bool],
           dequoted: bool = True, keyed_by: str = "recipient") -> Rewrite | None:
    # A table the model cannot read is an assumption (it may answer "not found"); a pattern rule
    # seen to relay is a finding whichever table comes first, so it is looked for first.
    opaque = None
    for table in tables(reference):
        if table.kind == "opaque":
            opaque = opaque or Rewrite(parameter, table.reference,
                                       "its contents are not known and may return the client's text", opaque=True)
        if table.kind == "pattern":
            found = _judge_inline(parameter, table.reference, table.rules(), local_domains, remote, dequoted,
                                  keyed_by)
            if found is not None:
                return found
    return opaque


def _judge_inline(parameter: str, reference: str, rules: list[Rule], local_domains: list[str],
                  remote: Callable[[str], bool], dequoted: bool = True, keyed_by: str = "recipient") -> Rewrite | None:
    from mailpolicy.simulate.pattern_table import substitutes

    steering = [rule for rule in rules if substitutes(rule.result)
                and not (dequoted and stays_local(rule, remote))]
    if not steering:
        return None
    # A recipient key must be one smtpd accepts (a local address); a sender key may be anything.
    domains = local_domains if keyed_by == "recipient" else [*local_domains, "elsewhere.test"]
    # A sender may carry routing itself (`victim%gmail.test@...`): smtpd refuses it only as a recipient.
    payloads = PROBE_PAYLOADS if keyed_by == "recipient" else (*PROBE_PAYLOADS, *ROUTED_PAYLOADS)
    for domain in domains:
        for payload in payloads:
            recipient = f"{payload}@{domain}"
            hit = apply_rules(rules, recipient)
            if hit is None or not substitutes(hit[0]) or (keyed_by == "recipient" and remote(recipient)):
                continue
            for result in hit[1]:
                # The client chose the destination when its text made the domain (a fixed remote
                # domain with the client's local part is the administrator's forwarding).
                chosen = _TARGET in (result.lower() if payload in ROUTED_PAYLOADS else result.rpartition("@")[2].lower())
                if remote(result) and chosen:
                    return Rewrite(parameter, reference, f"it rewrites <{recipient}> to <{result}>", True,
                                   recipient, result)
    return Rewrite(parameter, reference, "its result is built from the client's text ($1-style substitution)")


def stays_local(rule: Rule, remote: Callable[[str], bool]) -> bool:
    """Tell whether every address a rule gives is at a fixed local domain, its captured text in the local part only.

    Why that cannot relay: smtpd accepts for a local domain only a recipient whose local part has
    no sender-specified routing (src/global/resolve_clnt.h RESOLVE_FLAG_ROUTED: `@`, `%` with
    allow_percent_hack, `!` with swap_bangpath, a quoted `@` with resolve_dequoted_address=yes;
    src/smtpd/smtpd_check.c permit_auth_destination refuses a routed address), and the key
    cleanup looks up is that address, with its one `@`. A group the pattern takes before a
    literal `@` of its top level lies inside that local part, so it carries no routing either,
    and `text@fixed-local-domain` built from it resolves to this server. Rules with captured
    text after the `@`, in the domain, or beside a literal routing character are not covered.
    """
    from mailpolicy.simulate.pattern_table import substitutes

    groups = _groups_before_at(rule.pattern)
    if groups is None:
        return False
    for address in re.split(r"[,\s]+", rule.result):
        if not address:
            continue
        local, at, domain = address.rpartition("@")
        if not substitutes(address):
            continue
        if not at or substitutes(domain) or remote(f"postmaster@{domain}"):
            return False
        literal = re.sub(_SUBSTITUTION, "", local.replace("$$", ""))
        if any(ch in literal for ch in '@%!"\\'):
            return False
        used = {int(next(g for g in m.groups() if g)) for m in re.finditer(_SUBSTITUTION, local.replace("$$", ""))}
        if not used <= groups:
            return False
    return True


def _groups_before_at(pattern: re.Pattern | None) -> set[int] | None:
    """Return the groups of a pattern that stand, at its top level, before a literal `@` (None: unreadable)."""
    if pattern is None:
        return None
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    try:
        items = list(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - whatever the parser refuses is simply not covered
        return None
    last_at = max((i for i, (op, av) in enumerate(items) if str(op) == "LITERAL" and av == ord("@")), default=-1)
    found: set[int] = set()
    for op, av in items[:max(last_at, 0)]:
        found |= _group_numbers(op, av)
    return found


def _group_numbers(op, av) -> set[int]:
    numbers: set[int] = set()
    if str(op) == "SUBPATTERN" and av[0] is not None:
        numbers.add(av[0])
    stack = [av]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            if len(item) == 2 and str(item[0]) == "SUBPATTERN" and item[1][0] is not None:
                numbers.add(item[1][0])
            stack.extend(item)
        elif hasattr(item, "data"):  # SubPattern
            stack.extend(item.data)
    return numbers
