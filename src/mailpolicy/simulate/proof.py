"""Search every kind of request a client could send for one that relays.

A relay is an accepted request whose recipient this server is not the final destination of: a
domain outside $mydestination, $inet_interfaces, $proxy_interfaces and $virtual_*_domains, or
an address with sender-specified routing. Mail for $relay_domains counts: `relay_domains = test`
forwards mail for every .test domain to anyone, which is an open relay for them. The search is exact over
*classes* of requests, and linear in the size of the configuration:

1. For each part of a request the client chooses (its address, HELO name, MAIL FROM, RCPT TO),
   candidates are drawn from the configuration: documentation addresses and the addresses just
   outside each mynetworks network; every key of every known access table, written as a value
   that matches it; one owned address per form and domain of the sender login map (to an
   anonymous client an owned address is an owned address); the four relay tricks against every
   local domain. Each is O(size of what it is drawn from).
2. Each candidate is evaluated against every restriction that reads its part, alone;
   candidates that every such restriction treats alike (same outcome and reply code, same
   possible answers from DNS or unknown tables) form one class.
3. One representative of each class is combined with one of every other part's classes and
   decided in full. The product is over classes, not candidates: 1 x 1 x 2 x 1 for every plan
   the compiler emits. It is capped (MAX_COMBINATIONS); a configuration over the cap raises
   ProofTooLarge rather than claim a proof it did not finish.

Recipient rewriting counts (simulate/rewrite.py): cleanup(8) rewrites an accepted recipient with
canonical_maps, recipient_canonical_maps and virtual_alias_maps before delivery, so a pattern or
opaque table whose result can carry the client's text turns an accepted local recipient into a
remote one: each such table with an accepted request for a local address is a way to relay.

Simplifications: the client's reverse DNS name is `unknown` (an attacker cannot claim this
server's names, which need forward-confirmed DNS); a table value that is itself a restriction
list is classified by what it does for the first outside client; SASL logins are tried only as
the caller names them.
"""

from __future__ import annotations

import ipaddress
import itertools
import weakref
from operator import itemgetter, methodcaller
from typing import Iterable

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.postfix.restriction_lists import SMTPD_LISTS, entries
from mailpolicy.simulate.address import strip_source_route
from mailpolicy.simulate.alone import evaluate_alone
from mailpolicy.simulate.assumptions import REWRITE_SAYS, Assumption, judge_branch
from mailpolicy.simulate.decide import PostfixModel
from mailpolicy.simulate.lookup import NetworkIndex, pattern_table
from mailpolicy.simulate.matchlist import parse_network
from mailpolicy.simulate.request import Decision, Request, Verdict
from mailpolicy.simulate.restrictions import READS
from mailpolicy.simulate.rewrite import PROBE_PAYLOADS, Rewrite, steerable_rewrites
from mailpolicy.simulate.symmetry import interchangeable_domains

# Clients from the documentation ranges (RFC 5737, RFC 3849): on the Internet, trusted by nobody.
OUTSIDE_CLIENTS = ("203.0.113.9", "198.51.100.9", "2001:db8::9")
REMOTE_RECIPIENTS = ("victim@gmail.test", "victim@example.net")
# What a real open-relay scanner tries against a server's own domain (POSTFIX-NOTES.md).
RELAY_TRICKS = ("victim%gmail.test@{0}", "gmail.test!victim@{0}", '"victim@gmail.test"@{0}',
                "victim@gmail.test@{0}")
# Every other form smtpd resolves differently (docs/proof.md): case, trailing dot,
# IP literals, punycode and UTF-8, MAILER-DAEMON, a fresh domain nothing names, a source route. The bare postmaster,
# accepted before every restriction, goes to $myorigin: checks/relay_declaration.py judges that.
ADDRESS_FORMS = ("VICTIM@GMAIL.TEST", "victim@gmail.test.", "victim@[203.0.113.5]",
                 "victim@[IPv6:2001:db8::5]", "victim@xn--mnchen-3ya.test", "victim@münchen.test",
                 "MAILER-DAEMON@gmail.test", "victim@fresh-nothing-names.example",
                 # A source route (RFC 5321 obsolete form): smtpd.c extract_addr() drops `@route:`
                 # before anything looks at the address, so it is tried as the client writes it.
                 "@fresh-nothing-names.example:victim@gmail.test")
