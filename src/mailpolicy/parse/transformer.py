"""Turn the parse tree into statement objects, one method per grammar rule."""

from __future__ import annotations

from lark import Token, Transformer, v_args

from mailpolicy.parse import statements as st
from mailpolicy.parse.fastpath import unquote
from mailpolicy.source import Span


@v_args(meta=True)
class StatementBuilder(Transformer):
    """Build `mailpolicy.parse.statements` objects that remember their file, line and column.

    `line_offset` is added to every line number: the parser hands lark one line at a time.
    """

    def __init__(self, path: str, line_offset: int = 0) -> None:
        super().__init__()
        self.path = path
        self.line_offset = line_offset

    def _span(self, meta) -> Span:
        end = meta.end_column if meta.end_line == meta.line else None
        return Span(self.path, meta.line + self.line_offset, meta.column, end)

    def _token_span(self, token: Token) -> Span:
        end = token.end_column if token.end_line == token.line else None
        return Span(self.path, token.line + self.line_offset, token.column, end)

    # --- values -------------------------------------------------------------------------------
    def value(self, meta, children) -> st.Word:
        (token,) = children
        span = self._token_span(token)
        if token.type == "STRING":
            return st.Word(unquote(str(token)), span, quoted=True)
        return st.Word(str(token), span)

    def value_list(self, meta, children) -> tuple[st.Word, ...]:
        return tuple(children)

    # --- statements ---------------------------------------------------------------------------
    def start(self, meta, children) -> list[st.Statement]:
        return list(children)

    def postfix_version(self, meta, children):
        return st.PostfixVersion(self._span(meta), children[0])

    def hostname(self, meta, children):
        return st.Hostname(self._span(meta), children[0])

    def only(self, meta, children) -> bool:
        return True

    def local_domains(self, meta, children):
        return st.LocalDomains(self._span(meta), children[-1], only=len(children) > 1)

    def trusted_networks(self, meta, children):
        return st.TrustedNetworks(self._span(meta), children[-1], only=len(children) > 1)

    def sasl(self, meta, children):
        return st.Sasl(self._span(meta), children[0], children[1] if len(children) > 1 else None)

    def chroot(self, meta, children):
        return st.Chroot(self._span(meta), children[0])

    def relay(self, meta, children):
        return st.Relay(self._span(meta), children[0])

    def relay_authenticated(self, meta, children):
        return st.RelayMode.AUTHENTICATED

    def relay_trusted(self, meta, children):
        return st.RelayMode.TRUSTED

    def relay_authenticated_or_trusted(self, meta, children):
        return st.RelayMode.AUTHENTICATED_OR_TRUSTED

    def relay_nobody(self, meta, children):
        return st.RelayMode.NOBODY

    def sender_map(self, meta, children):
        return st.SenderMap(self._span(meta), children[0])

    def allow_user(self, meta, children):
        return st.AllowUser(self._span(meta), children[0], children[1])

    def allow_users_from(self, meta, children):
        return st.AllowUsersFrom(self._span(meta), children[0])

    def hosted_domains(self, meta, children):
        return st.HostedDomains(self._span(meta), children[0])

    def mailboxes(self, meta, children):
        return st.Mailboxes(self._span(meta), children[0])

    def alias(self, meta, children):
        return st.Alias(self._span(meta), children[0], children[1])

    def deliver_lmtp(self, meta, children):
        return st.DeliverLmtp(self._span(meta), children[0])

    def backup_mx(self, meta, children):
        return st.BackupMx(self._span(meta), children[0])

    def privileged(self, meta, children) -> Span:
        return self._span(meta)

    def set_parameter(self, meta, children):
        privileged = children.pop(0) if isinstance(children[0], Span) else None
        name = children[0]
        if len(children) > 1:
            token = children[1]
            value = st.Word(str(token), self._token_span(token))
        else:
            value = st.Word("", name.span.at_column(name.span.end_column or name.span.column))
        return st.SetParameter(self._span(meta), name, value, privileged)

    def include(self, meta, children):
        return st.Include(self._span(meta), children[0])

    def expect(self, meta, children):
        verdict_token, client, sender, recipient, *service = children
        verdict = st.Word(str(verdict_token), self._token_span(verdict_token))
        return st.Expect(self._span(meta), verdict, client, sender, recipient, service[0] if service else None)

    def tls(self, meta, children):
        certificate, key, *chain = children
        return st.Tls(self._span(meta), certificate, key, chain[0] if chain else None)

    def service(self, meta, children):
        kind, *addresses = children
        return st.Service(self._span(meta), kind, addresses[0] if addresses else ())

    def client_anonymous(self, meta, children):
        return st.Client(st.ClientKind.ANONYMOUS, None, self._span(meta))

    def client_trusted(self, meta, children):
        return st.Client(st.ClientKind.TRUSTED, None, self._span(meta))

    def client_user(self, meta, children):
        return st.Client(st.ClientKind.USER, children[0], self._span(meta))
