"""The simulator's model of each smtpd service, built from main.cf, master.cf and the readable tables.

`PostfixModel` reads main.cf-level parameters, so the audit hands it what the service sees:
main.cf's values with the service's -o overrides on top (Postfix's defaults fill the rest). A
table named by path (hash:/etc/postfix/access, cidr:/etc/postfix/clients) is known to the model
when its source file can be read (postmap builds the indexed file from it); any other table stays
unknown, and a decision that depends on it is a "possible" one. A decision names a list and a
restriction's position; the audit points at that restriction's own line, or, for a list main.cf
does not set, at the parameter whose value let the request through (the mynetworks entry that
holds the client).
"""

from __future__ import annotations

import ipaddress

from mailpolicy.audit.context import AuditContext
from mailpolicy.audit.effective import ServiceView, Word
from mailpolicy.load.files import read_source
from mailpolicy.model.values import ValueProblem, network
from mailpolicy.postfix.daemons import READ_BY_BOTH
from mailpolicy.postfix.restriction_lists import split_words
from mailpolicy.postfix.tables import TEXT_TABLE_TYPES, read_text_table, table_reference
from mailpolicy.simulate import Host, PostfixModel
from mailpolicy.source import Span

# Table types whose source is `key value` lines the model can hold.
MODEL_TABLE_TYPES = TEXT_TABLE_TYPES | {"cidr"}


def model_for(ctx: AuditContext, view: ServiceView) -> PostfixModel:
    """Return the simulator's model of one smtpd service.

    The model depends only on main.cf (the same for every service) and the service's -o values, so
    services alike in those share one, and each check that asks for it gets the one already built:
    a model expands every main.cf value, which costs a second with a 1,000-long chain of `$name`.
    """
    overrides = tuple((o.name, o.value) for o in view.overrides)
    in_cleanup = _cleanup_values(ctx, view)
    hostname = view.value("myhostname").strip() or Host().hostname
    screened = view.service.type == "pass"
    key = (overrides, in_cleanup, hostname, screened)
    model = ctx.models.get(key)
    if model is None:
        params = {d.name: d.value for d in ctx.main.definitions}
        params.update(dict(overrides))
        # Behind postscreen (a `pass` service) smtpd takes the client from postscreen and ignores its
        # own setting (smtpd_peer.c); postscreen's, which reads a PROXY header in smtpd's stead
        # (postscreen_endpt.c), applies only there: the checks read whichever names the client.
        if screened:
            params["smtpd_upstream_proxy_protocol"] = ""
        if screened and view.screen is not None:
            params["postscreen_upstream_proxy_protocol"] = view.value("postscreen_upstream_proxy_protocol")
        else:
            params.pop("postscreen_upstream_proxy_protocol", None)
        cleanup = None
        if in_cleanup is not None:
            cleanup = {name: value for name, value in params.items() if name not in READ_BY_BOTH} | dict(in_cleanup)
        model = ctx.models[key] = PostfixModel.from_parameters(
            params, known_tables(ctx, {**params, **(cleanup or {})}), ctx.version, Host(hostname=hostname),
            cleanup_params=cleanup)
    return model


def _cleanup_values(ctx: AuditContext, view: ServiceView) -> tuple[tuple[str, str], ...] | None:
    """Return the maps cleanup rewrites this service's mail with, when they are not smtpd's (None: the same).

    smtpd and cleanup both read them (postfix/daemons.py READ_BY_BOTH): smtpd's values decide which
    recipients are listed, cleanup's - main.cf's and the cleanup service's -o, never smtpd's - what
    an accepted address becomes.
    """
    own = view.cleanup_overrides
    if not own and not any(o.name in READ_BY_BOTH for o in view.service.overrides):
        return None
    values = {name: ctx.main.value(name) for name in READ_BY_BOTH if ctx.main.value(name) is not None}
    values.update((o.name, o.value) for o in own)
    return tuple(values.items())


def known_tables(ctx: AuditContext, params: dict[str, str]) -> dict[str, dict[str, str]]:
    """Return the contents of every readable text table the parameters name, by reference."""
    tables: dict[str, dict[str, str]] = {}
    for value in params.values():
        for word in split_words(value):
            reference = table_reference(word, MODEL_TABLE_TYPES)
            if reference is None or word in tables:
                continue
            path = ctx.files.readable_table(reference[1])  # None: outside the audited folder
            source = read_source(path, str(path), None)[0] if path is not None else None
            if source is not None:
                tables[word] = read_text_table(source.text)
    return tables


def entry_span(ctx: AuditContext, view: ServiceView, parameter: str | None, position: int | None) -> Span | None:
    """Return where the restriction at `position` of a list was written (None for a default list)."""
    if parameter is None:
        return None
    if position is not None:
        restrictions = ctx.restrictions(view, parameter)
        if position < len(restrictions) and restrictions[position].span is not None:
            return restrictions[position].span
    return view.origin(parameter).span


def source_span(view: ServiceView, name: str, client: str | None = None) -> Span | None:
    """Return where a parameter a decision read was set; for mynetworks, the entry holding the client."""
    if name == "mynetworks" and client is not None:
        word = network_holding(view, client)
        if word is not None:
            return word.span
    # A map cleanup rewrites with by a -o of its own: findings about the rewriting point there.
    rewriting = next((o for o in view.cleanup_overrides if o.name == name), None)
    return rewriting.span if rewriting is not None else view.origin(name).span


def network_holding(view: ServiceView, client: str) -> Word | None:
    """Return the mynetworks entry that holds a client address."""
    address = ipaddress.ip_address(client)
    for word in view.words("mynetworks"):
        try:
            net = network(word.text).network
        except ValueProblem:
            continue
        if net.version == address.version and address in net:
            return word
    return None


def fallback_span(ctx: AuditContext, view: ServiceView) -> Span | None:
    """Return where a finding about the relay decision as a whole is reported."""
    for name in ("smtpd_relay_restrictions", "smtpd_recipient_restrictions", "mynetworks"):
        span = view.origin(name).span
        if span is not None:
            return span
    return ctx.main.definitions[0].name_span if ctx.main.definitions else None


def reachable_from_outside(view: ServiceView) -> bool:
    """Tell whether clients on the Internet can connect to the service (not a unix socket or loopback port)."""
    service = view.service
    if service.type == "pass" and view.screens:
        # Only postscreen hands clients to a `pass` smtpd: it is as reachable as the postscreens in front.
        return any(_listens_outside(screen.name) for screen in view.screens)
    if service.type not in ("inet", "pass"):
        return False
    return _listens_outside(service.name)


def _listens_outside(name: str) -> bool:
    """Tell whether a master.cf `inet` service name (`smtp`, `127.0.0.1:smtp`, `[::1]:25`) listens beyond loopback."""
    host = name.rpartition(":")[0].strip("[]") if ":" in name else ""
    if host in ("localhost",):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True