BASE_SENDER = "anyone@elsewhere.test"
BASE_HELO = "client.example.test"
MAX_COMBINATIONS = 20000
# The SASL login an XCLIENT impostor claims (XCLIENT LOGIN=...): one that owns no address.
XCLIENT_LOGIN = "xclient-impostor"
# A trusted network at least this narrow that holds a documentation address was trusted on
# purpose (a test's network); a wider one is the Internet, whatever it was meant to be.
NARROW = {4: 8, 6: 32}


class ProofTooLarge(Exception):
    """The configuration has more classes of requests than the search is allowed to combine."""


@frozen
class Counterexample:
    """A request that relays, and the decision that accepts it.

    `certain` when it relays with the nominal answers of DNS and unknown tables (no DNS list
    lists the client, unknown tables do not hold its keys): any client not on a blocklist
    relays. Otherwise `answers` says what must be true for it to relay (a policy server or an
    unknown table saying OK).
    """

    request: Request
    decision: Decision
    certain: bool = True
    answers: tuple[str, ...] = ()
    # The client that really connected, when it sent XCLIENT to pose as `request`'s client/login.
    xclient: str | None = None
    # The client that really connected, when it named `request`'s client in a PROXY header.
    proxied: str | None = None
    # The setting that made the server read that header (PROXY_PARAMETERS).
    proxy_parameter: str = "smtpd_upstream_proxy_protocol"
    # The table cleanup(8) rewrites the accepted (local) recipient with, to a remote address.
    rewrite: Rewrite | None = None
    # Not empty: it relays only if tables the proof cannot read answer so (simulate/assumptions.py);
    # the proof holds under these assumptions, which are stated rather than reported as a relay.
    assumptions: tuple[Assumption, ...] = ()


def prove_no_open_relay(model: PostfixModel, *, login: str | None = None, clients: Iterable[str] | None = None,
                        senders: Iterable[str] | None = None,
                        limit: int = MAX_COMBINATIONS) -> list[Counterexample]:
    """Return requests by which a client relays; empty when none can (an anonymous outside client by default)."""
    found = _prove(model, login, clients, senders, limit)
    if login is None and clients is None:
        found.extend(_via_xclient(model, senders, limit))
        found.extend(_via_proxy_header(model, senders, limit))
        found.extend(_via_rewrite(model, senders))
    return found


def _via_rewrite(model: PostfixModel, senders: Iterable[str] | None) -> list[Counterexample]:
    """Return the local recipients an outside client gets accepted that cleanup rewrites to a remote address."""
    search = _Search(model, None)
    domains = search.local_domains()
    client = search.outside_clients()[0]
    sender = next(iter(senders), BASE_SENDER) if senders is not None else BASE_SENDER
    found = []
    for rewrite in steerable_rewrites(model.cleanup_config.words, domains, search._relays):
        if rewrite.keyed_by == "sender":
            # sender_bcc_maps: the witness is the MAIL FROM; any recipient smtpd accepts carries it.
            keys = [rewrite.recipient] if rewrite.recipient else [f"{PROBE_PAYLOADS[0]}@elsewhere.test"]
            pairs = [(key, f"postmaster@{d}") for key in keys for d in domains[:1]]
        else:
            recipients = [rewrite.recipient] if rewrite.recipient else [f"{PROBE_PAYLOADS[0]}@{d}" for d in domains]
            pairs = [(sender, recipient) for recipient in recipients]
        for sender_used, recipient in pairs:
            request = Request(client, None, sender_used, recipient, BASE_HELO)
            # The recipient is local: accepting it relays only through the rewriting table.
            accepted = relaying_branch(model, request, local=True)
            if accepted is not None:
                accepting, certain, assumptions = accepted
                if rewrite.opaque:
                    assumptions = (*assumptions, Assumption(rewrite.table, rewrite.parameter, REWRITE_SAYS))
                elif not rewrite.certain:
                    assumptions = ()  # an unproved pattern rule is a possible relay, not an assumption
                certain = certain and rewrite.certain
                found.append(Counterexample(request, accepting.decision, certain, accepting.answers,
                                            rewrite=rewrite, assumptions=tuple(dict.fromkeys(assumptions))))
                break
    return found


