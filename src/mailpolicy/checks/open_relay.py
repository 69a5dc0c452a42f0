"""Prove that no anonymous client can relay (MP301), on every compile and for every service of an audit.

The simulator searches every class of request an anonymous client on the Internet could send
(its address, HELO, MAIL FROM, and RCPT TO including the relay tricks scanners try) for one
Postfix would accept for a domain this server is not the destination of. Each way found is an
error where the host says the permit that let it through was decided (a `set` list's own column,
the `relay` statement, a restriction's own line of a continued main.cf list, or the master.cf -o
that set the list), with the parameter entries that let the client match (the trusted network or
mynetworks entry holding it) as related locations. Recipient rewriting the client can steer
(simulate/rewrite.py: canonical_maps, recipient_canonical_maps or virtual_alias_maps whose
pattern result uses the client's text, or whose contents are unknown) relays after smtpd's
check: it is reported where that parameter was decided; so are REDIRECT and BCC targets the
client writes (simulate/redirects.py). A service only this host can reach (a unix socket, a
loopback port such as a content filter's reinjection service) is not searched. A configuration
smtpd refuses to start with is reported instead (MP712): no mail passes, but none is received.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.checks.relay_declaration import foreign_relay_domains
from mailpolicy.checks.relay_search import anonymous_relays
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.restriction_lists import SMTPD_LISTS
from mailpolicy.simulate import PostfixModel
from mailpolicy.simulate.assumptions import Assumption
from mailpolicy.simulate.proof import Counterexample, ProofTooLarge
from mailpolicy.simulate.redirects import steerable_redirects
from mailpolicy.source import Span

_HINTS = {
    "permit_mynetworks": "trust only the networks whose hosts really send through this server; a client whose "
                         "address changes should log in (`sasl ...`, `relay only authenticated`)",
    "permit": "an unconditional `permit` before the relay check accepts mail for every destination; remove it",
    None: "mail for other domains must be refused unless the client is trusted or logged in",
}


def check_open_relay(host: Host) -> Iterator[Diagnostic]:
    """Report every way an anonymous outside client could relay, in every service reachable from outside."""
    return host.per_service(_open_relay)


def _open_relay(service: Service) -> Iterator[Diagnostic]:
    if not service.reachable_from_outside():
        return
    model = service.model()
    if model.fatal:
        yield cat.SMTPD_CANNOT_START.at(
            service.fallback_span(), f"smtpd stops at every connection: fatal: {model.fatal}",
            hint=("end smtpd_relay_restrictions with reject_unauth_destination, with no `permit` before it"
                  if "working instance" in model.fatal else "fix the values Postfix cannot expand (MP708)"))
        return
    try:
        found = undeclared_relays(model) if service.judges_relay_domains else anonymous_relays(model)
    except ProofTooLarge as error:
        yield cat.OPEN_RELAY.at(service.fallback_span(), f"cannot prove that no anonymous client can relay: {error}",
                                hint="split large access tables out of the restriction lists")
        return
    for counterexample in found:
        if not counterexample.assumptions:
            yield relay_diagnostic(service, counterexample, service.wording.anonymous_client, cat.OPEN_RELAY)
    for assumption in stated_assumptions(found):
        span = (service.entry_span(assumption.parameter, assumption.position) if assumption.position is not None
                else None) or service.parameter_span(assumption.parameter) or service.fallback_span()
        yield cat.RELAY_ASSUMPTION.at(span, assumption_message(assumption), hint=ASSUMPTION_HINT)
    yield from _redirects(service, model)


ASSUMPTION_HINT = ("the proof cannot read this table: if it answers otherwise, it lets clients relay; "
                   "`mailpolicy explain` lists every assumption the proof makes")


def stated_assumptions(found: list[Counterexample]) -> list[Assumption]:
    """Return the assumptions the proof needs, once each, in the order found."""
    return list(dict.fromkeys(a for cx in found for a in cx.assumptions))


def assumption_message(assumption: Assumption) -> str:
    """Return the note for one assumption."""
    return f"the open-relay proof assumes that {assumption.sentence}"


def undeclared_relays(model: PostfixModel) -> list[Counterexample]:
    """Return the ways an anonymous client relays (or may, under an assumption) that MP324 does not already
    report; raise ProofTooLarge."""
    found = anonymous_relays(model)
    if foreign_relay_domains(model.config.words):
        # MP324 reports each relay_domains entry that relays for others, at the entry: a
        # request accepted only because its domain is a relay destination is that same cause.
        found = [cx for cx in found if not _declared(cx)]
    return found


def _redirects(service: Service, model: PostfixModel) -> Iterator[Diagnostic]:
    """MP301 for REDIRECT/BCC targets the client writes (simulate/redirects.py), at the parameter naming the table."""
    lists = {name: tuple(model.lists[name]) for name in SMTPD_LISTS}
    lists.update({name: model.config.words(name) for name in model.classes})
    domains = [w.lower() for w in model.config.words("mydestination") if ":" not in w and not w.startswith("/")]
    for redirect in steerable_redirects(model.config.words, lists, domains):
        span = service.parameter_span(redirect.parameter) or service.fallback_span()
        what = f"{redirect.action} in {redirect.parameter} ({redirect.table})"
        if redirect.certain:
            message = (f"open relay: anyone can relay through {what}: a client that sends `{redirect.witness}` "
                       f"has the message sent to <{redirect.target}>, a destination it wrote")
        else:
            message = (f"possible open relay: {what} builds its target from the client's text ($1-style "
                       "substitution), so a client may choose where the message goes")
        yield cat.OPEN_RELAY.at(span, message, hint="write REDIRECT and BCC targets whole: never build a destination "
                                                     "from what the client sent")


def _declared(counterexample: Counterexample) -> bool:
    decision = counterexample.decision
    return (counterexample.certain and counterexample.rewrite is None and counterexample.xclient is None
            and counterexample.proxied is None
            and decision.restriction is None and "relay_domains" in decision.sources)


def relay_diagnostic(service: Service, counterexample: Counterexample, who: str, code,
                     suffix: str = "") -> Diagnostic:
    """Return the finding for one way to relay, at the line the host says decided what accepted it."""
    decision = counterexample.decision
    related = tuple(Related(span, f"{name} is {service.wording.decided} here")
                    for name, span in _source_spans(service, counterexample))
    span = service.entry_span(decision.parameter, decision.position)
    if counterexample.rewrite is not None:
        # The rewriting table relays, not the restriction that rightly accepted a local recipient.
        rewriting = service.parameter_span(counterexample.rewrite.parameter)
        if rewriting is not None:
            span, related = rewriting, ()
    elif counterexample.proxied or counterexample.xclient:
        # The line that let an outside client pose as another (XCLIENT, or a PROXY header any client
        # may send) is the one to change.
        parameter = counterexample.proxy_parameter if counterexample.proxied else "smtpd_authorized_xclient_hosts"
        posing = service.parameter_span(parameter)
        if posing is not None:
            if span is not None:
                related = (Related(span, f"{decision.restriction} accepts the posing client here"), *related)
            span = posing
    if span is None and related:
        span, related = related[0].span, related[1:]
    return code.at(span or service.fallback_span(), relay_message(counterexample, who, suffix),
                   hint=counterexample_hint(counterexample), related=related)


def relay_message(counterexample: Counterexample, who: str, suffix: str = "") -> str:
    """Return the message for a way to relay: who, the envelope, what accepted it and why."""
    decision = counterexample.decision
    by = f" by {decision.restriction} in {decision.parameter}" if decision.restriction else ""
    envelope = _envelope(counterexample)
    if counterexample.rewrite is not None:
        return _rewrite_message(counterexample, who, envelope, by)
    if counterexample.certain:
        return f"open relay: {who} can relay{suffix}: {envelope} is accepted{by} ({decision.reason})"
    answers = "; ".join(counterexample.answers)
    reason = f" ({decision.reason})" if answers not in decision.reason else ""
    return f"possible open relay: {who} may relay{suffix}: {envelope} is accepted{by}{reason} if {answers}"


def _rewrite_message(counterexample: Counterexample, who: str, envelope: str, by: str) -> str:
    rewrite, decision = counterexample.rewrite, counterexample.decision
    table = f"{rewrite.parameter} ({rewrite.table})"
    if rewrite.parameter.endswith("_bcc_maps"):
        added = f"adds the recipient <{rewrite.result}>" if counterexample.certain else "adds a recipient"
        condition = f" if {'; '.join(counterexample.answers)}" if counterexample.answers else ""
        kind = "open relay: " + who + " can" if counterexample.certain else "possible open relay: " + who + " may"
        return (f"{kind} relay through address rewriting: {envelope} is accepted{by}{condition}, "
                f"then cleanup {added} from {table}, built from the {rewrite.keyed_by} the client wrote")
    if counterexample.certain:
        return (f"open relay: {who} can relay through address rewriting: {envelope} is accepted{by} "
                f"({decision.reason}), then cleanup rewrites the recipient with {table} to <{rewrite.result}>")
    condition = f" if {'; '.join(counterexample.answers)}" if counterexample.answers else ""
    return (f"possible open relay: {who} may relay through address rewriting: {envelope} is accepted{by}{condition}, "
            f"then cleanup rewrites the recipient with {table}, which may send it to a remote address of the "
            f"client's choosing: {rewrite.reason}")


def relay_hint(decision) -> str:
    """Return what to do about a way to relay, by what accepted it."""
    if decision.restriction is None and "relay_domains" in decision.sources:
        return ("relay_domains lists domains this server forwards mail to for anyone (a backup MX); "
                "list only domains that really use this server as their MX")
    return _HINTS.get(decision.restriction, _HINTS[None])


def counterexample_hint(counterexample: Counterexample) -> str:
    """Return what to do about one way to relay."""
    if counterexample.rewrite is not None:
        return ("cleanup rewrites recipients after smtpd's relay check; build no destination from the client's text: "
                "list each address in an exact-key table (hash:, lmdb:), or write results with a fixed local domain")
    if counterexample.proxied:
        # smtpd or postscreen, the daemon the setting belongs to (simulate/proof.py PROXY_PARAMETERS).
        daemon = counterexample.proxy_parameter.partition("_")[0]
        return (f"{counterexample.proxy_parameter} = haproxy makes {daemon} take the client's address from the first "
                "line any client sends: let clients relay by login (permit_sasl_authenticated) rather than by address, "
                f"or let {daemon} listen only where the proxy alone connects (a loopback master.cf service such as "
                "`127.0.0.1:smtp`) and publish the proxy instead")
    if counterexample.xclient:
        return ("smtpd_authorized_xclient_hosts lets its clients claim any address and login (XCLIENT); "
                "list only the hosts of your own proxies or filters, never networks of the Internet")
    return relay_hint(counterexample.decision)


def _envelope(counterexample: Counterexample) -> str:
    request = counterexample.request
    login = f" logged in as {request.sasl_login}," if request.sasl_login else ""
    client = request.client_address
    if counterexample.xclient:
        client = f"{counterexample.xclient} posing with XCLIENT as {client}"
    elif counterexample.proxied:
        client = f"{counterexample.proxied} naming {client} in a PROXY header ({counterexample.proxy_parameter})"
    return f"from {client},{login} MAIL FROM:<{request.sender}> RCPT TO:<{request.recipient}>"


def _source_spans(service: Service, counterexample: Counterexample) -> list[tuple[str, Span]]:
    found: list[tuple[str, Span]] = []
    for name in counterexample.decision.sources:
        span = service.parameter_span(name, counterexample.request.client_address)
        if span is not None:
            found.append((name, span))
    return found
