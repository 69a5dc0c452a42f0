"""Where Postfix hands an accepted recipient: its transport and nexthop, as trivial-rewrite and qmgr choose them.

Followed from Postfix 3.7's source:

- src/trivial-rewrite/resolve.c resolve_addr(): the address class picks the transport. A domain
  of $mydestination (or an address literal of $inet_interfaces) goes to $local_transport, a
  $virtual_mailbox_domains domain to $virtual_transport, each with the recipient's domain as
  nexthop; a `transport:nexthop` value replaces the nexthop ("An explicit main.cf
  transport:nexthop setting overrides the nexthop"). $relayhost applies only to the relay and
  default classes (off-host mail), never to these two. A virtual alias domain's recipient is
  rewritten by cleanup before it is queued, so its result is what is resolved (the rewriting
  checks judge it); transport_maps never overrides that class.
- src/trivial-rewrite/transport.c transport_lookup(): transport_maps is searched with the full
  address, the address without its extension, the domain, then its parents (`.parent` unless
  transport_maps is in parent_domain_matches_subdomains, then `parent`), and last the `*`
  entry. Each key is tried in every table before the next key (maps_find). A pattern table
  (regexp, pcre) sees only the full address and `*` (a partial key is looked up only in tables
  with DICT_FLAG_FIXED: src/global/mail_addr_find.c). update_entry(): `transport:` resets the
  nexthop to the recipient domain, `:nexthop` keeps the transport, `transport:nexthop` sets both.
- src/qmgr/qmgr_message.c qmgr_message_resolve(): a content filter (content_filter, or an
  access table's FILTER action, src/smtpd/smtpd_check.c check_table_result) overrides the
  resolver for every recipient of the message: `transport:nexthop`, and without a nexthop
  $default_filter_nexthop, else the recipient's domain.
"""

from __future__ import annotations

from mailpolicy.frozen import frozen
from mailpolicy.simulate.address import DomainClass
from mailpolicy.simulate.lookup import UNKNOWN, domain_keys, pattern_table, split_local

CLASS_TRANSPORTS = {DomainClass.LOCAL: "local_transport", DomainClass.VIRTUAL_MAILBOX: "virtual_transport"}
# Off-host classes too, for smtpd's own use of the route (undeliverable() below).
_ALL_TRANSPORTS = {**CLASS_TRANSPORTS, DomainClass.RELAY: "relay_transport", DomainClass.DEFAULT: "default_transport"}
# The transports whose nexthop is a reason, not a host (transport.c update_entry, smtpd_check.c check_rcpt_maps).
UNDELIVERABLE = ("error", "retry")


@frozen
class Route:
    """One way mail for a recipient leaves the queue manager: a transport, its nexthop, and who chose it."""

    transport: str
    nexthop: str  # as the delivery agent gets it; the recipient's domain when nothing else was given
    chosen_by: str  # the parameter that chose it (local_transport, transport_maps, content_filter, ...)
    table: str | None = None  # the transport_maps table whose entry chose it


@frozen
class Unread:
    """transport_maps holds a table whose answer for the recipient cannot be read here."""

    table: str


def split_transport(value: str) -> tuple[str, str]:
    """Split `transport:nexthop` at the first colon (resolve.c split_at), ("", "") for an empty value."""
    transport, _colon, nexthop = value.strip().partition(":")
    return transport.strip(), nexthop.strip()


def class_route(model, domain_class: DomainClass, domain: str) -> Route | None:
    """Return the route $local_transport or $virtual_transport gives a domain of its class (None: another class)."""
    parameter = CLASS_TRANSPORTS.get(domain_class)
    if parameter is None:
        return None
    transport, nexthop = split_transport(model.config.value(parameter))
    return Route(transport, nexthop or domain, parameter)