def relaying_branch(model: PostfixModel, request: Request, local: bool = False):
    """Return (branch, certain, assumptions) for the strongest way a request is accepted as a relay, or None.

    Certain: the nominal branch accepts. Otherwise each accepting branch is judged by the answers
    it needed (simulate/assumptions.py): one DNS decides is a possible relay (no assumptions);
    ones only unreadable tables decide relay under the assumptions they need, merged; a branch
    that makes the recipient's domain this server's own is no relay. Only the branches whose
    answers hold no other accepting branch's answers count: an answer the request is accepted
    without (a HELO table's OK in a list that cannot skip the relay check) is no assumption the
    proof needs. `local`: the recipient is known to stay here, so a branch is judged only by
    what let the request through.
    """
    outcomes = model.branches(request)
    if outcomes[0].decision.verdict is Verdict.ACCEPT:
        return outcomes[0], True, ()
    resolved = model.resolver.resolve(strip_source_route(request.recipient))
    judged = []
    for branch in outcomes[1:]:
        if branch.decision.verdict is not Verdict.ACCEPT:
            continue
        judgement = judge_branch(branch.choices, lambda p: unreadable_tables(model, p),
                                 resolved.routed and not local, model.config.flag("allow_untrusted_routing"))
        if judgement.relays:
            judged.append((branch, judgement, frozenset(zip(branch.choices, branch.answers))))
    minimal = [(branch, judgement) for branch, judgement, answers in judged
               if not any(other < answers for _b, _j, other in judged)]
    for branch, judgement in minimal:
        if not judgement.assumptions:
            return branch, False, ()
    if not minimal:
        return None
    assumptions = tuple(dict.fromkeys(a for _branch, judgement in minimal for a in judgement.assumptions))
    return minimal[0][0], False, assumptions


def unreadable_tables(model: PostfixModel, parameter: str) -> tuple[str, ...]:
    """Return the table references of a parameter whose contents the model does not know."""
    return tuple(w for w in model.config.words(parameter)
                 if ":" in w and not w.startswith("[") and model.tables.table(w) is None)


def _via_xclient(model: PostfixModel, senders: Iterable[str] | None, limit: int) -> list[Counterexample]:
    """Return the relays an outside client reaches by posing as another client with XCLIENT.

    A client in smtpd_authorized_xclient_hosts may send `XCLIENT ADDR=... LOGIN=...` and is then
    judged as that address and that SASL login (XCLIENT_README); measured on Postfix 3.7: after
    `XCLIENT LOGIN=bob`, permit_sasl_authenticated accepts it. Such a client relays wherever a
    trusted or logged-in client would.
    """
    search = _Search(model, None)
    posers = [c for c in search.outside_clients() if _xclient_authorized(model, c)]
    if not posers:
        return []
    poser = posers[0]
    # One login stands for all: a login that owns nothing is what an impostor would claim.
    found = _prove(model, XCLIENT_LOGIN, [poser], senders, limit, xclient=True)
    trusted = [str(n.network_address + (1 if n.num_addresses > 1 else 0))
               for n in (parse_network(w) for w in model.config.words("mynetworks"))
               if isinstance(n, (ipaddress.IPv4Network, ipaddress.IPv6Network))]
    if trusted:
        found.extend(_prove(model, None, trusted[:1], senders, limit))
    return [attrs.evolve(cx, xclient=poser) for cx in found]


