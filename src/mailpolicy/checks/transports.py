"""Transports (MP384, MP385): mail smtpd accepts as this server's own, handed on to another domain's servers.

smtpd accepts mail for a domain of $mydestination or $virtual_mailbox_domains from anyone
(src/smtpd/smtpd_check.c permit_auth_destination: the resolver's class is final), because it is
delivered here. What "here" means is the transport's choice, made after acceptance
(simulate/transport.py: $local_transport, $virtual_transport, transport_maps, a content filter or
an access table's FILTER action). A transport whose command is smtp(8) or lmtp(8) with the
recipient's domain as nexthop (the default: the domain's MX hosts, or its address for lmtp), or
with a nexthop inside that domain (`smtp:[mx.gmail.test]`), hands the message to that domain's own
mail servers: for a domain that is not the administrator's it is relaying, for anyone. That is an
error, with a witness the simulator decides (an outside client, not logged in, sending to an
address at the domain; tests/corpus/adversarial/transport-*.case shows the real server queue it
to the smtp transport).

What is not an error:
- any route of a domain that is the policy's own: its registrable domain is that of $myhostname,
  $mydomain, a stated backup-MX domain, or a final domain whose mail stays on this host; mail for
  one's own domain goes where the administrator sends it (an inner mail store, a loop back here);
- a route that stays on this host: a command other than smtp/lmtp (local, virtual, pipe, error,
  discard), a unix-domain socket, a loopback nexthop;
- a route to an inner host of the administrator's: a name under the policy's own domains, or a
  private address (RFC 1918, RFC 4193).

Stated as assumptions (MP385 notes, like MP326), never errors: a transport_maps or domain table
that cannot be read here, a transport name the host's master.cf does not show (the compiled
policy writes no master.cf transports: the stock ones are known), and a named host that is neither
inside the routed domain nor the policy's own (an IP literal on the Internet, another
organisation's host): who runs it decides, and the proof cannot know.

Where a route goes and whose domains are the policy's own is checks/route_judge.py; the request
that witnesses a relay, and the finding it makes, checks/transport_witnesses.py.
"""

from __future__ import annotations

import functools
from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.checks.route_judge import RouteJudge, Where
from mailpolicy.checks.transport_witnesses import possible_relays, relay_finding, triggering
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.simulate import Request
from mailpolicy.simulate.transport import (Route, TransportRecipients, Unread, Unsolved, access_filters, class_route,
                                           filter_route, final_domains, mapped_route)


def check_transports(host: Host) -> Iterator[Diagnostic]:
    """Report each service whose transports hand mail accepted from anyone to another domain's servers."""
    commands = dict(host.transport_commands())
    return host.per_service(functools.partial(_transports, commands=commands))


def _transports(service: Service, commands: dict[str, str]) -> Iterator[Diagnostic]:
    if not service.reachable_from_outside():
        return
    model = service.model()
    if model.fatal:
        return
    judge = RouteJudge(model, commands, service.backup_domains())
    domains, unread_lists = final_domains(model)
    filters = _filters(model)
    recipients = TransportRecipients(model, [table for *_rest, table in filters if table is not None])
    routed: dict[str, tuple[str, list[str], list[Unsolved], list[Route | Unread]]] = {}
    for domain, listed_in in domains:
        if class_route(model, model.resolver.resolve(f"victim@{domain}").domain_class, domain) is None:
            continue
        addresses, unsolved = recipients.at(domain)
        routes = [route for address in addresses
                  for route in _routes(model, address, model.resolver.resolve(address).domain_class, filters)]
        routed[domain] = (listed_in, addresses, unsolved, routes)
    # A domain whose mail stays here or with the administrator, whichever address at it is sent to,
    # is the administrator's own: whose domain it is does not matter, and names under it are inner hosts.
    kept = [d for d, (_l, _a, unsolved, routes) in routed.items() if not unsolved and routes
            and all(isinstance(r, Route) and judge.where(r, d) <= Where.INNER for r in routes)]
    judge.add_own(kept)
    said: set[tuple] = set()
    findings = [finding for domain, (listed_in, addresses, unsolved, _routes_taken) in routed.items()
                if domain not in kept and not judge.is_own(domain)
                for finding in _judge_domain(service, model, judge, domain, (listed_in, addresses, unsolved), filters)]
    for finding in [*findings, *_filtered_aliases(service, model, judge, filters)]:
        key = (finding.code, finding.span, finding.message)
        if key not in said:
            said.add(key)
            yield finding
    yield from _unread_lists(service, model, judge, unread_lists, filters)


