"""PostfixModel: Postfix 3.7's SMTP access decision for one request, on main.cf-level parameters.

The order is smtpd's (SMTPD_ACCESS_README, "Delayed evaluation"; postconf(5)): with
smtpd_delay_reject = yes (the default) smtpd_client_restrictions, smtpd_helo_restrictions,
smtpd_sender_restrictions, smtpd_relay_restrictions and smtpd_recipient_restrictions are all
evaluated at RCPT TO, in that order; a reject in any list rejects, a permit ends only its own
list. Before them: AUTH fails with "503 5.5.1 Error: authentication not enabled" when
smtpd_sasl_auth_enable = no; an address whose domain is empty or numeric gets "501 5.1.7 Bad
sender address syntax" / "501 5.1.3 Bad recipient address syntax"; RCPT TO:<postmaster> is
always accepted, and only smtpd_data_restrictions (at DATA) can refuse that mail: a decision
whose parameter is smtpd_data_restrictions is a refusal at DATA, after RCPT was accepted. After them: a defer_if_permit still pending defers, and
smtpd_reject_unlisted_recipient checks the recipient tables. All measured on Postfix 3.7.
"""

from __future__ import annotations

import sys
from typing import Mapping

import attrs

from mailpolicy.postfix.restriction_lists import SMTPD_LISTS, entries
from mailpolicy.simulate.address import DomainClass, Resolver, strip_source_route, unquote
from mailpolicy.simulate.config import Config, Host
from mailpolicy.simulate.context import CLIENT, HELO, PERMIT, RECIPIENT, REJECT, SENDER, Context
from mailpolicy.simulate.explore import Branch, Tape, branches, explore
from mailpolicy.simulate.lookup import Maps, Tables
from mailpolicy.simulate.matchlist import UNKNOWN, ClientList, DomainList, match_interfaces
from mailpolicy.simulate.recipients import unlisted
from mailpolicy.simulate.request import ACCEPTED, Decision, Request, Verdict
from mailpolicy.simulate.runner import Runner
from mailpolicy.simulate.tls_state import auth_discarded, login_blocked_by_tls

# postconf(5) smtpd_relay_restrictions: "Either the smtpd_relay_restrictions or the
# smtpd_recipient_restrictions parameter must specify at least one of the following
# restrictions. Otherwise Postfix will refuse to receive mail". Measured (3.7): check_relay_domains
# counts too, and so does a restriction class holding one; anything after `permit` does not.
REQUIRED = frozenset({"reject_unauth_destination", "defer_unauth_destination", "reject", "defer",
                      "defer_if_permit", "check_relay_domains"})
RELAY_CHECKS = frozenset({"reject_unauth_destination", "defer_unauth_destination", "check_relay_domains"})
# smtpd_check.c smtpd_check_data(): run at DATA (and the first BDAT, smtpd.c) for every transaction.
# The simulator runs it only where it decides something RCPT did not: mail to the bare postmaster.
DATA_LIST = "smtpd_data_restrictions"
ALL_PARTS = frozenset({"client", "helo", "login", "sender", "recipient"})