def mapped_route(model, address: str, route: Route) -> Route | Unread:
    """Return the route after transport_maps (transport.c transport_lookup); the same route when no entry matches."""
    refs = model.config.words("transport_maps")
    if not refs:
        return route
    local, _at, domain = address.rpartition("@")
    base, extension = split_local(local, model.config.value("recipient_delimiter"))
    full = [address] + ([f"{base}@{domain}"] if extension else [])
    partial = domain_keys(domain, model.parent_matches("transport_maps"))
    for key, whole in [*((k, True) for k in full), *((k, False) for k in partial), ("*", True)]:
        for ref in refs:
            found = _find(model, ref, key, whole)
            if found is UNKNOWN:
                return Unread(ref)
            if found is not None:
                return updated_route(route, found, domain, ref)
    return route


def undeliverable(model, resolved) -> Route | None:
    """Return the route of an address the resolver sends to `error` or `retry`, else None.

    src/smtpd/smtpd_check.c check_rcpt_maps() (smtpd_reject_unlisted_recipient and _sender): after
    the canonical and virtual alias maps, "anything that resolves to the error mailer is known to be
    undeliverable": 550 with the nexthop's text (its DSN when it starts with one); `retry` gives
    450. The resolver's route includes transport_maps (smtpd asks trivial-rewrite). A virtual
    alias domain always resolves to error ("User unknown in virtual alias table"): the alias
    table's own check decides it. A sender-dependent default transport, or a transport table
    that cannot be read, is not known here: None.
    """
    if resolved.domain_class is DomainClass.VIRTUAL_ALIAS:
        return None
    if resolved.domain_class is DomainClass.DEFAULT and model.config.words("sender_dependent_default_transport_maps"):
        return None
    parameter = _ALL_TRANSPORTS[resolved.domain_class]
    transport, nexthop = split_transport(model.config.value(parameter))
    route = mapped_route(model, resolved.address, Route(transport, nexthop or resolved.domain, parameter))
    return route if isinstance(route, Route) and route.transport in UNDELIVERABLE else None


def filter_route(model, value: str, domain: str, chosen_by: str) -> Route:
    """Return where a content filter (`transport:nexthop`) sends a recipient at `domain` (qmgr_message.c)."""
    transport, nexthop = split_transport(value)
    return Route(transport, nexthop or model.config.value("default_filter_nexthop").strip() or domain, chosen_by)


def transport_rules(ref: str) -> list | None:
    """Return the rules of an inline pattern table as transport_maps reads them (None: not one).

    trivial-rewrite opens transport_maps with DICT_FLAG_NO_REGSUB (src/trivial-rewrite/transport.c
    transport_pre_init), and dict_regexp.c/dict_pcre.c then skip every rule whose result uses `$1`
    ("regular expression substitution is not allowed: skipping this rule", measured on 3.7.11:
    tests/corpus/adversarial/transport-10.case): the client's text never names a transport or host.
    """
    table = pattern_table(ref)
    return None if table is None else [rule for rule in table.rules if not rule.substitutes()]


def _find(model, ref: str, key: str, whole: bool):
    rules = transport_rules(ref)
    if rules is not None:
        if not whole:
            return None
        from mailpolicy.simulate.pattern_table import UNREADABLE, lookup

        found = lookup(rules, key)
        return UNKNOWN if found is UNREADABLE else None if found is None else found[0].result
    table = model.tables.table(ref)
    return UNKNOWN if table is None else table.find(key)


def updated_route(route: Route, value: str, domain: str, ref: str) -> Route:
    transport, nexthop = split_transport(value)
    if not transport:  # `:nexthop` keeps the transport; a bare `:` changes nothing
        return Route(route.transport, nexthop or route.nexthop, "transport_maps", ref)
    if not nexthop:
        nexthop = "Address is undeliverable" if transport in UNDELIVERABLE else domain
    return Route(transport, nexthop, "transport_maps", ref)


