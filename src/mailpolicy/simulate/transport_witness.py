"""The recipients at a domain whose routes decide where its mail goes: one per answer transport_maps can give.

The transport check (checks/transports.py) asks, for a domain smtpd accepts from anyone, where
each recipient at it is handed (simulate/transport.py). The route depends on the recipient only
through transport_maps (src/trivial-rewrite/transport.c transport_lookup): an exact-key table
answers only for its own keys (each such key at the domain is a recipient here, and a fresh
`victim@` meets none of them), and an inline `regexp:{...}`/`pcre:{...}` table is looked up with
the whole address alone (src/global/mail_addr_find.c: the extension-stripped address and the
domain are partial keys, which a table without DICT_FLAG_FIXED never sees) and then with `*`.

So a pattern table is solved, not sampled, as pattern access tables are
(simulate/pattern_witness.py): the addresses at the domain fall into one class per rule ("rule i
decides": its conditions hold, no earlier rule's do) and "no rule matches", each a regular
language when every pattern is one; the shortest address of every non-empty class is a recipient
here. Every address at the domain gets the answer of its class's witness (a rule's result is
fixed text: transport_maps skips rules that use `$1`, simulate/transport.py transport_rules), so
judging the witnesses judges every address - except in a table whose patterns the automata cannot
read (back-references, look-around, case-sensitive patterns, ...: pattern_witness.py lists them).
Its rules are returned as `Unsolved`: their routes are known, but not which addresses at the
domain reach them, and the check cannot take them as safe.
"""

from __future__ import annotations

from mailpolicy.frozen import frozen
from mailpolicy.simulate.pattern_witness import witnesses_at
from mailpolicy.simulate.transport import transport_rules

# The tables whose keys at a domain are recipients the witness search tries (the route may depend on
# transport_maps' keys; the mailbox and local recipient tables decide whether smtpd accepts them).
_KEYED = ("transport_maps", "virtual_mailbox_maps", "local_recipient_maps")


@frozen
class Unsolved:
    """A transport_maps rule whose recipients at a domain the search cannot name one per route."""

    table: str  # the transport_maps reference
    line: int  # the rule's number within the table
    result: str  # the rule's result, `transport:nexthop`


class TransportRecipients:
    """The recipients to try at each domain, and the transport rules they cannot stand for."""

    def __init__(self, model) -> None:
        self.keys: dict[str, list[str]] = {}
        for parameter in _KEYED:
            for ref in model.config.words(parameter):
                table = model.tables.table(ref)
                for key in (table.entries if table is not None else ()):
                    local, at, domain = key.rpartition("@")
                    if at and local:
                        self.keys.setdefault(domain, []).append(key)
        self.patterns = [(ref, tuple(rules)) for ref in model.config.words("transport_maps")
                         if (rules := transport_rules(ref)) is not None]

    def at(self, domain: str) -> tuple[list[str], list[Unsolved]]:
        """Return the addresses at `domain` to try (a fresh one, postmaster, table keys, one per pattern class)
        and the pattern rules those addresses do not decide."""
        found = [f"victim@{domain}", f"postmaster@{domain}", *self.keys.get(domain, ())]
        unsolved: list[Unsolved] = []
        for ref, rules in self.patterns:
            keys = witnesses_at(rules, domain)
            if keys is None:
                unsolved += [Unsolved(ref, rule.line, rule.result) for rule in rules]
            else:
                found += keys
        return list(dict.fromkeys(found)), unsolved

