"""The validated policy: what the author means, every part remembering the line that said it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.model.hosted import Hosted
from mailpolicy.model.owners import Owners, Ownership  # noqa: F401  (Ownership: one pair, part of the model)
from mailpolicy.parse.statements import ClientKind, Forgers, RelayMode
from mailpolicy.postfix.networks import IPNetwork
from mailpolicy.source import SourceFile, Span

if TYPE_CHECKING:  # imported only by a policy that states `refuse senders` / a database (model/build.py)
    from mailpolicy.model.database import Database, DatabaseTable
    from mailpolicy.model.sender_checks import Forgery, SenderChecks

T = TypeVar("T")

DEFAULT_VERSION = "3.7"
DEFAULT_CHROOT = "/var/spool/postfix"
DEFAULT_SENDER_MAP = ("hash", "/etc/postfix/controlled_envelope_senders")


@frozen
class Located(Generic[T]):
    """A value and the place that stated it (None for a default nobody wrote)."""

    value: T
    span: Span | None = None


@frozen
class TrustedNetwork:
    network: IPNetwork
    written: str
    host_bits: bool
    span: Span


@frozen
class SaslConfig:
    """`sasl dovecot SOCKET` or `sasl cyrus [NAME]`; `path` is as written, made chroot-relative later."""

    kind: str
    path: str | None
    span: Span
    path_span: Span | None


@frozen
class Setting:
    """A `set NAME = VALUE` line."""

    name: str
    value: str
    span: Span
    name_span: Span
    value_span: Span
    # Where the line acknowledges a privileged parameter (`set privileged NAME = ...`), or None.
    privileged: Span | None = None


@frozen
class Expectation:
    """An `expect` line: a request and the verdict the author says Postfix must give it."""

    accept: bool
    client: ClientKind
    login: str | None
    sender: str
    recipient: str
    span: Span
    # `on SERVICE`: the one listener the line is about; None means every service the client can use.
    service: str | None = None
    service_span: Span | None = None
    # `expect defer`: a temporary refusal (4xx), as `relay ..., others try later` answers relay.
    defer: bool = False


@frozen
class TlsConfig:
    """`tls certificate CERT key KEY [chain CHAIN]`: absolute paths, as smtpd reads them before chroot."""

    certificate: str
    key: str
    chain: str | None
    span: Span
    key_span: Span


@frozen
class ServiceConfig:
    """`service KIND [on ADDRESS, ...]`: one smtpd listener of master.cf (kinds: mailpolicy.postfix.service_kinds)."""

    kind: str
    addresses: tuple[str, ...]
    span: Span
    without_logins: Span | None = None  # `without logins`: AUTH answered "not enabled", ownership still checked


@frozen
class OwnerMap:
    """`owners from map REF`: a login map the site maintains; the compiler names it and cannot read it."""

    reference: str
    span: Span


@frozen
class Policy:
    """Everything a policy says, validated, with defaults for what it does not say."""

    version: Located[str] = Located(DEFAULT_VERSION)
    hostname: Located[str] | None = None
    local_domains: tuple[Located[str], ...] = ()
    trusted_networks: tuple[TrustedNetwork, ...] = ()
    # Set by `local domains only` / `trusted networks only`: the lists are exact, without this
    # host's names ($myhostname, localhost) or its loopback networks, which are kept otherwise.
    only_local_domains: bool = False
    only_trusted_networks: bool = False
    sasl: SaslConfig | None = None
    chroot: Located[str | None] = Located(DEFAULT_CHROOT)
    relay: Located[RelayMode] = Located(RelayMode.NOBODY)
    # `relay ..., others try later`: those the relay statement does not admit get 4xx, not 5xx.
    relay_later: bool = False
    sender_map: Located[tuple[str, str]] = Located(DEFAULT_SENDER_MAP)
    owners: Owners = attrs.field(factory=Owners, converter=Owners.of)
    hosted: Hosted = Hosted()
    databases: tuple[Database, ...] = ()
    database_tables: tuple[DatabaseTable, ...] = ()  # `owners from`, `aliases from`, ... `table TABLE`
    owner_maps: tuple[OwnerMap, ...] = ()  # `owners from map`, in the order stated
    settings: tuple[Setting, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    tls: TlsConfig | None = None
    services: tuple[ServiceConfig, ...] = ()
    sender_checks: tuple[SenderChecks, ...] = ()  # `refuse senders`, one per scope (main.cf, a service)
    forgery: tuple[Forgery, ...] = ()  # `allow forged senders`, one per scope (main.cf, a service)
    sources: tuple[SourceFile, ...] = ()

    @property
    def owner_tables(self) -> tuple[DatabaseTable, ...]:
        return self.tables_of("owners")

    def tables_of(self, kind: str) -> tuple[DatabaseTable, ...]:
        """Return the database tables of one kind (owners, aliases, mailboxes, domains)."""
        return tuple(t for t in self.database_tables if t.kind == kind)

    def sender_checks_of(self, service: str | None) -> SenderChecks | None:
        """Return the `refuse senders` checks of main.cf (None) or of one stated service kind."""
        return next((c for c in self.sender_checks if c.service == service), None)

    def forgery_of(self, service: str | None) -> Forgery | None:
        """Return the `allow forged senders` of main.cf (None) or of one stated service kind, as stated."""
        return next((f for f in self.forgery if f.service == service), None)

    def forgers(self, service: str | None) -> Forgers | None:
        """Return who may forge on a listener (its own line, else main.cf's); None: ownership checked for all."""
        found = self.forgery_of(service) or self.forgery_of(None)
        return found.forgers if found is not None else None

    @property
    def has_owners(self) -> bool:
        """Tell whether any address has an owner: an `allow user` line or a table of owners."""
        return bool(self.owners) or bool(self.owner_tables) or bool(self.owner_maps)

    def owner_source(self) -> Span | None:
        """Return the statement that first gives an address an owner."""
        if self.owners:
            return self.owners[0].span
        return (self.owner_tables or self.owner_maps)[0].span if self.owner_tables or self.owner_maps else None

    @property
    def domain_names(self) -> frozenset[str]:
        """Return every domain this server receives mail for: local, hosted and backup MX."""
        return frozenset(d.value for d in self.local_domains) | self.hosted.domain_names() | self.hosted.backup_names()

    def source(self, path: str) -> SourceFile | None:
        """Return the source file a span names."""
        return next((s for s in self.sources if s.path == path), None)
