"""Addresses of a virtual alias domain that cleanup leaves in the queue, where only a content filter routes them.

smtpd accepts an address of a virtual alias domain when virtual_alias_maps lists it
(src/smtpd/smtpd_check.c check_rcpt_maps); cleanup(8) then replaces it with the table's result,
recursively (src/cleanup/cleanup_map1n.c cleanup_map1n_internal), stopping at an address with no
entry of its own, and at one that expanded into itself ("Allow an address to expand into itself
once"). Such a result, still in a virtual alias domain, is queued as it is. The resolver sends it to
the error transport ("User unknown in virtual alias table": src/trivial-rewrite/resolve.c), so
without a content filter it bounces. But a content filter replaces the resolver for every recipient
(src/qmgr/qmgr_message.c), and one without a nexthop (`content_filter = smtp:`, with
default_filter_nexthop empty) is given the recipient's own domain: the mail goes to that domain's
mail servers. The transport check (checks/transports.py) judges those routes.

Read here: the exact-key virtual_alias_maps tables whose contents are known (inline, hash, ...),
their `user@domain` keys and `@domain` catch-alls, looked up as cleanup does
(src/global/mail_addr_map.c: the address, the address without its extension, `@domain`). A pattern
or unreadable alias table is the rewriting checks' (docs/proof.md "Rewriting after smtpd
accepted"); an expansion through one stops here.
"""

from __future__ import annotations

import re

from mailpolicy.simulate.address import DomainClass
from mailpolicy.simulate.lookup import UNKNOWN, Maps, split_local

_EXPANSION_LIMIT = 100  # virtual_alias_recursion_limit (postconf(5) default 1000; a bound, not a rule)


def queued_in_alias_domains(model) -> list[tuple[str, str]]:
    """Return (an address smtpd accepts, an address cleanup queues for it in a virtual alias domain)."""
    refs = model.config.words("virtual_alias_maps")
    maps = Maps(model.tables, refs)
    accepted: list[str] = []
    for ref in refs:
        table = model.tables.table(ref)
        if table is None or table.kind in ("static", "cidr"):
            continue
        for key in table.entries:
            local, at, domain = key.rpartition("@")
            if at and domain:
                accepted.append(key if local else f"victim@{domain}")
    found = []
    for address in dict.fromkeys(accepted):
        if _in_alias_domain(model, address):
            found.extend((address, queued) for queued in _expanded(model, maps, address)
                         if _in_alias_domain(model, queued))
    return list(dict.fromkeys(found))


def _in_alias_domain(model, address: str) -> bool:
    return "@" in address and model.resolver.resolve(address).domain_class is DomainClass.VIRTUAL_ALIAS


def _expanded(model, maps: Maps, address: str) -> list[str]:
    """Return the addresses cleanup queues for `address` (cleanup_map1n_internal), [] when a lookup is unknown."""
    delimiter = model.config.value("recipient_delimiter")
    queued: list[str] = []
    pending = [address]
    expanded_into_itself: set[str] = set()
    steps = 0
    while pending:
        current = pending.pop(0)
        steps += 1
        if steps > _EXPANSION_LIMIT:
            return []  # cleanup defers the message ("unreasonable virtual_alias_maps map nesting")
        if current.lower() in expanded_into_itself:
            queued.append(current)
            continue
        local, _at, domain = current.rpartition("@")
        base, extension = split_local(local, delimiter)
        keys = [current] + ([f"{base}@{domain}"] if extension else []) + [f"@{domain}"]
        _key, value = maps.search(keys)
        if value is UNKNOWN:
            return []
        if value is None:
            queued.append(current)
            continue
        for result in (r for r in re.split(r"[,\s]+", value) if r):
            if result.lower() == current.lower():
                expanded_into_itself.add(current.lower())
            pending.append(result)
    return queued
