"""Is a recipient (or sender) listed as valid for its domain class? (smtpd_reject_unlisted_recipient)

postconf(5): with smtpd_reject_unlisted_recipient = yes (the default) smtpd rejects, after the
restriction lists, a recipient "not listed in the list of valid recipients for its domain
class": local_recipient_maps for $mydestination, virtual_alias_maps, virtual_mailbox_maps,
relay_recipient_maps for $relay_domains. An empty maps parameter checks nothing. Measured on
3.7: `550 5.1.1 <u@example0.com>: Recipient address rejected: User unknown in local recipient
table`, and postmaster@<local domain> is accepted even when no table lists it.

Simplification: the default local_recipient_maps (`proxy:unix:passwd.byname $alias_maps`)
and any other table whose contents were not given are not known here; the recipient is then
assumed to exist (the decision's trace says so) rather than making every decision DEPENDS.
"""

from __future__ import annotations

from mailpolicy.simulate.address import DomainClass, unquote
from mailpolicy.simulate.context import Context, Outcome, dunno, reject
from mailpolicy.simulate.lookup import UNKNOWN, Maps, owner_keys

_CLASS_MAPS = {
    DomainClass.LOCAL: ("local_recipient_maps", "unknown_local_recipient_reject_code", "local recipient table"),
    DomainClass.VIRTUAL_ALIAS: ("virtual_alias_maps", "unknown_virtual_alias_reject_code", "virtual alias table"),
    DomainClass.VIRTUAL_MAILBOX: ("virtual_mailbox_maps", "unknown_virtual_mailbox_reject_code",
                                  "virtual mailbox table"),
    DomainClass.RELAY: ("relay_recipient_maps", "unknown_relay_recipient_reject_code", "relay recipient table"),
}


def unlisted(ctx: Context, address: str, what: str, dsn: str) -> Outcome:
    """Reject an address its domain class's recipient table does not list."""
    resolved = ctx.resolve(address)
    entry = _CLASS_MAPS.get(resolved.domain_class)
    if entry is None:
        return dunno(f"{resolved.domain} is remote: no recipient table applies")
    parameter, code_parameter, label = entry
    maps = Maps(ctx.model.tables, ctx.config.words(parameter))
    if not maps:
        return dunno(f"{parameter} is empty: every address in {resolved.domain} is accepted", (parameter,))
    if resolved.domain_class is DomainClass.LOCAL and resolved.local.lower() == "postmaster":
        return dunno("postmaster of a local domain is always accepted")
    keys = owner_keys(resolved.local.lower(), resolved.domain, resolved.domain_class is DomainClass.LOCAL,
                      ctx.config.value("recipient_delimiter"))
    aliases = Maps(ctx.model.tables, ctx.config.words("virtual_alias_maps"))
    for tables in ((aliases, maps) if aliases and parameter != "virtual_alias_maps" else (maps,)):
        key, found = tables.search(keys)
        if found is UNKNOWN:
            return dunno(f"assumed to exist: the contents of {' '.join(tables.refs)} are not known", (parameter,))
        if found is not None:
            return dunno(f"listed in {parameter} (key {key})", (parameter,))
    code = ctx.config.value(code_parameter).strip() or "550"
    return reject(ctx.reply(code, dsn, f"<{unquote(address)}>: {what} rejected: User unknown in {label}"),
                  f"{parameter} does not list <{resolved.address}>", (parameter,))
