"""Import master.cf's smtpd services as `service` statements, and main.cf's certificate as `tls`.

A service is recognised by its port (master.cf's first column after any `host:`): `smtp` or 25
is `inbound`, `submission` or 587 `submission`, `submissions`, `smtps` or 465 `submissions`. It
becomes a statement only when the overrides that decide relaying, logins and TLS are exactly the
ones the compiler writes for that kind (plan/services.py kind_overrides), besides a sender list
`refuse senders ... on KIND` can say: a statement must mean what the service does. Services are imported only when at least one submission service is: a
master.cf with only Postfix's stock `smtp` line stays as it was (the policy then describes
main.cf, which that line uses), so the imports of such configurations do not change.

Port 25 is `service inbound without logins` where it takes no logins while the import writes
`sasl` for the submission services that do (main.cf's smtpd_sasl_auth_enable off, master.cf's
submission or submissions turning it on with -o: docker-mailserver, iRedMail, Mail-in-a-Box), or
where its own -o discards `auth` (what the compile writes for it). That one statement is imported
even when no submission service can be: the `sasl` line would otherwise turn logins on for port 25.

When services are imported, main.cf's TLS parameters belong to the `tls` and `service`
statements (a `set` of one would be MP355): each is absorbed, silently when the statements write
the same value, with an MP709 note when they write another (the import then changes it).
"""

from __future__ import annotations

from mailpolicy.audit.effective import ServiceView
from mailpolicy.audit.sasl import sasl_enabled
from mailpolicy.frozen import frozen
from mailpolicy.importer import spelling as say
from mailpolicy.importer.blocks import Block
from mailpolicy.importer.sender_checks import service_says
from mailpolicy.importer.statements import Translator
from mailpolicy.model.policy import Located, Policy, SaslConfig, ServiceConfig, TlsConfig
from mailpolicy.plan.services import (
    DISCARD_KEYWORDS, SERVICE_DECIDED, TLS_MANAGED, kind_overrides, tls_parameters, with_auth,
)
from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.postfix.service_kinds import INBOUND, KINDS, port_kind
from mailpolicy.simulate.tls_state import discard_words
from mailpolicy.source import Span



@frozen
class ImportedServices:
    """The statements, the views they came from, and what they absorbed (so it is not imported twice)."""

    blocks: tuple[Block, ...] = ()
    views: tuple[ServiceView, ...] = ()
    configs: tuple[ServiceConfig, ...] = ()
    main_names: frozenset[str] = frozenset()  # main.cf parameters the tls/service statements now decide


def import_services(t: Translator) -> ImportedServices:
    """Return the `service` and `tls` blocks of a configuration, or nothing when it has no submission service."""
    found: list[tuple[ServiceView, ServiceConfig]] = []
    elsewhere = bool(logins_only_on_submission(t))
    for view in t.ctx.views:
        config = _service_config(view, t.ctx.main, elsewhere)
        if config is not None and not any(c.kind == config.kind and c.addresses == config.addresses for _, c in found):
            found.append((view, config))
    if not any(config.kind != INBOUND or config.without_logins for _, config in found):
        return ImportedServices()
    blocks = [Block(tuple(_statement(c) for _, c in found), origins=tuple(v.service.span for v, _ in found))]
    tls, absorbed = _tls(t, tuple(c for _, c in found))
    if tls is not None:
        blocks.insert(0, tls)
    return ImportedServices(tuple(blocks), tuple(v for v, _ in found), tuple(c for _, c in found), absorbed)


def logins_only_on_submission(t: Translator) -> list[ServiceView]:
    """Return the public submission services that turn logins on with -o while port 25's smtpd has them off.

    Only the public submission ports (587, 465): a login on an internal listener (Mailu's 10025
    for its webmail) says nothing about what port 25 should offer.
    """
    if sasl_enabled(t.main_view):
        return []
    return [view for view in t.ctx.views if sasl_enabled(view) and view.service.type == "inet"
            and port_kind(view.service.name) in ("submission", "submissions")]


def _service_config(view: ServiceView, main, logins_elsewhere: bool) -> ServiceConfig | None:
    service = view.service
    if service.type != "inet" or not service.is_smtpd:
        return None
    host = service.name.rpartition(":")[0]
    kind = port_kind(service.name)
    if kind is None:
        return None
    wanted = {o.name: o.value for o in kind_overrides(KINDS[kind])}
    written = {o.name: o.value for o in service.overrides if o.name in SERVICE_DECIDED}
    # A sender list of its own is a `refuse senders ... on KIND` line (importer/sender_checks.py).
    if "smtpd_sender_restrictions" in written and service_says(written["smtpd_sender_restrictions"]):
        del written["smtpd_sender_restrictions"]
    without = kind == INBOUND and _without_logins(view, written, main, logins_elsewhere)
    if {n: _words(v) for n, v in written.items()} != {n: _words(v) for n, v in wanted.items()}:
        return None
    return ServiceConfig(kind, (host,) if host else (), service.span, service.span if without else None)