class PostfixModel:
    """One Postfix configuration, ready to decide requests."""

    def __init__(self, config: Config, tables: Tables, cleanup: Config | None = None) -> None:
        self.config = config
        # What cleanup rewrites accepted mail with, when its master.cf service has -o values of its
        # own for the maps smtpd also reads (postfix/daemons.py READ_BY_BOTH); else smtpd's.
        self.cleanup_config = cleanup or config
        self.tables = tables
        self.version = config.version
        self.sasl_enabled = config.flag("smtpd_sasl_auth_enable")
        # TLS state: the simulated client starts TLS whenever smtpd offers it, so AUTH that needs TLS
        # is out of reach only when smtpd has no certificate to offer TLS with (tls_state.py).
        self.login_blocked = login_blocked_by_tls(config) if self.sasl_enabled else None
        # `auth` in smtpd_discard_ehlo_keywords: AUTH is "not enabled" for everyone, while SASL (and
        # with it every login check) stays on (tls_state.auth_discarded).
        self.auth_discarded = self.sasl_enabled and auth_discarded(config.value)
        self.soft_bounce = config.flag("soft_bounce")
        self.login_maps = Maps(tables, config.words("smtpd_sender_login_maps"))
        self.classes = frozenset(w.lower() for w in config.words("smtpd_restriction_classes"))
        self.lists = {name: config.words(name) for name in (*SMTPD_LISTS, DATA_LIST)}
        # smtpd_check.c smtpd_check_rcpt(): the relay list runs first only with
        # smtpd_relay_before_recipient_restrictions = yes (the default from compatibility_level 3.6).
        relay_first = config.flag("smtpd_relay_before_recipient_restrictions")
        self.rcpt_lists = SMTPD_LISTS[3:] if relay_first else SMTPD_LISTS[:2:-1]
        # Match lists indexed once per model (matchlist.py): the proof matches thousands of candidates.
        self._domain_lists: dict[tuple[str, bool, bool], DomainList] = {}
        self._client_lists: dict[str, ClientList] = {}
        self.resolver = Resolver(
            self._classify, self._is_local,
            percent_hack=config.flag("allow_percent_hack"), swap_bangpath=config.flag("swap_bangpath"),
            dequote=config.flag("resolve_dequoted_address"), myorigin=config.value("myorigin").strip().lower(),
            null_domain=config.flag("resolve_null_domain"), numeric_domain=config.flag("resolve_numeric_domain"),
            routing_allowed=config.flag("allow_untrusted_routing"))
        self.fatal = self._startup_problem()

    @classmethod
    def from_parameters(cls, params: Mapping[str, str], tables: Mapping[str, Mapping[str, str]] | None = None,
                        version: str = "3.7", host: Host = Host(),
                        cleanup_params: Mapping[str, str] | None = None) -> PostfixModel:
        """Build a model from main.cf parameters (name -> value) and the tables whose contents are known.

        `cleanup_params`: the parameters cleanup runs with, when they differ from smtpd's.
        """
        cleanup = Config(cleanup_params, version, host) if cleanup_params is not None else None
        return cls(Config(params, version, host), Tables(tables or {}), cleanup)

    # --- configuration facts ----------------------------------------------------------------

    def parent_matches(self, feature: str) -> bool:
        """Tell whether `example.com` also matches subdomains for a feature (parent_domain_matches_subdomains)."""
        return feature in self.config.words("parent_domain_matches_subdomains")

    def _is_local(self, domain: str):
        # trivial-rewrite's resolve_local(): $mydestination, or an address literal of
        # $inet_interfaces / $proxy_interfaces.
        if domain.startswith("["):
            interfaces = self.config.words("inet_interfaces") + self.config.words("proxy_interfaces")
            return match_interfaces(interfaces, domain, tuple(a for a, _ in self.config.host.interfaces))
        # resolve_local.c: $mydestination is a string list (match_string()): a name matches
        # only itself, `.example.com` is no wildcard, tables are searched for the whole name
        # (measured on 3.7: mydestination = .example0.com does not make sub.example0.com local).
        found = self._domain_list("mydestination", False, exact=True).match(domain, self.tables)
        return None if found is UNKNOWN else found

    def _domain_list(self, parameter: str, parent_matches: bool, exact: bool = False) -> DomainList:
        # Every address resolved matches against these lists, and the open-relay proof
        # resolves a few addresses per domain they name.
        key = (parameter, parent_matches, exact)
        found = self._domain_lists.get(key)
        if found is None:
            found = self._domain_lists[key] = DomainList(self.config.words(parameter), parent_matches, exact)
        return found

    def client_list(self, parameter: str) -> ClientList:
        """Return a host list parameter (mynetworks, smtpd_authorized_xclient_hosts) indexed for matching."""
        found = self._client_lists.get(parameter)
        if found is None:
            found = self._client_lists[parameter] = ClientList(self.config.words(parameter),
                                                               self.parent_matches(parameter))
        return found

    def _classify(self, domain: str) -> tuple[DomainClass, tuple[str, ...]]:
        unknown: list[str] = []
        local = self._is_local(domain)
        if local:
            return DomainClass.LOCAL, ()
        if local is None:
            unknown.append("mydestination")
        # trivial-rewrite.c: virtual_alias_domains and virtual_mailbox_domains are string lists
        # (the whole name only, like mydestination), relay_domains a domain list.
        for klass, parameter, exact in ((DomainClass.VIRTUAL_ALIAS, "virtual_alias_domains", True),
                                        (DomainClass.VIRTUAL_MAILBOX, "virtual_mailbox_domains", True),
                                        (DomainClass.RELAY, "relay_domains", False)):
            parent = not exact and self.parent_matches(parameter)
            found = self._domain_list(parameter, parent, exact).match(domain, self.tables)
            if found is UNKNOWN:
                unknown.append(parameter)
            elif found:
                return klass, tuple(unknown)
        return DomainClass.DEFAULT, tuple(unknown)

    def _startup_problem(self) -> str | None:
        for name in self.config.params:
            self.config.value(name)  # a value Postfix cannot expand stops it (mail_conf_eval)
        if self.config.errors:
            return "; ".join(self.config.errors)
        # smtpd_check.c smtpd_check_init(): has_required() on the recipient list, then the relay list.
        try:
            if self._has_required(self.lists["smtpd_recipient_restrictions"], ()) or \
                    self._has_required(self.lists["smtpd_relay_restrictions"], ()):
                return None
        except _ClassLoop as loop:
            return (f"smtpd crashes when it starts: restriction class {loop.args[0]} includes itself before any "
                    "of reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit or "
                    "check_relay_domains (has_required() recurses without end)")
        return ("in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one "
                "working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, "
                "defer_if_permit or check_relay_domains")

    def _has_required(self, words: tuple[str, ...], stack: tuple[str, ...]) -> bool:
        # smtpd_check.c has_required(): a word right after warn_if_reject is skipped (measured on
        # 3.7: `warn_if_reject, reject_unauth_destination` alone is fatal); `permit` ends the
        # search; a restriction class is searched in place, with no limit: one that reaches
        # itself before a required restriction recurses until smtpd dies.
        listed = entries(words)
        skip = False
        for entry in listed:
            name = entry.name
            if skip:
                skip = False
                continue
            if name == "warn_if_reject" and entry is not listed[-1]:
                skip = True
                continue
            if name == "permit":
                return False  # smtpd: "restriction ... after `permit' is ignored"
            if name in REQUIRED:
                return True
            if name in self.classes:
                if name in stack:
                    raise _ClassLoop(name)
                if self._has_required(self.config.words(name), (*stack, name)):
                    return True
        return False

    # --- deciding ---------------------------------------------------------------------------

    def decide(self, request: Request) -> Decision:
        """Return Postfix's decision for a request; DEPENDS when DNS or an unknown table decides."""
        return explore(lambda choose: self._decide_once(request, choose))

    def branches(self, request: Request) -> list[Branch]:
        """Return the decision for every answer DNS and unknown tables could give, the nominal one first.

        Nominal: no DNS list lists the client, every domain is in DNS, an unknown table holds none
        of the request's keys, a policy server answers DUNNO.
        """
        return branches(lambda choose: self._decide_once(request, choose))

    def run_nested(self, ctx: Context, step, value: str, where: str):
        """Evaluate a restriction list an access table answered with (called by check_*_access)."""
        return ctx.runner.nested(step, value, where, ctx.runner.depth)

    def _decide_once(self, request: Request, choose) -> Decision:
        trace: list[str] = []
        if self.fatal:
            return Decision(Verdict.DEFER, "smtpd_relay_restrictions", None,
                            f"(no reply: smtpd does not start: fatal: {self.fatal})", (self.fatal,),
                            possible=frozenset({Verdict.DEFER}), reason="smtpd does not start")
        if request.sasl_login is not None and not self.sasl_enabled:
            return Decision(Verdict.REJECT, "smtpd_sasl_auth_enable", None,
                            "503 5.5.1 Error: authentication not enabled",
                            ("AUTH: smtpd_sasl_auth_enable = no",), sources=("smtpd_sasl_auth_enable",),
                            possible=frozenset({Verdict.REJECT}), reason="SASL authentication is not enabled")
        if request.sasl_login is not None and self.auth_discarded and not request.xclient:
            return Decision(Verdict.REJECT, "smtpd_discard_ehlo_keywords", None,
                            "503 5.5.1 Error: authentication not enabled",
                            ("AUTH: smtpd_discard_ehlo_keywords holds auth",), sources=("smtpd_discard_ehlo_keywords",),
                            possible=frozenset({Verdict.REJECT}), reason="AUTH is discarded on this service")
        if request.sasl_login is not None and self.login_blocked:
            return Decision(Verdict.REJECT, "smtpd_tls_auth_only", None,
                            "503 5.5.1 Error: authentication not enabled",
                            (f"AUTH: {self.login_blocked}",), sources=("smtpd_tls_auth_only",),
                            possible=frozenset({Verdict.REJECT}), reason=self.login_blocked)
        request = strip_source_routes(request)
        delay = self.config.flag("smtpd_delay_reject")
        session = _Session(self, request, choose, trace)
        # With smtpd_delay_reject = no each list runs when its command arrives, knowing only
        # what was said so far (SMTPD_ACCESS_README); with yes, all run at RCPT TO.
        stages = ((("smtpd_client_restrictions",), frozenset({"client"})),
                  (("smtpd_helo_restrictions",), frozenset({"client", "helo"})),
                  (("smtpd_sender_restrictions",), frozenset({"client", "helo", "login", "sender"})))
        if not delay:
            for names, known in stages[:2]:
                if (ended := session.lists(names, known)) is not None:
                    return ended
        if (bad := session.syntax(request.sender, "sender")) is not None:
            return bad
        if not delay and (ended := session.lists(*stages[2])) is not None:
            return ended
        if (bad := session.syntax(request.recipient, "recipient")) is not None:
            return bad
        if request.recipient.lower() == "postmaster":
            # smtpd_check.c smtpd_check_rcpt() returns before the delayed client, helo and sender
            # lists: only smtpd_data_restrictions, at DATA, can still refuse this mail.
            trace.append("RCPT TO:<postmaster> is always accepted (smtpd skips the RCPT restrictions); "
                         "smtpd_data_restrictions still runs at DATA")
            if (ended := session.lists((DATA_LIST,), ALL_PARTS)) is not None:
                return ended
            return Decision(Verdict.ACCEPT, None, None, ACCEPTED, tuple(trace), possible=frozenset({Verdict.ACCEPT}),
                            reason="RCPT TO:<postmaster> is always accepted")
        names = (SMTPD_LISTS[:3] if delay else ()) + self.rcpt_lists
        if (ended := session.lists(names, ALL_PARTS)) is not None:
            return ended
        return session.finish()