def _via_proxy_header(model: PostfixModel, senders: Iterable[str] | None, limit: int) -> list[Counterexample]:
    """Return the requests an outside client relays with by naming another client in a PROXY header.

    With smtpd_upstream_proxy_protocol = haproxy, smtpd reads the client's address from the first line
    whoever connects sends (src/smtpd/smtpd_peer.c smtpd_peer_init -> smtpd_peer_from_proxy,
    smtpd_haproxy.c): no list says who may send it, unlike XCLIENT. Any client that reaches the port
    is judged as any address it names, a trusted network's included (measured on Postfix 3.7:
    tests/corpus/adversarial/proxy-01.case). Behind postscreen smtpd ignores the setting, and
    postscreen_upstream_proxy_protocol does the same in its stead: postscreen reads the header
    (postscreen_endpt.c psc_endpt_lookup -> psc_endpt_haproxy_lookup) and passes the address it names
    to smtpd with the connection (smtpd_peer.c smtpd_peer_from_pass_attr), measured on Postfix 3.7:
    tests/corpus/audit_attacks/postscreen-proxy-protocol.case.
    """
    parameter = proxy_parameter(model)
    if parameter is None:
        return []
    connecting = _Search(model, None).outside_clients()[0]
    claimed = [str(n.network_address + (1 if n.num_addresses > 1 else 0))
               for n in (parse_network(w.lstrip("!")) for w in model.config.words("mynetworks"))
               if isinstance(n, (ipaddress.IPv4Network, ipaddress.IPv6Network))]
    found = _prove(model, None, list(dict.fromkeys(claimed)), senders, limit) if claimed else []
    return [attrs.evolve(cx, proxied=connecting, proxy_parameter=parameter) for cx in found]


# The settings that make a daemon take the client's address from a PROXY header: smtpd's own, and
# postscreen's for the smtpd behind it. A model holds postscreen's only where a postscreen hands
# clients to the smtpd it models (the audit's `pass` services; every service of a compiled main.cf,
# which any master.cf may put behind a postscreen).
PROXY_PARAMETERS = ("smtpd_upstream_proxy_protocol", "postscreen_upstream_proxy_protocol")


def proxy_parameter(model: PostfixModel) -> str | None:
    """Return the parameter that lets any client name its address in a PROXY header (None: neither does)."""
    return next((name for name in PROXY_PARAMETERS if model.config.value(name).strip() == "haproxy"), None)


def _xclient_authorized(model: PostfixModel, address: str) -> bool:
    if not model.config.words("smtpd_authorized_xclient_hosts"):
        return False
    return model.client_list("smtpd_authorized_xclient_hosts").match(address, "unknown", model.tables) is True


def _prove(model: PostfixModel, login: str | None, clients: Iterable[str] | None,
           senders: Iterable[str] | None, limit: int, xclient: bool = False) -> list[Counterexample]:
    search = _Search(model, login)
    parts = {
        "client_address": list(clients) if clients is not None else search.outside_clients(),
        "helo": search.helos(),
        "sender": list(senders) if senders is not None else search.senders(),
        "recipient": search.recipients(),
    }
    classes = {part: search.classes(part, values) for part, values in parts.items()}
    total = 1
    for representatives in classes.values():
        total *= max(1, len(representatives))
    if total > limit:
        raise ProofTooLarge(f"{total} combinations of request classes (limit {limit})")
    found: dict[tuple, Counterexample] = {}
    for client, helo, sender, recipient in itertools.product(*classes.values()):
        request = Request(client, login, sender, recipient, helo, xclient=xclient)
        accepted = relaying_branch(model, request)
        if accepted is None:
            continue
        accepting, certain, assumptions = accepted
        decision = accepting.decision
        # One request per way of relaying: the same accepting entry is one finding.
        key = (certain, assumptions, decision.parameter, decision.restriction, decision.position)
        found.setdefault(key, Counterexample(request, decision, certain, accepting.answers,
                                             assumptions=assumptions))
    return list(found.values())


def request_classes(model: PostfixModel) -> dict[str, list[str]]:
    """Return, per part of a request, one value of each class the restrictions cannot tell apart.

    The candidates the relay search draws (outside clients, HELO names, senders, and every recipient
    form, relaying or not), grouped as it groups them: for exact-match tables one value per key plus
    fresh ones covers every answer (docs/proof.md). checks/shading.py judges whole lists with them.
    """
    search = _Search(model, None)
    parts = {"client_address": search.outside_clients(), "helo": search.helos(), "sender": search.senders(),
             "recipient": search.recipient_forms(plain=("someone",))}
    return {part: search.classes(part, values) for part, values in parts.items()}


