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
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
from typing import Iterator

from mailpolicy.checks.host import Host, Service
from mailpolicy.checks.relay_declaration import is_own_name, suffix_list
from mailpolicy.checks.samples import OUTSIDE_CLIENT
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.simulate import Request, Verdict
from mailpolicy.simulate.lookup import pattern_table
from mailpolicy.simulate.transport import (Route, Unread, access_filters, class_route, filter_route,
                                           final_domains, mapped_route, split_transport)
from mailpolicy.simulate.transport import TransportRecipients, Unsolved

# The commands of Postfix 3.7's stock master.cf unix services that can be a transport.
STOCK_COMMANDS = {"smtp": "smtp", "relay": "smtp", "lmtp": "lmtp", "local": "local", "virtual": "virtual",
                  "error": "error", "retry": "error", "discard": "discard", "maildrop": "pipe", "uucp": "pipe",
                  "ifmail": "pipe", "bsmtp": "pipe", "scalemail-backend": "pipe", "mailman": "pipe"}
NETWORK_COMMANDS = ("smtp", "lmtp")
SENDER = "anyone@elsewhere.test"
HELO = "client.example.test"
_INNER_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                           "fc00::/7"))


class Where(enum.IntEnum):
    """Where a route takes a recipient at domain D, from harmless to relaying."""

    STAYS = 0  # delivered on this host
    INNER = 1  # an inner host of the administrator's
    UNKNOWN_TRANSPORT = 2  # a transport whose command is not known here
    ELSEWHERE = 3  # a named host nobody here can say who runs
    DESTINATION = 4  # D's own mail servers


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
    judge = _Judge(model, commands, service.backup_domains())
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
                    for client, sender, helo in _triggering(model, triggers.get(route.chosen_by))]
        finding = _relay(model, judge, route, domain, listed_in, requests, triggers.get(route.chosen_by),
                         _span(service, route, filters))
        if finding.code == cat.TRANSPORT_RELAY.code:
            certain.add(route.table)
        yield finding
    yield from _possible(service, model, judge, domain, listed_in,
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
                        for client, sender, helo in _triggering(model, triggers.get(by))]
            # listed_in reads "(virtual_alias_maps lists it)": cleanup queues <accepted> as <queued>, still there.
            yield _relay(model, judge, route, domain, "virtual_alias_maps", requests, triggers.get(by), _span(service, route, filters))


def _possible(service, model, judge, domain: str, listed_in: str, unsolved: list[Unsolved]) -> Iterator[Diagnostic]:
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
                  f"solved, so the proof cannot tell which recipients it sends there", hint=_HINT)


def _may_reach_servers(judge, result: str, base: Route, domain: str) -> bool:
    """Tell whether a transport rule's result can hand a recipient at `domain` to the domain's own servers."""
    transport, nexthop = split_transport(result)
    transport = transport or base.transport  # `:nexthop` keeps the class's transport (transport.c update_entry)
    return judge.where(Route(transport, nexthop or domain, "transport_maps"), domain) is Where.DESTINATION


def _relay(model, judge, route: Route, domain: str, listed_in: str, requests: list[Request], trigger: str | None,
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
                                                f"{request.describe()} is accepted and sent on", hint=_HINT)
        needed |= {label for b in branches if b.decision.verdict is Verdict.ACCEPT for label, _w in b.choices}
    if trigger is not None and (patterns := pattern_table(trigger)) is not None and _unsolved(patterns):
        return cat.POSSIBLE_TRANSPORT_RELAY.at(
            span, f"{said}; the proof cannot solve the patterns of {trigger}, so it cannot tell which clients' "
                  f"mail meets that action", hint=_HINT)
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


def _triggering(model, table: str | None) -> list[tuple[str, str, str]]:
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


_HINT = ("deliver a domain this server receives mail for on this host (local, virtual, lmtp to a unix socket or "
         "a loopback address) or on an inner host of your own, and list as a destination only domains that are "
         "yours")


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


