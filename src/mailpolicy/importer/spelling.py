"""Write each imported statement through the statement registry's canonical rendering.

The importer builds the syntax tree node the parser would build for the line it means, and
parse/registry.py renders it, the same rendering `mailpolicy fmt` writes: the words of the
language are spelled in one place (issue 12), and a value that cannot stand bare (a space in a
certificate path) is quoted as the grammar needs instead of breaking the line.
tests/importer/test_import_spelling.py checks that an imported policy is already in fmt's layout
and that no importer module spells a statement itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailpolicy.parse import statements as st
from mailpolicy.parse.registry import render_statement
from mailpolicy.source import Span

# Imported lines were written by nobody: the spans of their nodes are never shown.
_IMPORTED = Span("<import>", 1, 1)


def _word(text: str) -> st.Word:
    return st.Word(text, _IMPORTED)


def _words(texts: Iterable[str]) -> tuple[st.Word, ...]:
    return tuple(_word(text) for text in texts)


def _render(statement: st.Statement) -> str:
    text = render_statement(statement)
    if text is None:
        raise TypeError(f"the registry has no rendering for {type(statement).__name__}")
    return text


def postfix(version: str) -> str:
    return _render(st.PostfixVersion(_IMPORTED, _word(version)))


def hostname(name: str) -> str:
    return _render(st.Hostname(_IMPORTED, _word(name)))


def local_domains(domains: Iterable[str], *, only: bool) -> str:
    return _render(st.LocalDomains(_IMPORTED, _words(domains), only))


def trusted_networks(networks: Iterable[str], *, only: bool) -> str:
    return _render(st.TrustedNetworks(_IMPORTED, _words(networks), only))


def sasl(kind: str, path: str | None) -> str:
    return _render(st.Sasl(_IMPORTED, _word(kind), _word(path) if path else None))


def chroot(path: str) -> str:
    return _render(st.Chroot(_IMPORTED, _word(path)))


def relay(mode: str, later: bool = False) -> str:
    return _render(st.Relay(_IMPORTED, st.RelayMode(mode), later))


def sender_map(reference: str) -> str:
    return _render(st.SenderMap(_IMPORTED, _word(reference)))


def owners_map(reference: str) -> str:
    return _render(st.OwnersMap(_IMPORTED, _word(reference)))


def allow_user(login: str, addresses: Iterable[str]) -> str:
    return _render(st.AllowUser(_IMPORTED, _word(login), _words(addresses)))


def tls(certificate: str, key: str, chain: str | None) -> str:
    return _render(st.Tls(_IMPORTED, _word(certificate), _word(key), _word(chain) if chain else None))


def service(kind: str, addresses: Iterable[str] = (), without_logins: bool = False) -> str:
    return _render(st.Service(_IMPORTED, _word(kind), _words(addresses), _IMPORTED if without_logins else None))


def hosted_domains(domains: Iterable[str]) -> str:
    return _render(st.HostedDomains(_IMPORTED, _words(domains)))


def mailboxes(addresses: Iterable[str]) -> str:
    return _render(st.Mailboxes(_IMPORTED, _words(addresses)))


def alias(address: str, targets: Iterable[str]) -> str:
    return _render(st.Alias(_IMPORTED, _word(address), _words(targets)))


def deliver_lmtp(socket: str) -> str:
    return _render(st.DeliverLmtp(_IMPORTED, _word(socket)))


def backup_mx(domains: Iterable[str]) -> str:
    return _render(st.BackupMx(_IMPORTED, _words(domains)))


def set_parameter(name: str, value: str, *, privileged: bool = False) -> str:
    return _render(st.SetParameter(_IMPORTED, _word(name), _word(value), _IMPORTED if privileged else None))


def expect_anonymous_refused(sender: str, recipient: str, verdict: str = "reject") -> str:
    client = st.Client(st.ClientKind.ANONYMOUS, None, _IMPORTED)
    return _render(st.Expect(_IMPORTED, _word(verdict), client, _word(sender), _word(recipient)))


def refuse_senders(checks: Iterable[tuple[str, str | None]], unless: str | None = None,
                   on: str | None = None, first: bool = False) -> str:
    """`checks`: (the words of a check, a DNS list `domain[=filter]` or None) in order."""
    built = []
    for kind, dns_list in checks:
        domain, _, reply_filter = (dns_list or "").partition("=")
        built.append(st.SenderCheck(st.SenderCheckKind(kind), _IMPORTED, _word(domain) if dns_list else None,
                                    _word(reply_filter) if reply_filter else None))
    return _render(st.RefuseSenders(_IMPORTED, tuple(built), st.SenderExemption(unless) if unless else None,
                                    _word(on) if on else None, first))


def allow_forgery(forgers: str, on: str | None = None) -> str:
    return _render(st.AllowForgery(_IMPORTED, st.Forgers(forgers), _word(on) if on else None))
