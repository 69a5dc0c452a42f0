"""Import master.cf's smtpd services as `service` statements, and main.cf's certificate as `tls`.

A service is recognised by its port (master.cf's first column after any `host:`): `smtp` or 25
is `inbound`, `submission` or 587 `submission`, `submissions`, `smtps` or 465 `submissions`. It
becomes a statement only when the overrides that decide relaying, logins and TLS are exactly the
ones the compiler writes for that kind (plan/services.py kind_overrides), besides a sender list
`refuse senders ... on KIND` can say: a statement must mean what the service does. Services are imported only when at least one submission service is: a
master.cf with only Postfix's stock `smtp` line stays as it was (the policy then describes
main.cf, which that line uses), so the imports of such configurations do not change.

When services are imported, main.cf's TLS parameters belong to the `tls` and `service`
statements (a `set` of one would be MP355): each is absorbed, silently when the statements write
the same value, with an MP709 note when they write another (the import then changes it).
"""

from __future__ import annotations

from mailpolicy.audit.effective import ServiceView
from mailpolicy.frozen import frozen
from mailpolicy.importer import spelling as say
from mailpolicy.importer.blocks import Block
from mailpolicy.importer.sender_checks import service_says
from mailpolicy.importer.statements import Translator
from mailpolicy.model.policy import Located, Policy, SaslConfig, ServiceConfig, TlsConfig
from mailpolicy.plan.services import SERVICE_DECIDED, TLS_MANAGED, kind_overrides, tls_parameters
from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.postfix.service_kinds import INBOUND, KINDS, port_kind
from mailpolicy.source import Span



@frozen
class ImportedServices:
    """The statements, the views they came from, and what they absorbed (so it is not imported twice)."""

    blocks: tuple[Block, ...] = ()
    views: tuple[ServiceView, ...] = ()
    main_names: frozenset[str] = frozenset()  # main.cf parameters the tls/service statements now decide


def import_services(t: Translator) -> ImportedServices:
    """Return the `service` and `tls` blocks of a configuration, or nothing when it has no submission service."""
    found: list[tuple[ServiceView, ServiceConfig]] = []
    for view in t.ctx.views:
        config = _service_config(view)
        if config is not None and not any(c.kind == config.kind and c.addresses == config.addresses for _, c in found):
            found.append((view, config))
    if not any(config.kind != INBOUND for _, config in found):
        return ImportedServices()
    blocks = [Block(tuple(_statement(c) for _, c in found), origins=tuple(v.service.span for v, _ in found))]
    tls, absorbed = _tls(t, tuple(c for _, c in found))
    if tls is not None:
        blocks.insert(0, tls)
    return ImportedServices(tuple(blocks), tuple(v for v, _ in found), absorbed)


def _service_config(view: ServiceView) -> ServiceConfig | None:
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
    if {n: _words(v) for n, v in written.items()} != {n: _words(v) for n, v in wanted.items()}:
        return None
    return ServiceConfig(kind, (host,) if host else (), service.span)


def _words(value: str) -> tuple[str, ...]:
    return split_words(value)


def _statement(config: ServiceConfig) -> str:
    return say.service(config.kind, config.addresses)


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
    for name in present:
        definition = main.get(name)
        if _words(definition.value) != _words(planned.get(name, "")):
            shown = planned.get(name)
            notes.append(t.lossy(definition.name_span,
                                 f"{name} = {definition.value} is decided by the tls and service statements, which "
                                 + (f"write {name} = {shown}" if shown else "leave it to Postfix's default"),
                                 "read docs/language.md#tls; keep main.cf's value by deploying it beside the build"))
    if certificate is None:
        block = Block((), tuple(notes)) if notes else None
        return block, frozenset(present)
    cert, key, chain = certificate
    statement = say.tls(cert, key, chain)
    origins = tuple(main.get(n).name_span for n in present)
    return Block((statement,), tuple(notes), origins), frozenset(present)


def _certificate(t: Translator) -> tuple[str, str, str | None] | None:
    """Return (certificate, key, chain) main.cf names, when the `tls` statement can say it."""
    main = t.ctx.main
    chain_files = main.get("smtpd_tls_chain_files")
    if chain_files is not None and chain_files.value.strip():
        files = split_words(chain_files.value)
        if len(files) == 3:
            key, cert, chain = files
            return cert, key, chain
        return None
    cert, key = main.get("smtpd_tls_cert_file"), main.get("smtpd_tls_key_file")
    if cert is None or not cert.value.strip():
        return None
    return cert.value.strip(), (key.value.strip() if key is not None and key.value.strip() else cert.value.strip()), None


def _sasl_on(view: ServiceView) -> bool:
    return view.value("smtpd_sasl_auth_enable").strip().lower() in ("yes", "true")
