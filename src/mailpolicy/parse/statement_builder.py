"""Turn a statement's parse tree into statement objects, one method per grammar rule.

The trees come from two places: lark (`grammar.py`'s `LarkTrees` hands each subtree over) and
the expressions composed from the grammar (`lines.py`). Both give the same rule names, the same
kept tokens as `Lexeme`s and the same spans, so each statement is built here, once.
"""

from __future__ import annotations

from mailpolicy.parse import statements as st
from mailpolicy.source import Span


class Lexeme:
    """A token the tree keeps: its terminal's name, its text and where it stands."""

    __slots__ = ("type", "text", "span")

    def __init__(self, type: str, text: str, span: Span) -> None:
        self.type, self.text, self.span = type, text, span


def unquote(text: str) -> str:
    """Return a STRING token's content; `\\"` and `\\\\` are the only escapes."""
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            i += 1
            ch = body[i]
        out.append(ch)
        i += 1
    return "".join(out)


class StatementBuilder:
    """Build `mailpolicy.parse.statements` objects that remember their file, line and column."""

    def rule(self, name: str, span: Span, children: list):
        """Return what the subtree of rule (or alias) `name` means, its children already built."""
        return getattr(self, name)(span, children)

    # --- values -------------------------------------------------------------------------------
    def value(self, span: Span, children: list) -> st.Word:
        (token,) = children
        if token.type == "STRING":
            return st.Word(unquote(token.text), token.span, quoted=True)
        return st.Word(token.text, token.span)

    def value_list(self, span: Span, children: list) -> tuple[st.Word, ...]:
        return tuple(children)

    # --- statements ---------------------------------------------------------------------------
    def start(self, span: Span, children: list) -> list[st.Statement]:
        return list(children)

    def postfix_version(self, span: Span, children: list):
        return st.PostfixVersion(span, children[0])

    def hostname(self, span: Span, children: list):
        return st.Hostname(span, children[0])

    def only(self, span: Span, children: list) -> bool:
        return True

    def local_domains(self, span: Span, children: list):
        return st.LocalDomains(span, children[-1], only=len(children) > 1)

    def trusted_networks(self, span: Span, children: list):
        return st.TrustedNetworks(span, children[-1], only=len(children) > 1)

    def sasl(self, span: Span, children: list):
        return st.Sasl(span, children[0], children[1] if len(children) > 1 else None)

    def chroot(self, span: Span, children: list):
        return st.Chroot(span, children[0])

    def relay(self, span: Span, children: list):
        return st.Relay(span, children[0], len(children) > 1)

    def relay_later(self, span: Span, children: list):
        return True

    def relay_authenticated(self, span: Span, children: list):
        return st.RelayMode.AUTHENTICATED

    def relay_trusted(self, span: Span, children: list):
        return st.RelayMode.TRUSTED

    def relay_authenticated_or_trusted(self, span: Span, children: list):
        return st.RelayMode.AUTHENTICATED_OR_TRUSTED

    def relay_nobody(self, span: Span, children: list):
        return st.RelayMode.NOBODY

    def sender_map(self, span: Span, children: list):
        return st.SenderMap(span, children[0])

    def allow_user(self, span: Span, children: list):
        return st.AllowUser(span, children[0], children[1])

    def allow_users_from(self, span: Span, children: list):
        return st.AllowUsersFrom(span, children[0])

    def refuse_senders(self, span: Span, children: list):
        checks = tuple(c for c in children if isinstance(c, st.SenderCheck))
        unless = next((c for c in children if isinstance(c, st.SenderExemption)), None)
        service = children[-1] if isinstance(children[-1], st.Word) else None
        return st.RefuseSenders(span, checks, unless, service, any(c is True for c in children))

    def sender_first(self, span: Span, children: list):
        return True

    def allow_forgery(self, span: Span, children: list):
        service = children[-1] if isinstance(children[-1], st.Word) else None
        return st.AllowForgery(span, children[0], service)

    def forgers_anonymous(self, span: Span, children: list):
        return st.Forgers.ANONYMOUS

    def forgers_any(self, span: Span, children: list):
        return st.Forgers.ANY

    def sender_not_fqdn(self, span: Span, children: list):
        return st.SenderCheck(st.SenderCheckKind.NOT_FQDN, span)

    def sender_unknown_domain(self, span: Span, children: list):
        return st.SenderCheck(st.SenderCheckKind.UNKNOWN_DOMAIN, span)

    def sender_listed_by(self, span: Span, children: list):
        domain, *reply_filter = children
        return st.SenderCheck(st.SenderCheckKind.LISTED_BY, span, domain, reply_filter[0] if reply_filter else None)

    def sender_not_listed_here(self, span: Span, children: list):
        return st.SenderCheck(st.SenderCheckKind.NOT_LISTED_HERE, span)

    def sender_exemption(self, span: Span, children: list):
        return children[0]

    def exempt_authenticated(self, span: Span, children: list):
        return st.SenderExemption.AUTHENTICATED

    def exempt_trusted(self, span: Span, children: list):
        return st.SenderExemption.TRUSTED

    def exempt_authenticated_or_trusted(self, span: Span, children: list):
        return st.SenderExemption.AUTHENTICATED_OR_TRUSTED

    def hosted_domains(self, span: Span, children: list):
        return st.HostedDomains(span, children[0])

    def mailboxes(self, span: Span, children: list):
        return st.Mailboxes(span, children[0])

    def alias(self, span: Span, children: list):
        return st.Alias(span, children[0], children[1])

    def deliver_lmtp(self, span: Span, children: list):
        return st.DeliverLmtp(span, children[0])

    def backup_mx(self, span: Span, children: list):
        return st.BackupMx(span, children[0])

    def database(self, span: Span, children: list):
        return st.Database(span, children[0], children[1], children[2])

    def owners_from(self, span: Span, children: list):
        return st.OwnersFrom(span, children[0], children[1])

    def owners_map(self, span: Span, children: list):
        return st.OwnersMap(span, children[0])

    def aliases_from(self, span: Span, children: list):
        return st.AliasesFrom(span, children[0], children[1])

    def mailboxes_from(self, span: Span, children: list):
        return st.MailboxesFrom(span, children[0], children[1])

    def hosted_domains_from(self, span: Span, children: list):
        return st.HostedDomainsFrom(span, children[0], children[1])

    def privileged(self, span: Span, children: list) -> Span:
        return span

    def set_parameter(self, span: Span, children: list):
        privileged = children.pop(0) if isinstance(children[0], Span) else None
        name = children[0]
        if len(children) > 1:
            token = children[1]
            value = st.Word(token.text, token.span)
        else:
            value = st.Word("", name.span.at_column(name.span.end_column or name.span.column))
        return st.SetParameter(span, name, value, privileged)

    def include(self, span: Span, children: list):
        return st.Include(span, children[0])

    def expect(self, span: Span, children: list):
        verdict_token, client, sender, recipient, *service = children
        verdict = st.Word(verdict_token.text, verdict_token.span)
        return st.Expect(span, verdict, client, sender, recipient, service[0] if service else None)

    def tls(self, span: Span, children: list):
        certificate, key, *chain = children
        return st.Tls(span, certificate, key, chain[0] if chain else None)

    def service(self, span: Span, children: list):
        kind, *rest = children
        without = next((c for c in rest if isinstance(c, Span)), None)
        addresses = next((c for c in rest if isinstance(c, tuple)), ())
        return st.Service(span, kind, addresses, without)

    def without_logins(self, span: Span, children: list) -> Span:
        return span

    def client_anonymous(self, span: Span, children: list):
        return st.Client(st.ClientKind.ANONYMOUS, None, span)

    def client_trusted(self, span: Span, children: list):
        return st.Client(st.ClientKind.TRUSTED, None, span)

    def client_user(self, span: Span, children: list):
        return st.Client(st.ClientKind.USER, children[0], span)
