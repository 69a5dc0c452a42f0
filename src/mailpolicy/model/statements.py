"""The syntax tree: one frozen class per statement, each remembering where it was written.

These are what the author wrote, unvalidated; `mailpolicy.model.build` turns them into a
`Policy` of checked values.
"""

from __future__ import annotations

import enum

import attrs

from mailpolicy.source import Span


@attrs.frozen
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


@attrs.frozen
class Statement:
    """Base of every statement: where it starts."""

    span: Span


@attrs.frozen
class PostfixVersion(Statement):
    version: Word


@attrs.frozen
class Hostname(Statement):
    name: Word


@attrs.frozen
class LocalDomains(Statement):
    domains: tuple[Word, ...]


@attrs.frozen
class TrustedNetworks(Statement):
    networks: tuple[Word, ...]


@attrs.frozen
class Sasl(Statement):
    kind: Word
    path: Word | None


@attrs.frozen
class Chroot(Statement):
    path: Word


@attrs.frozen
class Relay(Statement):
    mode: RelayMode


@attrs.frozen
class SenderMap(Statement):
    map: Word


@attrs.frozen
class AllowUser(Statement):
    login: Word
    addresses: tuple[Word, ...]


@attrs.frozen
class AllowUsersFrom(Statement):
    path: Word


@attrs.frozen
class SetParameter(Statement):
    name: Word
    value: Word


@attrs.frozen
class Include(Statement):
    path: Word


@attrs.frozen
class Client:
    kind: ClientKind
    login: Word | None
    span: Span


@attrs.frozen
class Expect(Statement):
    verdict: Word
    client: Client
    sender: Word
    recipient: Word
