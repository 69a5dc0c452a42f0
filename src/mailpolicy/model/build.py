"""Build the validated `Policy` from statements: check every value, merge repeated statements."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Callable

import attrs

from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.load.loader import LoadedPolicy
from mailpolicy.model import values
from mailpolicy.model.hosted import HostedBuilder
from mailpolicy.model.owners import OwnersBuilder
from mailpolicy.model.policy import Expectation, Located, OwnerMap, Policy, SaslConfig, Setting, TrustedNetwork
from mailpolicy.model.service_values import build_service, build_tls
from mailpolicy.parse import lookalikes
from mailpolicy.parse import statements as st
from mailpolicy.parse.registry import STATEMENTS
from mailpolicy.simulate.address import valid_address_literal

if TYPE_CHECKING:
    from mailpolicy.model.database import DatabaseBuilder

# Statements that may appear once (the registry says which): a second one is an error pointing at both.
_ONCE = {kind.class_name: kind.keyword for kind in STATEMENTS if kind.once}


class _Builder:
    def __init__(self, loaded: LoadedPolicy) -> None:
        self.loaded = loaded
        self.fields: dict = {}
        self.lists: dict[str, list] = {"local_domains": [], "trusted_networks": [],
                                       "settings": [], "expectations": [], "services": [], "owner_maps": []}
        self.owners = OwnersBuilder()
        self.first: dict[str, st.Statement] = {}
        self.relay: st.Relay | None = None
        self.diagnostics: list[Diagnostic] = []
        self.hosted = HostedBuilder(self.diagnostics)
        self._databases: DatabaseBuilder | None = None  # made by the first database statement
        self.sender_checks = None  # a SenderChecksBuilder from the first `refuse senders` line
        self.forgery: list[st.AllowForgery] = []  # `allow forged senders` lines, built in run()

    def run(self) -> Policy:
        for statement in self.loaded.statements:
            if self._once(statement):
                getattr(self, "_build_" + type(statement).__name__.lower())(statement)
        databases, database_tables = self._databases.finish() if self._databases else ((), ())
        sender_checks = (self.sender_checks.finish({s.kind for s in self.lists["services"]}, "sasl" in self.fields)
                         if self.sender_checks is not None else ())
        policy = Policy(**self.fields, **{k: tuple(v) for k, v in self.lists.items()}, owners=self.owners.finish(),
                        hosted=self.hosted.finish(), databases=databases, database_tables=database_tables,
                        sender_checks=sender_checks, sources=self.loaded.sources)
        return self._with_forgery(policy) if self.forgery else policy

    def _once(self, statement: st.Statement) -> bool:
        kind = type(statement).__name__
        if kind not in _ONCE:
            return True
        earlier = self.first.setdefault(kind, statement)
        if earlier is statement:
            return True
        self.diagnostics.append(cat.DUPLICATE_STATEMENT.at(
            statement.span, f"`{_ONCE[kind]}` is already stated",
            hint="keep one of the two lines", related=(Related(earlier.span, "first stated here"),)))
        return False

    def _value(self, word: st.Word, check: Callable, code: cat.Code):
        try:
            return check(word.text)
        except values.ValueProblem as problem:
            self.diagnostics.append(code.at(word.span, problem.message, hint=problem.hint))
            return None

    # --- one method per statement -------------------------------------------------------------
    def _build_postfixversion(self, s: st.PostfixVersion) -> None:
        version = self._value(s.version, values.version, cat.INVALID_VERSION)
        if version:
            self.fields["version"] = Located(version, s.span)

    def _build_hostname(self, s: st.Hostname) -> None:
        name = self._value(s.name, values.hostname, cat.INVALID_HOSTNAME)
        if name:
            self.fields["hostname"] = Located(name, s.span)

    def _build_localdomains(self, s: st.LocalDomains) -> None:
        if s.only:
            self.fields["only_local_domains"] = True
        seen = {d.value: d for d in self.lists["local_domains"]}
        for word in s.domains:
            name = self._value(word, values.domain, cat.INVALID_DOMAIN)
            if name is None:
                continue
            if name in seen:
                self._duplicate_value(word, name, seen[name].span)
                continue
            seen[name] = Located(name, word.span)
            self.lists["local_domains"].append(seen[name])

    def _build_trustednetworks(self, s: st.TrustedNetworks) -> None:
        if s.only:
            self.fields["only_trusted_networks"] = True
        seen = {n.network: n for n in self.lists["trusted_networks"]}
        for word in s.networks:
            parsed = self._value(word, values.network, cat.INVALID_NETWORK)
            if parsed is None:
                continue
            if parsed.network in seen:
                self._duplicate_value(word, word.text, seen[parsed.network].span)
                continue
            seen[parsed.network] = TrustedNetwork(parsed.network, word.text, parsed.host_bits, word.span)
            self.lists["trusted_networks"].append(seen[parsed.network])

    def _build_sasl(self, s: st.Sasl) -> None:
        kind = s.kind.text.lower()
        if kind not in values.SASL_TYPES:
            self.diagnostics.append(cat.INVALID_SASL.at(s.kind.span, f"`{s.kind.text}` is not a SASL type mailpolicy supports",
                                                        hint="write `sasl dovecot SOCKET` or `sasl cyrus [NAME]`"))
            return
        if kind == "dovecot" and s.path is None:
            self.diagnostics.append(cat.INVALID_SASL.at(s.span, "`sasl dovecot` needs the socket Dovecot listens on",
                                                        hint="write e.g. `sasl dovecot private/auth`"))
            return
        path = self._value(s.path, values.path, cat.INVALID_PATH) if s.path else None
        if s.path is not None and path is None:
            return
        self.fields["sasl"] = SaslConfig(kind, path, s.span, s.path.span if s.path else None)

    def _build_chroot(self, s: st.Chroot) -> None:
        if s.path.text == "off" and not s.path.quoted:
            self.fields["chroot"] = Located(None, s.span)
            return
        where = self._value(s.path, values.path, cat.INVALID_PATH)
        if where is None:
            return
        if not where.startswith("/"):
            self.diagnostics.append(cat.CHROOT_INVALID.at(s.path.span, f"`{where}` is not an absolute path",
                                                          hint="write the queue directory smtpd is chrooted to, "
                                                               "e.g. /var/spool/postfix, or `chroot off`"))
            return
        self.fields["chroot"] = Located(where.rstrip("/") or "/", s.span)

    def _build_relay(self, s: st.Relay) -> None:
        if self.relay is None:
            self.relay = s
            self.fields["relay"] = Located(s.mode, s.span)
            self.fields["relay_later"] = s.later
            return
        related = (Related(self.relay.span, "first stated here"),)
        if self.relay.mode is s.mode:
            self.diagnostics.append(cat.DUPLICATE_STATEMENT.at(s.span, "`relay` is already stated",
                                                               hint="keep one of the two lines", related=related))
        else:
            self.diagnostics.append(cat.CONFLICTING_RELAY.at(
                s.span, f"`relay {s.mode.value}` contradicts `relay {self.relay.mode.value}`",
                hint="decide who may relay and keep only that line", related=related))

    def _build_sendermap(self, s: st.SenderMap) -> None:
        table = self._value(s.map, values.sender_map, cat.INVALID_MAP)
        if table:
            self.fields["sender_map"] = Located(table, s.span)

    def _build_allowuser(self, s: st.AllowUser) -> None:
        login = self._value(s.login, values.login, cat.INVALID_LOGIN)
        for word in s.addresses:
            address = self._value(word, values.address, cat.INVALID_ADDRESS)
            if login and address:
                span = word.span
                self.owners.add(address, login, span.path, span.line, span.column, span.end_column)

    def _build_allowuserrows(self, s: st.AllowUserRows) -> None:
        # The statement form of a million owners: the checks of `_build_allowuser`, over columns.
        # When nothing is refused (nearly always) the columns are taken whole; otherwise the run
        # is built statement by statement, so a refusal is reported exactly as for one line.
        logins_ok = all(map(values.is_login, s.logins))
        canonical = list(map(values.address_or_none, s.addresses))
        if logins_ok and None not in canonical:
            self.owners.extend_rows(s.path, canonical, s.addresses, s.columns, s.lines, s.logins, s.first_address)
            return
        for statement in s.expand():
            self._build_allowuser(statement)

    def _build_allowusersfrom(self, s: st.AllowUsersFrom) -> None:
        # Imported here: most policies have no owners table, and `check` starts on every commit.
        from mailpolicy.model.owner_table import read_owner_table_into

        table = self.loaded.tables.get(s.span)
        if table is not None:
            self.diagnostics.extend(read_owner_table_into(table, self.owners))

    # The hosting statements (model/hosted.py).
    def _build_hosteddomains(self, s: st.HostedDomains) -> None:
        self.hosted.hosted_domains(s)

    def _build_mailboxes(self, s: st.Mailboxes) -> None:
        self.hosted.mailboxes(s)

    def _build_alias(self, s: st.Alias) -> None:
        self.hosted.alias(s)

    def _build_deliverlmtp(self, s: st.DeliverLmtp) -> None:
        self.hosted.deliver_lmtp(s)

    def _build_backupmx(self, s: st.BackupMx) -> None:
        self.hosted.backup_mx(s)

    @property
    def databases(self) -> DatabaseBuilder:
        # Imported with the first database statement: most policies have none (start-up, docs/benchmarks.md).
        if self._databases is None:
            from mailpolicy.model.database import DatabaseBuilder

            self._databases = DatabaseBuilder(self.diagnostics)
        return self._databases

    def _build_database(self, s: st.Database) -> None:
        self.databases.database(s)

    def _build_ownersfrom(self, s: st.OwnersFrom) -> None:
        self.databases.table(s, "owners")

    def _build_ownersmap(self, s: st.OwnersMap) -> None:
        reference = self._value(s.map, values.owner_map, cat.INVALID_MAP)
        if reference is None:
            return
        earlier = next((m for m in self.lists["owner_maps"] if m.reference == reference), None)
        if earlier is not None:
            self.diagnostics.append(cat.DUPLICATE_STATEMENT.at(
                s.span, f"`owners from map {reference}` is already stated", hint="keep one of the two lines",
                related=(Related(earlier.span, "first stated here"),)))
            return
        self.lists["owner_maps"].append(OwnerMap(reference, s.span))

    def _build_aliasesfrom(self, s: st.AliasesFrom) -> None:
        self.databases.table(s, "aliases")

    def _build_mailboxesfrom(self, s: st.MailboxesFrom) -> None:
        self.databases.table(s, "mailboxes")

    def _build_hosteddomainsfrom(self, s: st.HostedDomainsFrom) -> None:
        self.databases.table(s, "domains")

    def _build_setparameter(self, s: st.SetParameter) -> None:
        name = s.name.text
        value = s.value.text
        if " #" in value or "\t#" in value:
            value = value[: min(i for i in (value.find(" #"), value.find("\t#")) if i >= 0)]
        value = value.rstrip()
        if not name.replace("_", "a").isalnum() or not name.isascii() or not name[0].isalpha():
            odd = next((ch for ch in name if not ch.isascii()), None)
            looks = f": {lookalikes.describe(odd)} is not an ASCII letter" if odd else ""
            self.diagnostics.append(cat.INVALID_SET_VALUE.at(s.name.span, f"`{name}` is not a parameter name{looks}",
                                                             hint="a main.cf parameter name holds letters, digits and _"))
            return
        hidden = _hidden_character(value)
        if hidden is not None:
            column = s.value.span.column + hidden
            self.diagnostics.append(cat.INVALID_SET_VALUE.at(
                s.value.span.at_column(column, column + 1),
                f"the value holds U+{ord(value[hidden]):04X} {unicodedata.name(value[hidden], '(a control character)')}, "
                "which a reader cannot see for what it is",
                hint="main.cf separates list elements only with ASCII spaces, tabs and commas; "
                     "retype the value with plain characters"))
            return
        try:
            values.set_value(value)
        except values.ValueProblem as problem:
            column = s.value.span.column + (problem.offset or 0)
            self.diagnostics.append(cat.INVALID_SET_VALUE.at(s.value.span.at_column(column, column + 1),
                                                             problem.message, hint=problem.hint))
            return
        value_span = s.value.span.at_column(s.value.span.column, s.value.span.column + len(value))
        self.lists["settings"].append(Setting(name, value, s.span, s.name.span, value_span, s.privileged))

    def _build_tls(self, s: st.Tls) -> None:
        self.fields["tls"] = build_tls(s, self.diagnostics)

    def _build_refusesenders(self, s: st.RefuseSenders) -> None:
        if self.sender_checks is None:  # imported here: most policies never state one (start-up)
            from mailpolicy.model.sender_checks import SenderChecksBuilder

            self.sender_checks = SenderChecksBuilder(self.diagnostics)
        self.sender_checks.add(s)

    def _build_allowforgery(self, s: st.AllowForgery) -> None:
        self.forgery.append(s)

    def _with_forgery(self, policy: Policy) -> Policy:
        from mailpolicy.model.sender_checks import build_forgery  # most policies never state one (start-up)

        forgery = build_forgery(self.forgery, {s.kind for s in self.lists["services"]}, policy.has_owners,
                                self.diagnostics)
        return attrs.evolve(policy, forgery=forgery)

    def _build_service(self, s: st.Service) -> None:
        service = build_service(s, self.lists["services"], self.diagnostics)
        if service is not None:
            self.lists["services"].append(service)

    def _build_expect(self, s: st.Expect) -> None:
        sender = self._value(s.sender, _address_or_null, cat.INVALID_ADDRESS)
        recipient = self._value(s.recipient, _plain_address, cat.INVALID_ADDRESS)
        login = self._value(s.client.login, values.login, cat.INVALID_LOGIN) if s.client.login else None
        if sender is None or recipient is None or (s.client.login and login is None):
            return
        self.lists["expectations"].append(Expectation(
            s.verdict.text == "accept", s.client.kind, login, sender, recipient, s.span,
            s.service.text if s.service else None, s.service.span if s.service else None,
            defer=s.verdict.text == "defer"))

    def _duplicate_value(self, word: st.Word, value: str, first) -> None:
        self.diagnostics.append(cat.DUPLICATE_VALUE.at(word.span, f"`{value}` is already listed",
                                                       hint="remove the repetition",
                                                       related=(Related(first, "first listed here"),)))


def _hidden_character(value: str) -> int | None:
    """Return the offset of the first character a reader cannot see for what it is (NBSP, zero-width, bidi)."""
    # The parser already refuses line breaks and C0 controls (MP110); what is left would put an
    # invisible or look-alike character into main.cf, where it silently joins list elements.
    return next((i for i, ch in enumerate(value) if not ch.isprintable() and ch != "\t"), None)


def _address_or_null(text: str) -> str:
    """An `expect` sender may be `<>`, the null sender of bounces."""
    return "" if text == "<>" else _plain_address(text)


def _plain_address(text: str) -> str:
    """An `expect` address is one mailbox (relay tricks allowed: they are what expectations test).

    Two forms without a domain name are what attackers try too: the bare `postmaster`, which
    smtpd accepts at RCPT TO before any restriction (RFC 5321 4.5.1; smtpd_check.c
    smtpd_check_rcpt), and an address literal `user@[192.0.2.1]` / `user@[IPv6:2001:db8::1]`,
    which is local only when it names this host's interfaces (trivial-rewrite resolve_local).
    """
    if text.lower() == "postmaster":
        return "postmaster"
    local, at, domain = text.rpartition("@")
    if not at or not local:
        raise values.ValueProblem(f"`{text}` is not an address",
                                  "write user@domain, user@[192.0.2.1], or the bare `postmaster`")
    if domain.startswith("["):
        if not valid_address_literal(domain):
            raise values.ValueProblem(f"`{domain}` is not an address literal",
                                      "write [192.0.2.1] or [IPv6:2001:db8::1]")
        return f"{local}@{domain}"
    return f"{local}@{values.domain(domain)}"


def build_policy(loaded: LoadedPolicy) -> tuple[Policy, list[Diagnostic]]:
    """Return the policy the statements mean, and every value or statement problem found."""
    builder = _Builder(loaded)
    policy = builder.run()
    return policy, builder.diagnostics
