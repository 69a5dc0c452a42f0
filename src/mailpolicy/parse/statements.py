"""The syntax tree: one frozen class per statement, each remembering where it was written.

These are what the author wrote, unvalidated; `mailpolicy.model.build` turns them into a
`Policy` of checked values. Each statement class is named after its grammar rule in CamelCase
(`postfix_version` -> `PostfixVersion`: the registry finds it so) and declared with `@later`: it
is made (attrs) when first read from this module, so a run pays only for the statements its
policy uses (`mailpolicy.frozen.Deferred`; start-up: docs/benchmarks.md).
"""

from __future__ import annotations

import enum
from array import array
from typing import Iterable, Iterator, NamedTuple

from mailpolicy.frozen import Deferred, frozen
from mailpolicy.source import Span

later = Deferred(globals())


@frozen
class Word:
    """A value as written: its text (unquoted), where it stands, and whether it was quoted."""

    text: str
    span: Span
    quoted: bool = False


class RelayMode(str, enum.Enum):
    """Who may send mail through this server to other domains."""

    NOBODY = "nobody"
    AUTHENTICATED = "only authenticated"
    TRUSTED = "only trusted"
    AUTHENTICATED_OR_TRUSTED = "authenticated or trusted"


class ClientKind(str, enum.Enum):
    """The kind of SMTP client an `expect` line speaks for."""

    ANONYMOUS = "anonymous"
    TRUSTED = "trusted"
    USER = "user"


@frozen
class Statement:
    """Base of every statement: where it starts."""

    span: Span


@later
class PostfixVersion(Statement):
    version: Word


@later
class Hostname(Statement):
    name: Word


@later
class LocalDomains(Statement):
    domains: tuple[Word, ...]
    only: bool = False  # `local domains only ...`: without $myhostname and localhost


@later
class TrustedNetworks(Statement):
    networks: tuple[Word, ...]
    only: bool = False  # `trusted networks only ...`: without this host (127.0.0.0/8, [::1]/128)


@later
class Sasl(Statement):
    kind: Word
    path: Word | None


@later
class Chroot(Statement):
    path: Word


@later
class Relay(Statement):
    mode: RelayMode
    # `, others try later`: the relay list ends in defer_unauth_destination (4xx) instead of reject_.
    later: bool = False


@later
class SenderMap(Statement):
    map: Word


@later
class AllowUser(Statement):
    login: Word
    addresses: tuple[Word, ...]


@later(eq=False)
class AllowUserRows(Statement):
    """Consecutive plain `allow user` lines of one file, as columns; `expand` gives the statements.

    A large site writes a million `allow user` lines, and a statement with its words and spans is
    about nine objects a line: more than parsing the line costs. Only unquoted lines are kept
    this way, so every value is exactly its text. `span` is the first line's statement.
    """

    path: str
    lines: array            # per line: its number,
    starts: array           # the column of `allow` (1-based),
    stops: array            # the column after the last address,
    logins: list[str]       # the login as written,
    login_columns: array    # its column,
    first_address: array    # and the index of its first address (one more entry: the end).
    addresses: list[str]    # every address as written, line after line,
    columns: array          # and its column.

    def __len__(self) -> int:
        return len(self.lines)

    def expand(self) -> Iterator[AllowUser]:
        """Return the `AllowUser` statement of each line, as the parser builds them one by one."""
        path = self.path
        make_allow_user = later.make("AllowUser")
        for row, number in enumerate(self.lines):
            login, column = self.logins[row], self.login_columns[row]
            words = tuple(Word(self.addresses[i], Span(path, number, self.columns[i],
                                                       self.columns[i] + len(self.addresses[i])))
                          for i in range(self.first_address[row], self.first_address[row + 1]))
            yield make_allow_user(Span(path, number, self.starts[row], self.stops[row]),
                            Word(login, Span(path, number, column, column + len(login))), words)


def expanded(statements: Iterable[Statement]) -> Iterator[Statement]:
    """Return the statements with every run of `AllowUserRows` expanded into `AllowUser` lines."""
    for statement in statements:
        if later.is_instance(statement, "AllowUserRows"):
            yield from statement.expand()
        else:
            yield statement


@later
class AllowUsersFrom(Statement):
    path: Word


class SenderCheckKind(str, enum.Enum):
    """A check of `refuse senders`, by the words that say it (model/sender_checks.py: what Postfix runs)."""

    NOT_FQDN = "not fully qualified"
    UNKNOWN_DOMAIN = "with unknown domain"
    LISTED_BY = "listed by"
    NOT_LISTED_HERE = "not listed here"


