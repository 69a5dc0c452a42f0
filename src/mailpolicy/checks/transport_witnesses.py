"""The witness of a transport relay: a request an anonymous client gets accepted, then sent on (checks/transports.py).

For a route that hands mail for a domain to the domain's own servers, the simulator decides
requests from an outside client (for a FILTER action, ones that meet it): the first accepted is
the witness of an error (MP384). A FILTER table whose patterns cannot be solved, or a pattern
transport rule the witnesses do not decide, is a possible relay (MP386); otherwise what the proof
needs is stated as an assumption (MP385).
"""

from __future__ import annotations

import ipaddress
from typing import Iterator

from mailpolicy.checks.route_judge import RouteJudge, Where
from mailpolicy.checks.samples import OUTSIDE_CLIENT
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.simulate import Request, Verdict
from mailpolicy.simulate.lookup import pattern_table
from mailpolicy.simulate.transport import Route, Unsolved, class_route, split_transport

SENDER = "anyone@elsewhere.test"
HELO = "client.example.test"

HINT = ("deliver a domain this server receives mail for on this host (local, virtual, lmtp to a unix socket or "
        "a loopback address) or on an inner host of your own, and list as a destination only domains that are "
        "yours")


def possible_relays(service, model, judge: RouteJudge, domain: str, listed_in: str, unsolved: list[Unsolved]) -> Iterator[Diagnostic]:
    """Report a pattern transport rule the witnesses do not decide that may hand mail for the domain to its servers.

    Its route is read from its result (fixed text: transport_maps skips rules that use `$1`): a
    network transport whose nexthop is the domain's own servers may relay. It is a possible relay
    (an error that says so, as MP301 says of an unsolved access table) when smtpd accepts mail for
    the domain from anyone at all; never taken as safe.
    """
    base = class_route(model, model.resolver.resolve(f"victim@{domain}").domain_class, domain)
    risky = [rule for rule in unsolved if base is not None and _may_reach_servers(judge, rule.result, base, domain)]
    if not risky:
        return
    accepted = next((request for recipient in (f"victim@{domain}", f"postmaster@{domain}")
                     if model.branches(request := Request(OUTSIDE_CLIENT, None, SENDER, recipient, helo=HELO))[0]
                     .decision.verdict is Verdict.ACCEPT), None)
    if accepted is None:
        return
    span = service.parameter_span("transport_maps") or service.fallback_span()
    for rule in risky:
        yield cat.POSSIBLE_TRANSPORT_RELAY.at(
            span, f"mail for {domain} is accepted from anyone ({listed_in} lists it; {accepted.describe()} is "
                  f"accepted) and rule {rule.line} of {rule.table} ({rule.result}) may hand it to {domain}'s own "
                  f"mail servers, and {domain} is not this policy's own ({judge.listed()}); its patterns cannot be "
                  f"solved, so the proof cannot tell which recipients it sends there", hint=HINT)


def _may_reach_servers(judge: RouteJudge, result: str, base: Route, domain: str) -> bool:
    """Tell whether a transport rule's result can hand a recipient at `domain` to the domain's own servers."""
    transport, nexthop = split_transport(result)
    transport = transport or base.transport  # `:nexthop` keeps the class's transport (transport.c update_entry)
    return judge.where(Route(transport, nexthop or domain, "transport_maps"), domain) is Where.DESTINATION


def relay_finding(model, judge: RouteJudge, route: Route, domain: str, listed_in: str, requests: list[Request], trigger: str | None,
           span):
    """Return the error with the first request an anonymous client gets accepted (and, for a FILTER action,
    that triggers it), else the assumption it needs."""
    command = judge.command(route.transport)
    hop = (f"the mail exchangers of {domain}" if route.nexthop.lower().rstrip(".") == domain
           else f"nexthop {route.nexthop}")
    said = (f"mail for {domain} is accepted from anyone ({listed_in} lists it) and {route.chosen_by} hands it to "
            f"{route.transport} ({command}) with {hop}: {domain}'s own mail servers, and {domain} is not this "
            f"policy's own ({judge.listed()})")
    needed: set[str] = set()
    for request in requests:
        branches = model.branches(request)
        decision = branches[0].decision
        # A FILTER action applies only to a message whose lookup met it (the trace shows the result).
        triggered = trigger is None or any(f"-> FILTER {route.transport}:" in line for line in decision.trace)
        if decision.verdict is Verdict.ACCEPT and triggered:
            return cat.TRANSPORT_RELAY.at(span, f"{said}, so anyone can relay mail to {domain} through this server: "
                                                f"{request.describe()} is accepted and sent on", hint=HINT)
        needed |= {label for b in branches if b.decision.verdict is Verdict.ACCEPT for label, _w in b.choices}
    if trigger is not None and (patterns := pattern_table(trigger)) is not None and _unsolved(patterns):
        return cat.POSSIBLE_TRANSPORT_RELAY.at(
            span, f"{said}; the proof cannot solve the patterns of {trigger}, so it cannot tell which clients' "
                  f"mail meets that action", hint=HINT)
    if trigger is not None:
        return cat.TRANSPORT_ASSUMPTION.at(
            span, f"{said}; no request tried here both is accepted and meets that action: the open-relay proof "
                  f"assumes no client's mail for {domain} does")
    tables = ", ".join(sorted(needed)) or "the recipient tables"
    return cat.TRANSPORT_ASSUMPTION.at(
        span, f"{said}; the open-relay proof assumes that {tables} accept no recipient at {domain} from anyone")


def _unsolved(patterns) -> bool:
    from mailpolicy.simulate.pattern_witness import witnesses  # only with a pattern table (start-up)

    return witnesses(tuple(patterns.rules), "sender") is None


def triggering(model, table: str | None) -> list[tuple[str, str, str]]:
    """Return (client, MAIL FROM, HELO) to try: the usual one, and for a FILTER table one per key it holds.

    A FILTER table written as an inline pattern table is solved (simulate/pattern_witness.py): one
    sender, HELO name and client address per class of the table, so a FILTER only some senders meet
    is met by one of them.
    """
    triples = [(OUTSIDE_CLIENT, SENDER, HELO)]
    if table is None:
        return triples
    known = model.tables.table(table)
    for key in (list(known.entries) if known is not None else [])[:_KEYS]:
        if "@" in key and not key.startswith("@"):
            triples.append((OUTSIDE_CLIENT, key, HELO))
        elif "." in key:
            triples += [(OUTSIDE_CLIENT, f"anyone@{key.lstrip('.')}", HELO), (OUTSIDE_CLIENT, SENDER, key.lstrip("."))]
    patterns = pattern_table(table)
    if patterns is not None:
        from mailpolicy.simulate.pattern_witness import witnesses  # only with a pattern table (start-up)

        rules = tuple(patterns.rules)
        triples += [(OUTSIDE_CLIENT, key, HELO) for key in witnesses(rules, "sender") or ()]
        triples += [(OUTSIDE_CLIENT, SENDER, key) for key in witnesses(rules, "helo") or ()]
        triples += [(key, SENDER, HELO) for key in witnesses(rules, "client") or () if ipaddress.ip_address(key).is_global]
    return list(dict.fromkeys(triples))


_KEYS = 50  # keys of a FILTER table tried as the witness's sender or HELO
