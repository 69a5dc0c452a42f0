"""Hosted (virtual mailbox) domains, their mailboxes and aliases, and backup MX domains, validated.

What `hosted domains`, `mailboxes`, `alias`, `deliver to lmtp` and `backup mx for` say, as one
part of the `Policy`: the values checked and lower-cased (Postfix folds the keys of its indexed
tables, postmap(1)), every one remembering where it was written.
"""

from __future__ import annotations

from typing import Callable

from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.parse import statements as st
from mailpolicy.model import values
from mailpolicy.source import Span


@frozen
class Named:
    """A domain or address as the policy states it, and where."""

    value: str
    span: Span


@frozen
class AliasRule:
    """`alias ADDRESS to TARGET, ...`: `address` is `user@domain` or `@domain` (a catch-all)."""

    address: str
    targets: tuple[str, ...]
    span: Span
    address_span: Span


@frozen
class Hosted:
    """Everything the hosting statements say; empty when the policy hosts nothing."""

    domains: tuple[Named, ...] = ()
    mailboxes: tuple[Named, ...] = ()
    aliases: tuple[AliasRule, ...] = ()
    lmtp: Named | None = None          # the socket as written, and the `deliver to lmtp` line
    backup_domains: tuple[Named, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.domains or self.mailboxes or self.aliases or self.lmtp or self.backup_domains)

    def domain_names(self) -> frozenset[str]:
        return frozenset(d.value for d in self.domains)

    def backup_names(self) -> frozenset[str]:
        return frozenset(d.value for d in self.backup_domains)


class HostedBuilder:
    """Collect the hosting statements of a policy, reporting bad values at their words."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self._domains: dict[str, Named] = {}
        self._backup: dict[str, Named] = {}
        self._mailboxes: dict[str, Named] = {}
        self._aliases: dict[str, AliasRule] = {}
        self._lmtp: Named | None = None

    def _value(self, word: st.Word, check: Callable[[str], str], code: cat.Code) -> str | None:
        try:
            return check(word.text)
        except values.ValueProblem as problem:
            self.diagnostics.append(code.at(word.span, problem.message, hint=problem.hint))
            return None

    def _listed(self, words: tuple[st.Word, ...], seen: dict[str, Named], check, code: cat.Code) -> None:
        for word in words:
            value = self._value(word, check, code)
            if value is None:
                continue
            if value in seen:
                self.diagnostics.append(cat.DUPLICATE_VALUE.at(
                    word.span, f"`{value}` is already listed", hint="remove the repetition",
                    related=(Related(seen[value].span, "first listed here"),)))
                continue
            seen[value] = Named(value, word.span)

    def hosted_domains(self, s: st.HostedDomains) -> None:
        self._listed(s.domains, self._domains, values.domain, cat.INVALID_DOMAIN)

    def backup_mx(self, s: st.BackupMx) -> None:
        self._listed(s.domains, self._backup, values.domain, cat.INVALID_DOMAIN)

    def mailboxes(self, s: st.Mailboxes) -> None:
        self._listed(s.addresses, self._mailboxes, mailbox_address, cat.INVALID_ADDRESS)

    def alias(self, s: st.Alias) -> None:
        address = self._value(s.address, values.address, cat.INVALID_ADDRESS)
        targets = [self._value(w, mailbox_address, cat.ALIAS_TARGET_INVALID) for w in s.targets]
        if address is None or None in targets:
            return
        earlier = self._aliases.get(address)
        if earlier is not None:
            # postmap keeps the first of two equal keys (with a warning): the second line would
            # look like it adds targets and would silently do nothing.
            self.diagnostics.append(cat.DUPLICATE_ALIAS.at(
                s.address.span, f"`{address}` is already an alias",
                hint="list every target on one `alias` line", related=(Related(earlier.span, "first stated here"),)))
            return
        unique = tuple(dict.fromkeys(targets))
        self._aliases[address] = AliasRule(address, unique, s.span, s.address.span)

    def deliver_lmtp(self, s: st.DeliverLmtp) -> None:
        socket = self._value(s.socket, values.path, cat.INVALID_PATH)
        if socket is not None:
            self._lmtp = Named(socket, s.socket.span)

    def finish(self) -> Hosted:
        return Hosted(tuple(self._domains.values()), tuple(self._mailboxes.values()), tuple(self._aliases.values()),
                      self._lmtp, tuple(self._backup.values()))


def mailbox_address(text: str) -> str:
    """Return one address (`user@domain`, lower-cased); `@domain` names no mailbox."""
    found = values.address(text)
    if found.startswith("@"):
        raise values.ValueProblem(f"`{text}` is a whole domain, not one address",
                                  "write user@domain (a catch-all is `alias @domain to user@domain`)")
    return found