class _Judge:
    """Where a route goes for a domain, and which domains are the policy's own.

    The Public Suffix List is loaded only when a domain's ownership matters (a route that leaves
    this host for a named host), so a policy delivering everything here never pays for it.
    """

    def __init__(self, model, commands: dict[str, str], backup: dict) -> None:
        self.commands = commands
        words = model.config.words
        self.names = [n.lower().strip(".") for n in (*words("myhostname")[:1], *words("mydomain")[:1], *backup) if n]
        self._own: tuple[set[str], set[str]] | None = None

    @functools.cached_property
    def psl(self):
        return suffix_list()

    def add_own(self, domains) -> None:
        self.names.extend(domains)
        self._own = None

    def _owned(self) -> tuple[set[str], set[str]]:
        if self._own is None:
            names = {n for n in self.names if n and "$" not in n and not self.psl.is_public(n)} | {"localhost"}
            self._own = names, {self.psl.privatesuffix(n) for n in names} - {None}
        return self._own

    def is_own(self, domain: str) -> bool:
        if domain == "localhost" or domain.startswith("localhost."):
            return True  # this host's own name (RFC 6761), with or without $mydomain after it
        names, own = self._owned()
        if is_own_name(domain, names):
            return True
        return not self.psl.is_public(domain) and self.psl.privatesuffix(domain) in own

    def listed(self) -> str:
        own = self._owned()[1]
        return "its own: " + ", ".join(sorted(own)) if own else "it names no domain of its own"

    def command(self, transport: str) -> str | None:
        return self.commands.get(transport) if self.commands else STOCK_COMMANDS.get(transport)

    def where(self, route: Route, domain: str) -> Where:
        command = self.command(route.transport)
        if command is None:
            # With master.cf read, qmgr defers mail for a transport it does not define: nothing leaves.
            return Where.STAYS if self.commands else Where.UNKNOWN_TRANSPORT
        if command not in NETWORK_COMMANDS:
            return Where.STAYS
        return max((self._host(host, domain) for host in nexthop_hosts(route.nexthop)), default=Where.STAYS)

    def _host(self, host: str | None, domain: str) -> Where:
        if host is None:
            return Where.STAYS
        address = _address(host)
        if address is not None:
            if address.is_loopback:
                return Where.STAYS
            return Where.INNER if any(address in n for n in _INNER_NETWORKS if n.version == address.version) \
                else Where.ELSEWHERE
        if host == "localhost" or host.startswith("localhost."):
            return Where.STAYS
        if host == domain or host.endswith("." + domain):
            return Where.DESTINATION
        if self.is_own(host):
            return Where.INNER
        if not self.psl.is_public(domain) and self.psl.privatesuffix(host) == self.psl.privatesuffix(domain):
            return Where.DESTINATION
        return Where.ELSEWHERE


def nexthop_hosts(nexthop: str) -> list[str | None]:
    """Return the hosts a smtp/lmtp nexthop names (None: a unix-domain socket on this host).

    smtp(8) and lmtp(8) take `[host]:port`, `host:port`, `host`, `[ipv6:addr]`, `inet:host:port`
    and (lmtp) `unix:/path`; since Postfix 3.5 a list of them separated by commas or spaces.
    """
    hosts: list[str | None] = []
    for part in re.split(r"[\s,]+", nexthop.strip()):
        if not part:
            continue
        if part.startswith(("unix:", "/")):
            hosts.append(None)
            continue
        part = part[len("inet:"):] if part.startswith("inet:") else part
        if part.startswith("["):
            host = part[1:part.index("]")] if "]" in part else part[1:]
            host = host[len("ipv6:"):] if host.lower().startswith("ipv6:") else host
        else:
            host = part.split(":", 1)[0]
        hosts.append(host.lower().rstrip("."))
    return hosts


def _address(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