def _without_logins(view: ServiceView, written: dict[str, str], main, logins_elsewhere: bool) -> bool:
    """Tell whether port 25 is `without logins`, taking the -o that says so out of `written`.

    Either SASL is on there and its -o smtpd_discard_ehlo_keywords is main.cf's keywords plus
    `auth` (what plan/services.py writes), or SASL is off there while the import turns it on for
    the submission services (`logins_elsewhere`).
    """
    discard = written.get(DISCARD_KEYWORDS)
    if discard is not None:
        stated = main.get(DISCARD_KEYWORDS)
        if not sasl_enabled(view) or with_auth(stated.value if stated else "") != ",".join(discard_words(discard)):
            return False
        del written[DISCARD_KEYWORDS]
        return True
    return logins_elsewhere and not sasl_enabled(view)



def _words(value: str) -> tuple[str, ...]:
    return split_words(value)


def _statement(config: ServiceConfig) -> str:
    return say.service(config.kind, config.addresses, without_logins=config.without_logins is not None)


def _tls(t: Translator, services: tuple[ServiceConfig, ...]) -> tuple[Block | None, frozenset[str]]:
    """Return the `tls` block main.cf's certificate means, and every TLS parameter the statements now decide."""
    main = t.ctx.main
    present = [name for name in TLS_MANAGED if main.get(name) is not None]
    certificate = _certificate(t)
    span = Span(main.source.path, 1, 1)
    sasl = SaslConfig("dovecot", None, span, None) if any(_sasl_on(v) for v in t.ctx.views) else None
    tls = TlsConfig(*certificate, span, span) if certificate else None
    planned = {p.name: p.value for p in tls_parameters(
        Policy(version=Located(t.ctx.version), sasl=sasl, tls=tls, services=services))}
    notes = []
    for name in TLS_MANAGED:
        definition = main.get(name)
        if definition is None:
            notes += _default_replaced(t, name, planned.get(name))
            continue
        if certificate is not None and name in _CERTIFICATE_FILES:
            notes += _chain_files_split(t, definition, certificate)
            continue
        if _words(definition.value) != _words(planned.get(name, "")):
            shown = planned.get(name)
            notes.append(t.lossy(definition.name_span,
                                 f"{name} = {definition.value} is decided by the tls and service statements, which "
                                 + (f"write {name} = {shown}" if shown else "leave it to Postfix's default"),
                                 "read docs/language.md#tls; keep main.cf's value by deploying it beside the build"))
    # The absorbed lines are the block's origins, so the audit's findings on them stay in the import.
    origins = tuple(main.get(n).name_span for n in present)
    if certificate is None:
        block = Block((), tuple(notes), origins) if notes or origins else None
        return block, frozenset(present)
    cert, key, chain = certificate
    statement = say.tls(cert, key, chain)
    return Block((statement,), tuple(notes), origins), frozenset(present)


_CERTIFICATE_FILES = ("smtpd_tls_chain_files", "smtpd_tls_cert_file", "smtpd_tls_key_file")


def _default_replaced(t: Translator, name: str, planned: str | None) -> list[str]:
    """Announce a TLS parameter main.cf leaves at its default that the statements write otherwise."""
    default = t.main_view.value(name)
    if planned is None or _words(planned) == _words(default):
        return []
    return [t.lossy(t.located(name), f"main.cf leaves {name} at Postfix's default ({default.strip() or 'empty'}); "
                                     f"the tls and service statements write {name} = {planned}",
                    "read docs/language.md#tls; keep main.cf's value by deploying it beside the build")]


def _chain_files_split(t: Translator, definition, certificate: tuple[str, str, str | None]) -> list[str]:
    """Announce a key-and-certificate smtpd_tls_chain_files the `tls` statement writes as two parameters."""
    cert, key, chain = certificate
    if definition.name != "smtpd_tls_chain_files" or chain is not None:
        return []
    return [t.lossy(definition.name_span, f"smtpd_tls_chain_files = {definition.value} names a key and its certificate: "
                                          f"the tls statement writes the same files as smtpd_tls_cert_file = {cert} "
                                          f"and smtpd_tls_key_file = {key}",
                    "read docs/language.md#tls")]


def _certificate(t: Translator) -> tuple[str, str, str | None] | None:
    """Return (certificate, key, chain) main.cf names, when the `tls` statement can say it."""
    main = t.ctx.main
    chain_files = main.get("smtpd_tls_chain_files")
    if chain_files is not None and chain_files.value.strip():
        # postconf(5): each key followed by its certificate chain; a key and one certificate file
        # (docker-mailserver's snakeoil pair) are what smtpd_tls_key_file and _cert_file say.
        files = split_words(chain_files.value)
        if len(files) == 3:
            key, cert, chain = files
            return cert, key, chain
        if len(files) == 2:
            key, cert = files
            return cert, key, None
        return None
    cert, key = main.get("smtpd_tls_cert_file"), main.get("smtpd_tls_key_file")
    if cert is None or not cert.value.strip():
        return None
    return cert.value.strip(), (key.value.strip() if key is not None and key.value.strip() else cert.value.strip()), None


def _sasl_on(view: ServiceView) -> bool:
    return sasl_enabled(view)
