"""The bare-postmaster forgery (MP336): a login check that smtpd skips for mail to `postmaster`.

smtpd accepts `RCPT TO:<postmaster>` without a domain before any restriction (RFC 5321 section
4.5.1; src/smtpd/smtpd_check.c smtpd_check_rcpt returns early), and that early return skips the
delayed client, helo and sender lists too: reject_sender_login_mismatch in
smtpd_sender_restrictions never sees such a transaction. Only smtpd_data_restrictions (at DATA
and the first BDAT, smtpd_check_data) still runs, and generic_checks evaluates sender
restrictions there. A configuration that checks sender ownership anywhere but not in that list
lets an anonymous client send as an owned address to the bare postmaster: measured on Postfix
3.7.11 (tests/e2e/test_bare_postmaster_live.py, tests/corpus/adversarial/postmaster-01.case), the
forged message is queued. The compiler always writes the check into smtpd_data_restrictions, so
this finds deployed configurations (and any future list) without it.

The simulator decides the witness request (an outside client, not logged in, MAIL FROM an owned
address, RCPT TO:<postmaster>), so a data list that refuses it another way counts as guarded. The
same sender to a local address must be refused, or the configuration lets anonymous clients use
owned addresses anyway (a matter for the other sender checks, not this one). With a login map
whose contents cannot be read, the owned address is a sample, and the request is judged along
the answer in which the map gives it an owner.
"""

from __future__ import annotations

from typing import Iterator

from mailpolicy.checks.forged_senders import accepted_when_owned
from mailpolicy.checks.host import Host, Service
from mailpolicy.checks.samples import OUTSIDE_CLIENT
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.postfix.restriction_lists import ANONYMOUS_LOGIN_CHECKS, SMTPD_LISTS, entries
from mailpolicy.simulate import Request

DATA_LIST = "smtpd_data_restrictions"


def check_bare_postmaster(host: Host) -> Iterator[Diagnostic]:
    """Report each service where an anonymous client can send as an owned address to the bare postmaster."""
    return host.per_service(_forgery)


def _forgery(service: Service) -> Iterator[Diagnostic]:
    if not service.reachable_from_outside():
        return
    model = service.model()
    if model.fatal or not model.config.words("smtpd_sender_login_maps"):
        return
    where = _login_check(model)
    if where is None:
        return  # no list checks ownership: MP317 says so (MP337 where SASL is off)
    samples = service.owned_samples(1)
    sender = samples[0][0] if samples else f"owner@{service.local_domain()}"
    elsewhere = Request(OUTSIDE_CLIENT, None, sender, f"someone@{service.local_domain()}")
    if accepted_when_owned(model, elsewhere):
        return  # anonymous clients use owned addresses anyway: the other sender checks' matter
    if not accepted_when_owned(model, Request(OUTSIDE_CLIENT, None, sender, "postmaster")):
        return
    parameter, position = where
    span = service.parameter_span(DATA_LIST) or service.entry_span(parameter, position) or service.fallback_span()
    owned = f"<{sender}>" if samples else f"an address the sender login map gives an owner (such as <{sender}>)"
    yield cat.BARE_POSTMASTER_FORGERY.at(
        span,
        f"an anonymous client can send as {owned} to the bare postmaster: smtpd accepts RCPT TO:<postmaster> "
        f"before {parameter} runs (RFC 5321 4.5.1), and smtpd_data_restrictions, the only list that still "
        "runs for that mail, does not check the sender's login",
        hint="add reject_sender_login_mismatch to smtpd_data_restrictions "
             "(e.g. `smtpd_data_restrictions = reject_unauth_pipelining, reject_sender_login_mismatch`)")


def _login_check(model) -> tuple[str, int] | None:
    """Return the list and position of the first sender login check in smtpd's RCPT-time lists or their classes."""
    todo = [(name, model.lists[name]) for name in SMTPD_LISTS]
    seen: set[str] = set()
    while todo:
        parameter, words = todo.pop(0)
        for entry in entries(words):
            if entry.name in ANONYMOUS_LOGIN_CHECKS:
                return parameter, entry.position
            if entry.name in model.classes and entry.name not in seen:
                seen.add(entry.name)
                todo.append((entry.name, model.config.words(entry.name)))
    return None