# PostfixModel -> its outside client candidates (_Search.outside_clients); a model never changes.
_OUTSIDE_CLIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# PostfixModel -> its sender candidates (_Search.senders).
_SENDERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _Search:
    def __init__(self, model: PostfixModel, login: str | None) -> None:
        self.model = model
        self.config = model.config
        self.login = login
        self.steps = self._steps()
        self._base_request: Request | None = None
        self._steps_for: dict[str, list[tuple[str, str, str | None]]] = {}

    # --- the restrictions to classify by --------------------------------------------------

    def _steps(self) -> list[tuple[str, str, str | None]]:
        seen: set[tuple[str, str, str | None]] = set()
        found: list[tuple[str, str, str | None]] = []
        todo = [(name, self.model.lists[name]) for name in SMTPD_LISTS]
        while todo:
            parameter, words = todo.pop(0)
            for entry in entries(words):
                step = (parameter, entry.name, entry.argument)
                if step in seen:
                    continue
                seen.add(step)
                found.append(step)
                if entry.name in self.model.classes and len(seen) < 1000:
                    todo.append((entry.name, self.config.words(entry.name)))
        return found

    def tables(self, reads: str) -> list[tuple[str, object]]:
        """Return the known access tables the lists search for one part of the request."""
        result = []
        for _parameter, name, argument in self.steps:
            if argument and READS.get(name) == reads:
                table = self.model.tables.table(argument)
                if table is not None:
                    result.append((argument, table))
        return result

    # --- candidates -------------------------------------------------------------------------

    def outside_clients(self) -> list[str]:
        # The candidates depend on the model alone, and one proof asks for them from several searches
        # (the relay proof, XCLIENT, cleanup rewrites, each search's base request): with a 10,000-entry
        # mynetworks each computation costs a second, so a model's are computed once.
        found = _OUTSIDE_CLIENTS.get(self.model)
        if found is None:
            found = _OUTSIDE_CLIENTS[self.model] = self._outside_clients()
        return list(found)

    def _outside_clients(self) -> list[str]:
        networks = [n for n in (parse_network(w.lstrip("!")) for w in self.config.words("mynetworks"))
                    if isinstance(n, (ipaddress.IPv4Network, ipaddress.IPv6Network))]
        for _ref, table in self.tables("client"):
            if table.kind == "cidr":
                networks.extend(net for net, _ in table.networks if net is not None)
        candidates = [*OUTSIDE_CLIENTS, *self.pattern_keys("client")]
        for network in networks:
            if network.prefixlen < NARROW[network.version]:
                candidates.append(str(network.network_address + 1))
            for neighbour in (int(network.network_address) - 1, int(network.broadcast_address) + 1):
                if 0 <= neighbour <= (2 ** network.max_prefixlen) - 1:
                    candidates.append(str(ipaddress.ip_address(neighbour) if network.version == 4
                                          else ipaddress.IPv6Address(neighbour)))
        narrow = NetworkIndex()
        for network in networks:
            if network.prefixlen >= NARROW[network.version]:
                narrow.add(network, network)
        chosen = [c for c in dict.fromkeys(candidates) if not _inside(c, narrow) and _public(c)]
        return chosen or list(OUTSIDE_CLIENTS[:1])

    def helos(self) -> list[str]:
        keys = [BASE_HELO]
        for _ref, table in self.tables("helo"):
            keys.extend(_host_for_key(k) for k in table.entries)
        keys.extend(self.pattern_keys("helo"))
        return list(dict.fromkeys(k for k in keys if k))

    def senders(self) -> list[str]:
        # As outside_clients: a 100k-key login map costs a second to scan, and both the relay proof
        # and the shading check (checks/shading_requests.py) ask for a model's senders.
        found = _SENDERS.get(self.model)
        if found is None:
            found = _SENDERS[self.model] = self._senders()
        return list(found)

    def _senders(self) -> list[str]:
        found = [BASE_SENDER, "", "MAILER-DAEMON", "postmaster"]
        found.extend(f"anyone@{d}" for d in self.local_domains())
        origin = self.config.value("myorigin").strip()
        for _ref, table in self.model.login_maps.tables:
            if table is not None:
                # A login map's bare key is a local part, never a domain (mail_addr_find.c looks up
                # user@domain, user, @domain), so `first.last` stands for first.last@$myorigin.
                found.extend(self._address_for_key(k) if "@" in k else f"{k}@{origin}"
                             for k in _one_key_per_form(table.entries))
        for _ref, table in self.tables("sender"):
            found.extend(self._address_for_key(k) for k in table.entries)
        found.extend(self.pattern_keys("sender"))
        return list(dict.fromkeys(found))

    def recipients(self) -> list[str]:
        return [r for r in self.recipient_forms() if self._relays(r)]

    def recipient_forms(self, plain: tuple[str, ...] = ()) -> list[str]:
        """Every recipient candidate, relaying or not: the relay tricks (and the `plain` local parts) at
        every local and relay domain, every other form smtpd resolves differently, one per table key."""
        found = [*REMOTE_RECIPIENTS, *ADDRESS_FORMS]
        relay = interchangeable_domains(self.model, self._relay_domains())
        for domain in [*self.local_domains(), *relay]:
            found.extend(f"{local}@{domain}" for local in plain)
            found.extend(trick.format(domain) for trick in RELAY_TRICKS)
        # relay_domains entries themselves are read whole by checks/relay_declaration.py (MP324),
        # which tells the policy's own backup-MX domains from others'; probing them here could not.
        for _ref, table in self.tables("recipient"):
            found.extend(self._address_for_key(k) for k in table.entries)
        found.extend(self.pattern_keys("recipient"))
        return [r for r in dict.fromkeys(found) if r]

    def pattern_keys(self, reads: str) -> list[str]:
        """Return a key of every class of every solved inline pattern table the lists search for one part
        (simulate/pattern_witness.py): with them the search meets every answer such a table gives."""
        found: list[str] = []
        tables = [table for _parameter, name, argument in self.steps
                  if argument and READS.get(name) == reads and (table := pattern_table(argument)) is not None]
        if not tables:
            return found
        from mailpolicy.simulate.pattern_witness import witnesses  # only with a pattern table (start-up)

        named = tuple(self.local_domains() + self._relay_domains() + [
            w.lower() for p in ("virtual_alias_domains", "virtual_mailbox_domains") for w in self.config.words(p)
            if ":" not in w and "/" not in w])
        for table in tables:
            found.extend(witnesses(tuple(table.rules), reads, named) or ())
        return found

    def local_domains(self) -> list[str]:
        return [w.lower() for w in self.config.words("mydestination") if ":" not in w and not w.startswith("/")]

    def _relay_domains(self) -> list[str]:
        return [w.lstrip(".").lower() for w in self.config.words("relay_domains") if ":" not in w and "/" not in w]

    def _relays(self, recipient: str) -> bool:
        # smtpd drops a source route before anything resolves the address (smtpd.c extract_addr).
        resolved = self.model.resolver.resolve(strip_source_route(recipient))
        final = resolved.domain_class.final and not resolved.routed
        return not resolved.error and (not final or bool(resolved.unknown))

    def _address_for_key(self, key: str) -> str:
        """Return an address a table key matches: itself, someone@domain, user@elsewhere, the null sender."""
        if key == (self.config.value("smtpd_null_access_lookup_key").strip() or "<>"):
            return ""
        if key.endswith("@"):
            return key + "elsewhere.test"
        if key.startswith("@"):
            return "someone" + key
        if "@" in key:
            return key
        if key.startswith("."):
            return "someone@sub" + key
        if "." in key:
            return "someone@" + key
        origin = self.config.value("myorigin").strip()
        return f"{key}@{origin}"

    # --- classes ----------------------------------------------------------------------------

    def classes(self, part: str, values: list[str]) -> list[str]:
        """Return one value per class of values the restrictions cannot tell apart."""
        representatives: dict[tuple, str] = {}
        for value in values:
            signature = self._signature(part, value)
            representatives.setdefault(signature, value)
        return list(representatives.values())

    def _reading(self, part: str) -> list[tuple[str, str, str | None]]:
        """Return the steps whose outcome can depend on one part of the request.

        A step reads its own part (READS); a restriction class, an unknown name, or an access
        table with a restriction list among its values may read any part, so it counts for all.
        """
        if part not in self._steps_for:
            reads = {"client_address": "client", "helo": "helo", "sender": "sender", "recipient": "recipient"}[part]
            self._steps_for[part] = [s for s in self.steps if READS.get(s[1]) == reads or self._reads_anything(s)]
        return self._steps_for[part]

    def _reads_anything(self, step: tuple[str, str, str | None]) -> bool:
        _parameter, name, argument = step
        if name not in READS or READS[name] == "all":
            return True
        table = self.model.tables.table(argument) if argument else None
        return table is not None and any(not _plain_action(v) for v in table.entries.values())

    def _signature(self, part: str, value: str) -> tuple:
        request = attrs.evolve(self._base(), **{part: value})
        facts: list = []
        if part == "recipient":
            resolved = self.model.resolver.resolve(value)
            facts.append((resolved.domain_class, resolved.routed, resolved.error, resolved.unknown))
        elif part == "sender" and value:
            facts.append(self.model.resolver.resolve(value).error)
        for parameter, name, argument in self._reading(part):
            options: list = []

            def choose(key, outcomes, options=options):
                options.append(tuple((o.kind, o.reply[:3]) for o in outcomes))
                return outcomes[0]

            outcome = evaluate_alone(self.model, request, parameter, name, argument, choose)
            facts.append((outcome.kind, outcome.reply[:3], tuple(options)))
        return tuple(facts)

    def _base(self) -> Request:
        if self._base_request is None:
            self._base_request = Request(self.outside_clients()[0], self.login, BASE_SENDER, REMOTE_RECIPIENTS[0],
                                         BASE_HELO)
        return self._base_request