def final_domains(model) -> tuple[list[tuple[str, str]], list[tuple[str, str, DomainClass]]]:
    """Return the domains $mydestination and $virtual_mailbox_domains name (with the parameter), and the
    tables among them whose contents cannot be read here (parameter, table, class)."""
    domains: list[tuple[str, str]] = []
    unread: list[tuple[str, str, DomainClass]] = []
    for parameter, domain_class in (("mydestination", DomainClass.LOCAL),
                                    ("virtual_mailbox_domains", DomainClass.VIRTUAL_MAILBOX)):
        for word in model.config.words(parameter):
            if word.startswith("!"):
                continue
            if ":" not in word and not word.startswith("/"):
                name = word.strip(".").lower()
                if name and "$" not in name:
                    domains.append((name, parameter))
                continue
            table = None if word.startswith("/") or pattern_table(word) else model.tables.table(word)
            if table is None or table.kind in ("static", "cidr"):
                unread.append((parameter, word, domain_class))
            else:
                domains.extend((key.strip(".").lower(), parameter) for key in table.entries if key.strip("."))
    return list(dict.fromkeys(domains)), unread


def access_filters(model, lists: dict[str, tuple[str, ...]]) -> list[tuple[str, str, str]]:
    """Return (list, table, `transport:nexthop`) of each FILTER action an access table in the lists can give.

    smtpd_check.c check_table_result(): `FILTER transport:destination` sets the message's content
    filter, which qmgr then uses for every recipient instead of the resolver. Tables whose contents
    cannot be read here are left to the access assumptions (MP326).
    """
    from mailpolicy.postfix.restriction_lists import entries
    from mailpolicy.simulate.rewrite import tables

    found = []
    seen: set[str] = set()
    for parameter, words in lists.items():
        for entry in entries(words):
            if not (entry.argument and entry.name.startswith("check_") and entry.name.endswith("_access")):
                continue
            for table in tables(entry.argument):
                if table.reference in seen:
                    continue
                seen.add(table.reference)
                if table.kind == "pattern":
                    values = [rule.result for rule in table.rules()]
                else:
                    known = model.tables.table(table.reference)
                    values = list(known.entries.values()) if known is not None else []
                for value in values:
                    action, _space, target = value.strip().partition(" ")
                    if action.upper() == "FILTER" and ":" in target:
                        found.append((parameter, table.reference, target.strip()))
    return found


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
    """The recipients at each domain whose routes decide where its mail goes: one per answer transport_maps can give.

    The transport check (checks/transports.py) asks, for a domain smtpd accepts from anyone, where
    each recipient at it is handed (the functions above). The route depends on the recipient only
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
    fixed text: transport_maps skips rules that use `$1`, transport_rules above), so
    judging the witnesses judges every address - except in a table whose patterns the automata cannot
    read (back-references, look-around, case-sensitive patterns, ...: pattern_witness.py lists them).
    Its rules are returned as `Unsolved`: their routes are known, but not which addresses at the
    domain reach them, and the check cannot take them as safe.
    """

    def __init__(self, model, filter_tables: list[str] = ()) -> None:
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
        # Access tables with a FILTER action, when written as pattern tables: a recipient per class too,
        # so a FILTER only some recipients meet is met (an unsolved one is judged by the check itself).
        self.filters = [tuple(table.rules) for ref in filter_tables if (table := pattern_table(ref)) is not None]

    def at(self, domain: str) -> tuple[list[str], list[Unsolved]]:
        """Return the addresses at `domain` to try (a fresh one, postmaster, table keys, one per pattern class)
        and the pattern rules those addresses do not decide."""
        found = [f"victim@{domain}", f"postmaster@{domain}", *self.keys.get(domain, ())]
        unsolved: list[Unsolved] = []
        if not (self.patterns or self.filters):
            return found, unsolved
        from mailpolicy.simulate.pattern_witness import witnesses_at  # only with a pattern table (start-up)

        for ref, rules in self.patterns:
            keys = witnesses_at(rules, domain)
            if keys is None:
                unsolved += [Unsolved(ref, rule.line, rule.result) for rule in rules]
            else:
                found += keys
        for rules in self.filters:
            found += witnesses_at(rules, domain) or ()
        return list(dict.fromkeys(found)), unsolved

