"""`refuse senders`: the checks smtpd_sender_restrictions runs beside ownership, per scope.

A scope is main.cf (lines without `on`) or one stated service (`on submission`), whose list
replaces main.cf's for that listener as a master.cf `-o` does. What each check runs in Postfix
(smtpd_check.c, generic_checks) and why the order is the compiler's is in plan/sender_checks.py.
"""

from __future__ import annotations

import re

from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.model import values
from mailpolicy.parse import statements as st
from mailpolicy.parse.statements import SenderCheckKind, SenderExemption
from mailpolicy.postfix.service_kinds import KINDS
from mailpolicy.source import Span

# The restriction each check is in main.cf (postconf(5) "Sender address restrictions").
RESTRICTIONS = {
    SenderCheckKind.NOT_FQDN: "reject_non_fqdn_sender",
    SenderCheckKind.UNKNOWN_DOMAIN: "reject_unknown_sender_domain",
    SenderCheckKind.LISTED_BY: "reject_rhsbl_sender",
    SenderCheckKind.NOT_LISTED_HERE: "reject_unlisted_sender",
}

# A reply filter of a DNS list (postconf(5) reject_rhsbl_sender "rbl_domain=d.d.d.d"; the
# address pattern of smtpd_check.c rbl_match_addr: each octet a number or `[a..b]`/`[a;b;...]`
# of numbers; several patterns joined by `;`).
_OCTET = r"(?:\d{1,3}|\[\d{1,3}(?:\.\.\d{1,3})?(?:;\d{1,3}(?:\.\.\d{1,3})?)*\])"
_PATTERN = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_REPLY_FILTER = re.compile(rf"{_PATTERN}(?:;{_PATTERN})*")


@frozen
class SenderCheck:
    """One check: the restriction main.cf runs (with its DNS list argument) and where it was stated."""

    kind: SenderCheckKind
    restriction: str   # `reject_rhsbl_sender dbl.spamhaus.org=127.0.1.[2..99]`
    span: Span


@frozen
class SenderChecks:
    """The checks of one scope: main.cf's (`service` None) or one listener's, in the order stated."""

    service: str | None
    checks: tuple[SenderCheck, ...]     # run by every client
    exempted: tuple[SenderCheck, ...]   # run after the exemption's permits
    unless: SenderExemption | None
    span: Span                          # the first line of the scope
    first: tuple[SenderCheck, ...] = ()  # `before ownership`: run ahead of the login check

    @property
    def all(self) -> tuple[SenderCheck, ...]:
        return self.first + self.checks + self.exempted


class _Scope:
    """The lines of one scope collected so far."""

    __slots__ = ("first", "plain", "exempted", "unless", "unless_line", "span")

    def __init__(self, span: Span) -> None:
        self.first: list[SenderCheck] = []
        self.plain: list[SenderCheck] = []
        self.exempted: list[SenderCheck] = []
        self.unless: SenderExemption | None = None
        self.unless_line: Span | None = None   # the line that stated the exemption
        self.span = span                       # the scope's first line