def _one_key_per_form(keys) -> list[str]:
    """Return one login-map key per form and domain (`user@domain`, `user`, `@domain`).

    To an anonymous client only whether a MAIL FROM has an owner matters, and every address of
    one form in one domain resolves and is looked up alike; so one witness each is enough, and a
    map of a million addresses costs one pass over its keys.
    """
    chosen: dict[tuple[bool, str, str], str] = {}
    remaining = iter(keys)
    # A slice at a time, at C speed: a key's form and domain are whether it has a local part,
    # its `@`, and what follows the last `@` (the whole key for a bare `user`). Slices keep the
    # temporary tuples small: the whole map at once would hold three strings per key.
    while part := list(itertools.islice(remaining, _SLICE)):
        split = list(map(methodcaller("rpartition", "@"), part))
        # Every bare `user` is one form: smtpd looks a bare local part up only for an address of a
        # local domain (mail_addr_find.c), so to an anonymous client each such key gives the same
        # answer at the same domain; since owned local addresses also write their bare key
        # (plan/sender_map.py), keeping one per key would make the search grow with the map.
        forms = [(bool(user), at, domain.lower() if at else "") for user, at, domain in split]
        # Walking backwards, the last write for a form is its first key in the slice.
        first = dict(zip(reversed(forms), range(len(part) - 1, -1, -1)))
        for form, index in sorted(first.items(), key=itemgetter(1)):
            chosen.setdefault(form, part[index])
    return list(chosen.values())


