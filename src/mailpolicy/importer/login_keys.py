"""Bare `user` keys of a deployed login map: which of them the compile of the imported lines writes itself.

smtpd tries the bare local part of a sender at a local domain after `user@domain`
(src/global/mail_addr_find.c), and the compiler writes that key for every local part owned at a
local domain, with the owners it has at all of them (plan/sender_map.py, docs/language.md "Local
domains are one namespace"). A deployed bare key with exactly those owners is therefore kept by the
imported `allow user` lines; any other (`root root` with no `root@` line, or other owners) is not
something the language says, and stays a located warning (MP709).
"""

from __future__ import annotations

from mailpolicy.audit.login_map import LoginTable
from mailpolicy.source import Span


def lost_bare_keys(table: LoginTable, local_names: frozenset[str]) -> tuple[Span, ...]:
    """Return the bare keys of the table the imported `allow user` lines would not write again."""
    if not table.bare_keys or table.source is None:
        return table.bare_keys
    owned: dict[str, set[str]] = {}
    for owner in table.owners:
        local_part, _at, domain = owner.address.rpartition("@")
        if local_part and domain in local_names:
            owned.setdefault(local_part, set()).add(owner.login.lower())
    lines = table.source.text.split("\n")
    lost = []
    for span in table.bare_keys:
        key, *value = lines[span.line - 1].replace(",", " ").split()
        logins = {name.lower() for name in value}
        if owned.get(key.lower()) != logins:
            lost.append(span)
    return tuple(lost)