def _judge_domain(service, model, judge, domain: str, found, filters) -> Iterator[Diagnostic]:
    """Judge every route a recipient at a domain that is not the policy's own can take."""
    listed_in, addresses, unsolved = found
    to_servers: dict[tuple, tuple[Route, list[str]]] = {}  # routes to the domain's own servers, with recipients
    for recipient in addresses:
        resolved = model.resolver.resolve(recipient)
        for route in _routes(model, recipient, resolved.domain_class, filters):
            if isinstance(route, Unread):
                yield _unread_transport(service, route, domain)
                continue
            where = judge.where(route, domain)
            span = _span(service, route, filters)
            if where is Where.DESTINATION:
                to_servers.setdefault((route.chosen_by, route.transport, route.nexthop), (route, []))[1].append(
                    recipient)
            elif where is Where.ELSEWHERE:
                yield cat.TRANSPORT_ASSUMPTION.at(
                    span, f"{route.chosen_by} sends mail for {domain} ({listed_in}) to {route.transport}:"
                          f"{route.nexthop}; the open-relay proof assumes that host is the administrator's and "
                          f"delivers it, not a server of {domain}'s own")
            elif where is Where.UNKNOWN_TRANSPORT:
                yield cat.TRANSPORT_ASSUMPTION.at(
                    span, f"{route.chosen_by} sends mail for {domain} ({listed_in}) to the transport "
                          f"`{route.transport}`, which master.cf does not show here; the open-relay proof assumes it "
                          f"delivers on this host or to a host of the administrator's")
    triggers = {by: table for _v, by, _p, table in filters}
    certain: set[str | None] = set()  # the transport tables a certain witness was found through
    for route, recipients in to_servers.values():
        requests = [Request(client, None, sender, recipient, helo=helo) for recipient in recipients
                    for client, sender, helo in triggering(model, triggers.get(route.chosen_by))]
        finding = relay_finding(model, judge, route, domain, listed_in, requests, triggers.get(route.chosen_by),
                         _span(service, route, filters))
        if finding.code == cat.TRANSPORT_RELAY.code:
            certain.add(route.table)
        yield finding
    yield from possible_relays(service, model, judge, domain, listed_in,
                         [rule for rule in unsolved if rule.table not in certain])


def _filtered_aliases(service, model, judge, filters) -> Iterator[Diagnostic]:
    """Judge the content filters' routes of addresses cleanup leaves in a virtual alias domain (self-mapping aliases).

    Without a filter the resolver bounces them (the error transport); a filter without a nexthop
    sends each to its own domain's servers (simulate/alias_queue.py).
    """
    if not filters:
        return
    from mailpolicy.simulate.alias_queue import queued_in_alias_domains  # only with a content filter (start-up)

    triggers = {by: table for _v, by, _p, table in filters}
    for accepted, queued in queued_in_alias_domains(model):
        domain = queued.rpartition("@")[2].lower()
        if judge.is_own(domain):
            continue
        for value, by, _parameter, _table in filters:
            route = filter_route(model, value, domain, by)
            if judge.where(route, domain) is not Where.DESTINATION:
                continue
            requests = [Request(client, None, sender, accepted, helo=helo)
                        for client, sender, helo in triggering(model, triggers.get(by))]
            # listed_in reads "(virtual_alias_maps lists it)": cleanup queues <accepted> as <queued>, still there.
            yield relay_finding(model, judge, route, domain, "virtual_alias_maps", requests, triggers.get(by), _span(service, route, filters))


def _unread_lists(service, model, judge, unread_lists, filters) -> Iterator[Diagnostic]:
    """State what a domain table the proof cannot read must not list, when its transport sends mail onward."""
    probe = "example.invalid"  # any domain such a table may list: its route is the class's, or transport_maps'
    for parameter, table, domain_class in unread_lists:
        for route in _routes(model, f"victim@{probe}", domain_class, filters):
            if isinstance(route, Unread):
                yield _unread_transport(service, route, f"one {table} ({parameter}) lists")
            elif judge.where(route, probe) is Where.DESTINATION:
                yield cat.TRANSPORT_ASSUMPTION.at(
                    service.element_span(parameter, table) or service.parameter_span(parameter),
                    f"the open-relay proof assumes that {table} ({parameter}) lists only domains of the "
                    f"administrator's: {route.chosen_by} hands their mail to {route.transport} with each domain's "
                    f"own mail servers as nexthop")


def _routes(model, address: str, domain_class, filters) -> list[Route | Unread]:
    """Return every route a recipient can take: its class's transport after transport_maps, and each filter's."""
    domain = address.rpartition("@")[2]
    base = class_route(model, domain_class, domain)
    if base is None:
        return []
    return [mapped_route(model, address, base)] + [filter_route(model, value, domain, by) for value, by, _l, _t in filters]


def _unread_transport(service, route: Unread, example: str) -> Diagnostic:
    return cat.TRANSPORT_ASSUMPTION.at(
        service.parameter_span("transport_maps") or service.fallback_span(),
        f"the open-relay proof assumes that {route.table} (transport_maps) sends no domain this server accepts "
        f"from anyone, such as {example}, to that domain's own mail servers")


def _filters(model) -> list[tuple[str, str, str, str | None]]:
    """Return (transport:nexthop, what chose it, the parameter to point at, the access table) of every content filter."""
    found = []
    value = model.config.value("content_filter").strip()
    if value:
        found.append((value, "content_filter", "content_filter", None))
    lists = {name: model.lists[name] for name in model.lists}
    lists.update({name: model.config.words(name) for name in model.classes})
    for parameter, reference, target in access_filters(model, lists):
        found.append((target, f"the FILTER action of {reference}", parameter, reference))
    return found


def _span(service, route: Route, filters):
    parameter = next((p for _v, by, p, _t in filters if by == route.chosen_by), route.chosen_by)
    return service.parameter_span(parameter) or service.fallback_span()