_SLICE = 1 << 16


_PLAIN = ("OK", "DUNNO", "REJECT", "DEFER", "DEFER_IF_REJECT", "DEFER_IF_PERMIT", "DISCARD", "FILTER", "HOLD",
          "PREPEND", "REDIRECT", "BCC", "INFO", "WARN")


def _plain_action(value: str) -> bool:
    """Tell whether an access(5) value is an action, not a restriction list to evaluate."""
    word = value.strip().split(" ", 1)[0].upper()
    return word in _PLAIN or word.isdigit() or (len(word) == 3 and word[0] in "45" and word.isdigit())


def _inside(address: str, networks: NetworkIndex) -> bool:
    return bool(networks.values(ipaddress.ip_address(address)))


# Addresses no client on the Internet can connect from: RFC 1918, shared CGNAT space (RFC 6598),
# unique-local IPv6 (RFC 4193) and IPv4-mapped IPv6. A TCP connection needs the server's SYN-ACK
# to reach the client, and the Internet routes none of these back, so such a client sits on a
# network this host is attached to (MP306 warns about trusting wide private networks).
_NOT_ROUTED = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                      "100.64.0.0/10", "fc00::/7", "::ffff:0:0/96"))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local:
        return False
    return not any(ip.version == n.version and ip in n for n in _NOT_ROUTED)


def _host_for_key(key: str) -> str:
    return ("host" + key) if key.startswith(".") else key

