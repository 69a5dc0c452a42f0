"""Import hosted domains, their mailboxes and aliases, LMTP delivery and backup MX domains as statements.

A configuration is imported this way only when the statements say exactly what it does: plain
domain names in virtual_mailbox_domains and relay_domains, `lmtp:unix:SOCKET` in virtual_transport,
and one readable table (of the types the language writes) in each of virtual_mailbox_maps,
virtual_alias_maps and relay_recipient_maps, with addresses as keys. Anything else is left to the
`set` lines as before, parameter group by parameter group, so nothing changes meaning: a hosted
domain imported without its mailbox table would refuse every recipient.
"""

from __future__ import annotations

from mailpolicy.importer import spelling as say
from mailpolicy.importer.blocks import Block
from mailpolicy.load.files import read_source
from mailpolicy.model import values
from mailpolicy.model.hosted import mailbox_address
from mailpolicy.postfix.table_refs import through_proxy
from mailpolicy.postfix.tables import read_text_table, table_reference


def hosting_blocks(t) -> tuple[list[Block], set[str]]:
    """Return the hosting statements a configuration means, and the parameters they stand for."""
    blocks: list[Block] = []
    consumed: set[str] = set()
    mailboxes: list[str] = []
    hosted = _domains(t, "virtual_mailbox_domains")
    mailbox_table = _table(t, "virtual_mailbox_maps")
    transport = _lmtp_socket(t)
    if hosted and mailbox_table is not None and transport is not None:
        mailboxes += [key for key in mailbox_table if key.rpartition("@")[2] in hosted]
        blocks.append(Block((say.hosted_domains(hosted), say.deliver_lmtp(transport)),
                            origins=_origins(t, "virtual_mailbox_domains", "virtual_transport")))
        consumed |= {"virtual_mailbox_domains", "virtual_mailbox_maps", "virtual_transport"}
    backup = _domains(t, "relay_domains")
    recipients = _table(t, "relay_recipient_maps")
    if backup and recipients is not None:
        mailboxes += [key for key in recipients if key.rpartition("@")[2] in backup]
        blocks.append(Block((say.backup_mx(backup),), origins=_origins(t, "relay_domains")))
        consumed |= {"relay_domains", "relay_recipient_maps"}
    if mailboxes:
        blocks.append(Block((say.mailboxes(dict.fromkeys(mailboxes)),)))
    # `alias` is what cleanup rewrites to, and cleanup reads main.cf's virtual_alias_maps, never the
    # main smtpd's own -o of it, which only changes which recipients smtpd counts as listed
    # (postfix/daemons.py READ_BY_BOTH): the statements say main.cf's value, and master.cf keeps the -o.
    aliases = _table(t, "virtual_alias_maps", t.main_view)
    if aliases is not None and _alias_targets(aliases) is not None:
        blocks.append(Block(_alias_lines(aliases, set(mailboxes)), origins=_origins(t, "virtual_alias_maps")))
        consumed.add("virtual_alias_maps")
    return blocks, consumed


def _domains(t, name: str) -> list[str] | None:
    """Return the plain domain names of a list parameter, or None when it holds anything else."""
    words = t.view.words(name)
    if not words or not t.view.is_set(name):
        return None
    try:
        return [values.domain(w.text) for w in words]
    except values.ValueProblem:
        return None  # `$mydestination`, a table, `.domain`: only a `set` line says it exactly


def _lmtp_socket(t) -> str | None:
    words = t.view.words("virtual_transport")
    if len(words) != 1 or not words[0].text.startswith("lmtp:unix:"):
        return None
    try:
        return values.path(words[0].text.removeprefix("lmtp:unix:"))
    except values.ValueProblem:
        return None


def _table(t, name: str, view=None) -> dict[str, str] | None:
    """Return the entries of the one readable table a parameter names (as `view` sees it, by default the
    main service), keys lower-cased; else None."""
    words = (view or t.view).words(name)
    if len(words) != 1:
        return None
    reference = table_reference(words[0].text)
    if reference is None or reference[0] not in values.MAP_TYPES or through_proxy(words[0].text):
        return None
    where = t.ctx.files.readable_table(reference[1])
    if where is None:
        return None
    source, problems = read_source(where, str(where), None)
    if source is None or problems:
        return None
    entries = {key.lower(): value for key, value in read_text_table(source.text).items()}
    try:
        for key in entries:
            values.address(key)
    except values.ValueProblem:
        return None  # a bare `user` key, a regexp: the statements cannot say it
    return entries


def _alias_targets(entries: dict[str, str]) -> list[list[str]] | None:
    try:
        return [[mailbox_address(target) for target in value.replace(",", " ").split()] for value in entries.values()]
    except values.ValueProblem:
        return None  # a target such as a bare local name or a pipe: only `set` keeps it


def _alias_lines(entries: dict[str, str], mailboxes: set[str]) -> tuple[str, ...]:
    catch_all = {key[1:] for key in entries if key.startswith("@")}
    lines = []
    for key, value in entries.items():
        targets = value.replace(",", " ").split()
        # The entry a mailbox of a catch-all domain gets to itself is the compiler's to write (virtual(5)).
        if targets == [key] and key in mailboxes and key.rpartition("@")[2] in catch_all:
            continue
        lines.append(say.alias(key, targets))
    return tuple(lines)


def _origins(t, *names: str) -> tuple:
    return tuple(span for span in (t.origin_span(name) for name in names) if span is not None)