class SenderChecksBuilder:
    """Collect `refuse senders` lines into one SenderChecks per scope."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.scopes: dict[str | None, _Scope] = {}
        self.service_words: list[st.Word] = []

    def add(self, s: st.RefuseSenders) -> None:
        service = None
        if s.service is not None:
            service = s.service.text.lower()
            self.service_words.append(s.service)
        scope = self.scopes.setdefault(service, _Scope(s.span))
        if s.unless is not None:
            if scope.unless is not None and scope.unless is not s.unless:
                where = f"on {service}" if service else "in main.cf"
                self.diagnostics.append(cat.SENDER_EXEMPTION_CONFLICT.at(
                    s.span, f"`unless {s.unless.value}` contradicts `unless {scope.unless.value}` {where}: one "
                    "smtpd_sender_restrictions list can exempt only one kind of client",
                    hint="state the same exemption on every line of this scope",
                    related=(Related(scope.unless_line, "first exemption stated here"),)))
                return
            scope.unless, scope.unless_line = s.unless, s.span
        target = scope.exempted if s.unless is not None else scope.first if s.first else scope.plain
        seen = {c.restriction for c in scope.first + scope.plain + scope.exempted}
        for check in s.checks:
            built = self._check(check)
            if built is None:
                continue
            if built.restriction in seen:
                self.diagnostics.append(cat.DUPLICATE_VALUE.at(check.span, f"`{check.kind.value}` is already stated "
                                                               "for these senders", hint="remove the repetition"))
                continue
            seen.add(built.restriction)
            target.append(built)

    def _check(self, check: st.SenderCheck) -> SenderCheck | None:
        restriction = RESTRICTIONS[check.kind]
        if check.list_domain is not None:
            try:
                domain = values.domain(check.list_domain.text)
            except values.ValueProblem as problem:
                self.diagnostics.append(cat.INVALID_SENDER_CHECK.at(
                    check.list_domain.span, f"`{check.list_domain.text}` is not a DNS list's domain: {problem.message}",
                    hint="write the list's zone, e.g. `listed by dbl.spamhaus.org`"))
                return None
            restriction += f" {domain}"
            if check.reply_filter is not None:
                if not _REPLY_FILTER.fullmatch(check.reply_filter.text):
                    self.diagnostics.append(cat.INVALID_SENDER_CHECK.at(
                        check.reply_filter.span, f"`{check.reply_filter.text}` is not a reply filter Postfix reads",
                        hint="write the addresses the list answers with, e.g. 127.0.1.[2..99] or 127.0.0.2;127.0.0.4"))
                    return None
                restriction += f"={check.reply_filter.text}"
        return SenderCheck(check.kind, restriction, check.span)

    def finish(self, stated_services: set[str], sasl: bool) -> tuple[SenderChecks, ...]:
        """Return one SenderChecks per scope; `sasl`: the policy lets clients log in."""
        for scope in self.scopes.values():
            unless = scope.unless
            if not sasl and unless in (SenderExemption.AUTHENTICATED, SenderExemption.AUTHENTICATED_OR_TRUSTED):
                # smtpd_check.c runs permit_sasl_authenticated only `if (smtpd_sasl_is_active(state))`:
                # without SASL it matches nobody, silently.
                self.diagnostics.append(cat.EXEMPTS_NOBODY.at(
                    scope.unless_line, f"`unless {unless.value}` exempts logged-in clients, but the policy states no `sasl`: "
                    "nobody logs in, so permit_sasl_authenticated matches nobody",
                    hint="add `sasl ...` if clients log in, or write `unless trusted` (or no `unless`)"))
        for word in self.service_words:
            kind = word.text.lower()
            if kind in stated_services:
                continue
            if kind not in KINDS:
                message, hint = (f"`{word.text}` is not a kind of service",
                                 f"write one of {', '.join(KINDS)}, as the `service` lines do")
            else:
                message, hint = (f"the policy states no `service {kind}`, so no listener would run these checks",
                                 f"add `service {kind}`, or leave `on` out to check senders on every listener")
            self.diagnostics.append(cat.SENDER_CHECKS_NO_SERVICE.at(word.span, message, hint=hint))
        return tuple(SenderChecks(service, tuple(scope.plain), tuple(scope.exempted), scope.unless, scope.span,
                                  tuple(scope.first))
                     for service, scope in self.scopes.items()
                     if service is None or service in stated_services)


@frozen
class Forgery:
    """`allow forged senders from WHO [on SERVICE]`: whom ownership is no longer checked for, in one scope."""

    service: str | None   # None: main.cf's lists (every listener without a line of its own)
    forgers: st.Forgers
    span: Span


def build_forgery(statements: list[st.AllowForgery], stated_services: set[str], has_owners: bool,
                  diagnostics: list[Diagnostic]) -> tuple[Forgery, ...]:
    """Return one Forgery per scope; a scope stated twice, a service not stated and nothing owned are refused."""
    found: dict[str | None, Forgery] = {}
    for s in statements:
        service = s.service.text.lower() if s.service is not None else None
        if s.service is not None and service not in stated_services:
            message, hint = ((f"the policy states no `service {service}`, so no listener would run this choice",
                              f"add `service {service}`, or leave `on` out to choose for every listener")
                             if service in KINDS else (f"`{s.service.text}` is not a kind of service",
                                                       f"write one of {', '.join(KINDS)}, as the `service` lines do"))
            diagnostics.append(cat.FORGERY_NO_SERVICE.at(s.service.span, message, hint=hint))
            continue
        earlier = found.get(service)
        if earlier is not None:
            where = f"on {service}" if service else "for main.cf's listeners"
            diagnostics.append(cat.FORGERY_STATED_TWICE.at(
                s.span, f"who may forge senders {where} is already stated", hint="keep one of the two lines",
                related=(Related(earlier.span, "first stated here"),)))
            continue
        found[service] = Forgery(service, s.forgers, s.span)
    if found and not has_owners:
        first = next(iter(found.values()))
        diagnostics.append(cat.FORGERY_WITHOUT_OWNERS.at(
            first.span, "no address has an owner, so there is nothing to forge: this line changes nothing",
            hint="remove it, or state owners (`allow user`, `owners from`, `owners from map`)"))
    return tuple(found.values())
