"""Plan the parameters and tables of hosted domains, aliases and backup MX domains.

Postfix's address classes (ADDRESS_CLASS_README): a domain is local (mydestination), virtual
alias, virtual mailbox (virtual_mailbox_domains) or relay (relay_domains). Each class has its own
recipient table, which smtpd consults at RCPT TO when `smtpd_reject_unlisted_recipient = yes`
(the default; src/smtpd/smtpd_check.c check_rcpt_maps): virtual_mailbox_maps for hosted domains,
relay_recipient_maps for relay domains, and virtual_alias_maps for every domain. Unknown
recipients are therefore refused during the SMTP session, never accepted and bounced later.
"""

from __future__ import annotations

import posixpath

from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import Parameter, TablePlan
from mailpolicy.plan.sasl_path import resolve_socket_path

MAILBOX_TABLE = "virtual_mailboxes"
ALIAS_TABLE = "virtual_aliases"
RELAY_RECIPIENT_TABLE = "relay_recipients"


def plan_hosting(policy: Policy, sql: list = ()) -> tuple[list[Parameter], list[TablePlan]]:
    """Return the main.cf parameters and the tables the hosting statements compile to.

    `sql`: the pgsql tables of `hosted domains from`, `mailboxes from` and `aliases from`
    (plan/database.py), named after the policy's own list or table in the same parameter.
    """
    hosted = policy.hosted
    from_database = {kind: [t for t in sql if t.source.kind == kind] for kind in ("domains", "mailboxes", "aliases")}
    if hosted.empty and not sql:
        return [], []
    # The tables live beside the sender map, of its type: a site that chose lmdb (Debian's
    # hash is Berkeley DB, absent on some systems) gets lmdb for all of them.
    kind, sender_path = policy.sender_map.value
    folder = posixpath.dirname(sender_path)
    params: list[Parameter] = []
    tables: list[TablePlan] = []
    hosted_names = hosted.domain_names()
    if hosted.domains or from_database["domains"]:
        first = hosted.domains[0].span if hosted.domains else from_database["domains"][0].source.span
        listed = [d.value for d in hosted.domains] + [t.reference for t in from_database["domains"]]
        params.append(Parameter("virtual_mailbox_domains", ", ".join(listed),
                                "hosted domains: delivered to mailboxes, not to Unix users", first,
                                statement="hosted domains"))
        mailboxes = {m.value: "OK" for m in hosted.mailboxes if _domain(m.value) in hosted_names}
        table = TablePlan(kind, posixpath.join(folder, MAILBOX_TABLE), mailboxes, "virtual_mailbox_maps",
                          "the mailboxes of the hosted domains (smtpd refuses other recipients at RCPT TO)")
        tables.append(table)
        params.append(Parameter("virtual_mailbox_maps", ", ".join(
            [table.reference] + [t.reference for t in from_database["mailboxes"]]),
            "the recipients that exist: unknown ones are refused during the session, so nothing is accepted "
            "and bounced later", first, statement="hosted domains"))
    if hosted.lmtp is not None:
        resolved = resolve_socket_path(hosted.lmtp.value, policy.chroot.value)
        if resolved.value is not None:
            where = f"inside the chroot {policy.chroot.value}" if policy.chroot.value else "lmtp is not chrooted"
            params.append(Parameter("virtual_transport", f"lmtp:unix:{resolved.value}",
                                    f"hosted mail goes to the LMTP server (Dovecot) at this socket, relative to "
                                    f"the queue directory ({where})", hosted.lmtp.span, statement="deliver to lmtp"))
    if hosted.aliases or from_database["aliases"]:
        references = [t.reference for t in from_database["aliases"]]
        if hosted.aliases:
            table = TablePlan(kind, posixpath.join(folder, ALIAS_TABLE), _alias_entries(policy), "virtual_alias_maps",
                              "aliases: address (or @domain, a catch-all) -> where its mail goes")
            tables.append(table)
            references.insert(0, table.reference)
        span = hosted.aliases[0].span if hosted.aliases else from_database["aliases"][0].source.span
        params.append(Parameter("virtual_alias_maps", ", ".join(references), "aliases, forwarding and catch-alls "
                                "(they give nobody the right to send as them)", span, statement="alias"))
    if hosted.backup_domains:
        first = hosted.backup_domains[0].span
        backup_names = hosted.backup_names()
        params.append(Parameter("relay_domains", ", ".join(d.value for d in hosted.backup_domains),
                                "backup MX: mail for these domains is accepted and passed on to their primary MX",
                                first, statement="backup mx for"))
        recipients = {m.value: "OK" for m in hosted.mailboxes if _domain(m.value) in backup_names}
        table = TablePlan(kind, posixpath.join(folder, RELAY_RECIPIENT_TABLE), recipients, "relay_recipient_maps",
                          "the recipients of the backup MX domains (smtpd refuses others at RCPT TO)")
        _add_table(params, tables, table, "backup MX recipients: unknown ones are refused during the session, "
                   "not accepted and bounced by this host later (backscatter)", first, "backup mx for")
    return params, tables


def _add_table(params: list[Parameter], tables: list[TablePlan], table: TablePlan, reason: str, span,
               statement: str) -> None:
    tables.append(table)
    params.append(Parameter(table.parameter, table.reference, reason, span, statement=statement))


def _alias_entries(policy: Policy) -> dict[str, str]:
    hosted = policy.hosted
    entries = {rule.address: ", ".join(rule.targets) for rule in hosted.aliases}
    # virtual(5): a `@domain` catch-all is tried after `user@domain` but before the mailbox
    # table is ever consulted, so it would take the mail of every mailbox of its domain. Each
    # mailbox of a catch-all domain therefore gets an entry to itself, as virtual(5) advises.
    catch_all = {rule.address[1:] for rule in hosted.aliases if rule.address.startswith("@")}
    for mailbox in hosted.mailboxes:
        if _domain(mailbox.value) in catch_all:
            entries.setdefault(mailbox.value, mailbox.value)
    return entries


def _domain(address: str) -> str:
    return address.rpartition("@")[2]
