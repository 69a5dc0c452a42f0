"""Check the hosting statements: address classes, delivery, recipient validation, aliases and senders."""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.plan.sasl_path import PathVerdict, resolve_socket_path
from mailpolicy.postfix.restriction_lists import split_words


def check_address_classes(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Refuse a domain stated in two address classes (MP370).

    trivial-rewrite resolves a domain to the first class that lists it (src/trivial-rewrite/
    resolve.c: mydestination, then virtual_alias_domains, virtual_mailbox_domains, relay_domains),
    so the second statement would silently mean nothing; Postfix says so only in the log, when
    mail arrives ("do not list domain X in BOTH mydestination and virtual_mailbox_domains").
    """
    policy = ctx.policy
    classes = (("local domains", [(d.value, d.span) for d in policy.local_domains]),
               ("hosted domains", [(d.value, d.span) for d in policy.hosted.domains]),
               ("backup mx for", [(d.value, d.span) for d in policy.hosted.backup_domains]))
    first: dict[str, tuple[str, object]] = {}
    for statement, names in classes:
        for name, span in names:
            if name not in first:
                first[name] = (statement, span)
                continue
            earlier, earlier_span = first[name]
            yield cat.DOMAIN_TWO_CLASSES.at(
                span, f"`{name}` is already in `{earlier}`; Postfix would treat it as {_meaning(earlier)} and "
                      f"ignore this line",
                hint="a domain is local (Unix users), hosted (mailboxes) or backed up for another MX: keep it on one line",
                related=(Related(earlier_span, "first stated here"),))


def _meaning(statement: str) -> str:
    return {"local domains": "a local domain (mydestination)", "hosted domains": "a hosted domain",
            "backup mx for": "a backup MX domain"}[statement]


def check_hosted_delivery(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Hosted domains need an LMTP socket, reachable from the chroot (MP371, MP376, MP377)."""
    hosted, chroot = ctx.policy.hosted, ctx.policy.chroot.value
    first = hosted.domains[0].span if hosted.domains else next(
        (t.span for t in ctx.policy.tables_of("domains")), None)
    if first is not None and hosted.lmtp is None:
        yield cat.HOSTED_WITHOUT_DELIVERY.at(
            first, "hosted domains are stated but not where their mail is delivered",
            hint="add `deliver to lmtp private/dovecot-lmtp` (Dovecot's `service lmtp { unix_listener "
                 "/var/spool/postfix/private/dovecot-lmtp ... }`)")
    if hosted.lmtp is None:
        return
    resolved = resolve_socket_path(hosted.lmtp.value, chroot)
    if PathVerdict.OUTSIDE_CHROOT in resolved.verdicts:
        yield cat.LMTP_OUTSIDE_CHROOT.at(
            hosted.lmtp.span, f"`{hosted.lmtp.value}` is outside {chroot}, where Postfix's lmtp client is chrooted; "
                              f"it would look for {chroot}{hosted.lmtp.value}",
            hint=f"have Dovecot's LMTP listen in {chroot}/private/ and write `deliver to lmtp private/dovecot-lmtp`; "
                 "or say `chroot off` if master.cf does not chroot lmtp")
    elif PathVerdict.MADE_RELATIVE in resolved.verdicts:
        yield cat.LMTP_MADE_RELATIVE.at(
            hosted.lmtp.span, f"the lmtp client runs chrooted in {chroot}, so `{hosted.lmtp.value}` is written as "
                              f"`{resolved.value}`",
            hint="lmtp opens the socket after chroot(2), relative to the queue directory")


def check_recipients(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Every mailbox is received here; every backup MX domain and hosted domain has recipients (MP372/373/378)."""
    hosted = ctx.policy.hosted
    received = hosted.domain_names() | hosted.backup_names()
    with_recipients = {m.value.rpartition("@")[2] for m in hosted.mailboxes}
    with_aliases = {rule.address.rpartition("@")[2] for rule in hosted.aliases}
    for mailbox in hosted.mailboxes:
        domain = mailbox.value.rpartition("@")[2]
        if domain not in received:
            yield cat.MAILBOX_NOT_RECEIVED.at(
                mailbox.span, f"`{mailbox.value}` is in {domain}, which is neither a hosted nor a backup MX domain",
                hint=f"add `hosted domains {domain}` (or `backup mx for {domain}`); mail for a local domain goes "
                     "to Unix users, which need no mailbox line")
    for domain in hosted.backup_domains:
        if domain.value not in with_recipients:
            yield cat.BACKUP_WITHOUT_RECIPIENTS.at(
                domain.span, f"no mailbox of {domain.value} is stated: this host would accept mail for every "
                             f"address of it and bounce the unknown ones later, to forged senders (backscatter)",
                hint=f"list its recipients: `mailboxes someone@{domain.value}, ...` (they are refused at RCPT TO "
                     "otherwise)")
    for domain in hosted.domains:
        if domain.value not in with_recipients and domain.value not in with_aliases:
            yield cat.HOSTED_DOMAIN_EMPTY.at(
                domain.span, f"{domain.value} has no mailbox and no alias: every recipient of it is refused",
                hint=f"add `mailboxes someone@{domain.value}` or an `alias`")


def check_aliases(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Aliases of domains not received here (MP375); aliases nobody may send as (MP379)."""
    policy = ctx.policy
    received = policy.domain_names | {policy.hostname.value} if policy.hostname else policy.domain_names
    owned = ctx.plan.sender_map.owners if ctx.plan.sender_map is not None else None
    for rule in policy.hosted.aliases:
        domain = rule.address.rpartition("@")[2]
        if domain not in received and not _set_lists_may_name(policy, domain):
            yield cat.ALIAS_NOT_RECEIVED.at(
                rule.address_span, f"`{rule.address}` is in {domain}, which this server does not receive mail for: "
                                   "the alias applies only to mail relayed through it",
                hint=f"add {domain} to `hosted domains` (or `local domains`), or remove the alias")
        if owned is not None and rule.address not in owned and f"@{domain}" not in owned:
            yield cat.ALIAS_GRANTS_NO_SENDING.at(
                rule.address_span, f"`{rule.address}` delivers to {', '.join(rule.targets)}, but that lets none of "
                                   "them send as it: no login owns it",
                hint=f"to let a login send as it, add `allow user LOGIN as {rule.address}`")


# The lists that decide which domains this server receives mail for (trivial-rewrite's address
# classes, resolve.c), when the policy gives them as `set` lines the statements do not read.
_RECEIVING_LISTS = ("mydestination", "virtual_mailbox_domains", "virtual_alias_domains", "relay_domains")


def _set_lists_may_name(policy, domain: str) -> bool:
    """Tell whether a `set` of a receiving list names `domain` (or a parent), or holds what the compiler does
    not read: a /file (one domain a line, simple-nixos-mailserver's virtual_mailbox_domains), a table, a $name."""
    for setting in policy.settings:
        if setting.name not in _RECEIVING_LISTS:
            continue
        for word in split_words(setting.value):
            word = word.lower()
            if word.startswith(("/", "$")) or ":" in word or domain == word or domain.endswith("." + word):
                return True
    return False


def check_hosting_settings(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Refuse a `set` of a parameter a hosting statement decides (MP374)."""
    decided = {p.name: p for p in ctx.plan.parameters if p.statement in _HOSTING_STATEMENTS}
    for setting in ctx.policy.settings:
        parameter = decided.get(setting.name)
        if parameter is None:
            continue
        related = (Related(parameter.source, "decided here"),) if parameter.source else ()
        yield cat.SET_DECIDED_BY_HOSTING.at(
            setting.name_span, f"`{setting.name}` is decided by `{parameter.statement}`",
            hint=f"remove the `set` line; change the `{parameter.statement}` statement instead", related=related)


_HOSTING_STATEMENTS = frozenset({"hosted domains", "deliver to lmtp", "alias", "backup mx for"})