class SenderExemption(str, enum.Enum):
    """Who `refuse senders ..., unless WHO` lets through the checks (never past ownership)."""

    AUTHENTICATED = "authenticated"
    TRUSTED = "trusted"
    AUTHENTICATED_OR_TRUSTED = "authenticated or trusted"


class SenderCheck(NamedTuple):
    """One check of a `refuse senders` line: a named tuple, not an attrs class, so it is cheap to make
    at import for every policy, most of which never state one (start-up: docs/benchmarks.md)."""

    kind: SenderCheckKind
    span: Span
    list_domain: Word | None = None   # `listed by DOMAIN`
    reply_filter: Word | None = None  # `listed by DOMAIN=127.0.1.[2..99]`


@later
class RefuseSenders(Statement):
    """`refuse senders CHECK, ... [, unless WHO] [on SERVICE]`: extra checks in smtpd_sender_restrictions."""

    checks: tuple[SenderCheck, ...]
    unless: SenderExemption | None = None
    service: Word | None = None
    first: bool = False  # `, before ownership`: ahead of the login check


class Forgers(str, enum.Enum):
    """Who `allow forged senders from WHO` lets use an owned MAIL FROM it does not own (model/sender_checks.py)."""

    ANONYMOUS = "anonymous clients"
    ANY = "any client"


@later
class AllowForgery(Statement):
    """`allow forged senders from WHO [on SERVICE]`: ownership checked for fewer clients, on purpose."""

    forgers: Forgers
    service: Word | None = None


@later
class HostedDomains(Statement):
    """`hosted domains D, ...`: virtual mailbox domains, delivered to mailboxes by LMTP."""

    domains: tuple[Word, ...]


@later
class Mailboxes(Statement):
    """`mailboxes A, ...`: the recipients that exist (hosted domains) or are relayed (backup MX)."""

    addresses: tuple[Word, ...]


@later
class Alias(Statement):
    """`alias ADDRESS to TARGET, ...`: forward mail for ADDRESS (or `@domain`, a catch-all)."""

    address: Word
    targets: tuple[Word, ...]


@later
class DeliverLmtp(Statement):
    """`deliver to lmtp SOCKET`: mail of the hosted domains goes to this LMTP socket (Dovecot's)."""

    socket: Word


@later
class BackupMx(Statement):
    """`backup mx for D, ...`: relay mail for these domains to their primary MX, known recipients only."""

    domains: tuple[Word, ...]


@later
class Database(Statement):
    """`database NAME postgresql://USER@HOST[:PORT]/DBNAME password FILE`: a PostgreSQL the maps query."""

    name: Word
    url: Word
    password: Word


@later
class OwnersFrom(Statement):
    """`owners from NAME table TABLE`: sender owners kept in a table (columns `address`, `login`)."""

    database: Word
    table: Word


@later
class OwnersMap(Statement):
    """`owners from map TYPE:/path`: sender owners in a login map the site maintains (content unknown here)."""

    map: Word


@later
class AliasesFrom(Statement):
    """`aliases from NAME table TABLE`: aliases kept in a table (columns `address`, `destination`)."""

    database: Word
    table: Word


@later
class MailboxesFrom(Statement):
    """`mailboxes from NAME table TABLE`: hosted mailboxes kept in a table (column `address`)."""

    database: Word
    table: Word


@later
class HostedDomainsFrom(Statement):
    """`hosted domains from NAME table TABLE`: hosted domains kept in a table (column `domain`)."""

    database: Word
    table: Word


@later
class SetParameter(Statement):
    name: Word
    value: Word
    # Where the line says `privileged` (acknowledging a parameter Postfix uses as root), or None.
    privileged: Span | None = None


@later
class Tls(Statement):
    """`tls certificate CERT key KEY [chain CHAIN]`: the files smtpd proves its name with."""

    certificate: Word
    key: Word
    chain: Word | None = None


@later
class Service(Statement):
    """`service inbound|submission|submissions [without logins] [on ADDRESS, ...]`: one smtpd listener in master.cf."""

    kind: Word
    addresses: tuple[Word, ...] = ()
    without_logins: Span | None = None  # where `without logins` stands, when the line says it


@later
class Include(Statement):
    path: Word


@frozen
class Client:
    kind: ClientKind
    login: Word | None
    span: Span


@later
class Expect(Statement):
    verdict: Word
    client: Client
    sender: Word
    recipient: Word
    service: Word | None = None  # `... on submission`: the listener the request is sent to


later.close()
__getattr__ = later.make


def is_a(value: object, name: str) -> bool:
    """Tell whether `value` is a statement of class `name`, without making the class when no statement
    of it was made (a test of every line against a class the policy never uses would make it)."""
    return later.is_instance(value, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *later.names()})