def _deep_enough() -> None:
    # Lists nest as deep as smtpd lets them (runner.MAX_TABLE_RECURSION, class_loop_depth), about
    # ten Python frames a level: more than Python's default limit of 1,000 frames. Python 3.11
    # keeps Python-to-Python calls off the C stack, so a higher limit is safe.
    if sys.getrecursionlimit() < _FRAMES:
        sys.setrecursionlimit(_FRAMES)


_FRAMES = 10_000
_deep_enough()  # once, when the simulator is loaded: not in the middle of someone's test or call


class _ClassLoop(Exception):
    """has_required() met a restriction class already being searched."""


def strip_source_routes(request: Request) -> Request:
    """Return the request with the source routes of MAIL FROM and RCPT TO dropped, as smtpd does."""
    sender, recipient = strip_source_route(request.sender), strip_source_route(request.recipient)
    if (sender, recipient) == (request.sender, request.recipient):
        return request
    return attrs.evolve(request, sender=sender, recipient=recipient)


class _Session:
    """The state of one request while its lists run."""

    def __init__(self, model: PostfixModel, request: Request, choose, trace: list[str]) -> None:
        self.model = model
        self.request = request
        self.trace = trace
        self.ctx = Context(model, request, lambda label, options: choose((label, self._where()), options),
                           ALL_PARTS)
        # An explored request's choose is a Tape: the runner tells it where each restriction starts.
        self.runner = Runner(self.ctx, trace, choose if isinstance(choose, Tape) else None)
        self.ctx.runner = self.runner
        self.permits: dict[str, tuple] = {}

    def _where(self):
        step = self.runner.current
        return (step.parameter, step.name, step.position) if step else (None, None, None)

    def _names(self, parameter: str) -> tuple[str, str]:
        request = self.request
        return {
            "smtpd_client_restrictions": (f"{request.client_name}[{request.client_address}]", CLIENT),
            "smtpd_helo_restrictions": (request.helo, HELO),
            "smtpd_sender_restrictions": (unquote(request.sender), SENDER),
        }.get(parameter, (unquote(request.recipient), RECIPIENT))

    def lists(self, names: tuple[str, ...], known: frozenset[str]) -> Decision | None:
        """Run lists in order; return the decision if one rejects, else None."""
        self.ctx.known = known
        for name in names:
            words = self.model.lists[name]
            self.trace.append(f"{name} = {' '.join(words) or '(empty)'}")
            reply_name, reply_class = self._names(name)
            ended = self.runner.run(name, words, reply_name, reply_class)
            if ended.outcome.kind == REJECT:
                step = ended.step
                return self._decision(ended.outcome.reply, step.parameter, step.name, step.position,
                                      ended.outcome.sources, ended.outcome.note)
            if ended.outcome.kind == PERMIT:
                self.permits[name] = (ended.step, ended.outcome)
            if name == "smtpd_sender_restrictions" and (unlisted_sender := self._unlisted_sender()) is not None:
                return unlisted_sender
        return None

    def _unlisted_sender(self) -> Decision | None:
        # smtpd_check.c smtpd_check_mail(): with smtpd_reject_unlisted_sender = yes, right after
        # the sender list (unless it rejected or a DISCARD came first) the sender must be listed
        # for its domain class like a recipient (measured on 3.7: 550 5.1.0 <nobody@example0.com>:
        # Sender address rejected: User unknown in local recipient table).
        sender = unquote(self.request.sender)
        if not sender or self.runner.flags.discarded or not self.model.config.flag("smtpd_reject_unlisted_sender"):
            return None
        outcome = self.runner.flags.deferred(unlisted(self.ctx, self.request.sender, SENDER, "5.1.0"))
        self.trace.append(f"smtpd_reject_unlisted_sender: {outcome.note}")
        if outcome.kind != REJECT:
            return None
        return self._decision(outcome.reply, "smtpd_reject_unlisted_sender", None, None, outcome.sources, outcome.note)

    def syntax(self, address: str, what: str) -> Decision | None:
        if not address:
            return None
        resolved = self.ctx.resolve(address)
        if not resolved.error:
            return None
        reply = "501 5.1.7 Bad sender address syntax" if what == "sender" else "501 5.1.3 Bad recipient address syntax"
        self.trace.append(f"{'MAIL FROM' if what == 'sender' else 'RCPT TO'}: the domain of <{address}> is empty "
                          "or numeric (resolve_null_domain, resolve_numeric_domain = no)")
        return self._decision(reply, None, None, None, (), f"the domain of <{address}> is empty or numeric")

    def finish(self) -> Decision:
        flags = self.runner.flags
        if flags.defer_if_permit is not None:
            self.trace.append("a defer_if_permit is pending and nothing rejected: the request is deferred")
            return self._decision(flags.defer_if_permit.reply, None, "defer_if_permit", None, (),
                                  "an earlier defer_if_permit defers what nothing rejected")
        if self.model.config.flag("smtpd_reject_unlisted_recipient") and not flags.discarded:
            self.ctx.known = ALL_PARTS
            # A defer_if_reject of the relay or recipient list still holds here (measured on 3.7).
            outcome = flags.deferred(unlisted(self.ctx, self.request.recipient, RECIPIENT, "5.1.1"))
            self.trace.append(f"smtpd_reject_unlisted_recipient: {outcome.note}")
            if outcome.kind == REJECT:
                return self._decision(outcome.reply, "smtpd_reject_unlisted_recipient", None, None, outcome.sources,
                                      outcome.note)
        # The permit that let the request skip a relay check answers for the acceptance; failing
        # that, where the recipient goes (a local or relay_domains destination passes the check).
        for name in ("smtpd_relay_restrictions", "smtpd_recipient_restrictions", *SMTPD_LISTS[:3]):
            if name in self.permits and self._blocker_after(name, self.permits[name][0].position):
                return self._accepted_by(name)
        resolved = self.ctx.resolve(self.request.recipient)
        # For mail that stays here (or goes nowhere known), the permit that ended a list accepted
        # it; mail for $relay_domains passed the relay check because relay_domains names it.
        if resolved.domain_class is not DomainClass.RELAY or resolved.routed:
            for name in ("smtpd_relay_restrictions", "smtpd_recipient_restrictions"):
                if name in self.permits:
                    return self._accepted_by(name)
        sources = resolved.domain_class.sources
        why = ("no restriction rejected it" if resolved.domain_class is DomainClass.DEFAULT
               else f"no restriction rejected it, and {resolved.domain} is a {resolved.domain_class.value} destination")
        if resolved.unknown and resolved.domain_class is DomainClass.DEFAULT:
            why, sources = f"{why}, and {' or '.join(resolved.unknown)} lists {resolved.domain}", resolved.unknown
        return self._decision(ACCEPTED, None, None, None, sources, why)

    def _accepted_by(self, name: str) -> Decision:
        step, outcome = self.permits[name]
        return self._decision(ACCEPTED, name, step.name, step.position, outcome.sources, outcome.note)

    def _blocker_after(self, name: str, position: int) -> bool:
        return any(e.name in RELAY_CHECKS and e.position > position for e in entries(self.model.lists[name]))

    def _decision(self, reply: str, parameter, restriction, position, sources, reason: str = "") -> Decision:
        verdict = Verdict.of_reply(reply)
        return Decision(verdict, parameter, restriction, reply, tuple(self.trace), position, tuple(sources),
                        frozenset({verdict}), reason)
