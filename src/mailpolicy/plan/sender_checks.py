"""Order the `refuse senders` checks in smtpd_sender_restrictions around ownership.

The list a scope (main.cf, or one service's `-o`) compiles to:

    [FIRST...,] reject_sender_login_mismatch, CHECKS..., [permit_sasl_authenticated,] [permit_mynetworks,] EXEMPTED...

- Ownership before every permit (plan/restrictions.py rule 1): a permit_* before it would skip it
  for the clients it permits (the seed's mistake), so the exemption's permits come after it.
- FIRST: the checks of `refuse senders ..., before ownership` (Mail-in-a-Box runs its DNS checks
  first). Each is a reject_* that either refuses the request or answers DUNNO (smtpd_check.c
  generic_checks: none of them permits), so the list reaches the login check for every request
  it does not refuse: which requests the list accepts is the same in either order, only the reply
  of a request two checks refuse changes (504 from reject_non_fqdn_sender instead of 553 from
  ownership: tests/e2e/test_forgery_live.py; a DNS check's 450 likewise when DNS answers that the
  domain does not exist, while a temporary DNS failure is only defer_if_permit, after which the
  list goes on and ownership still answers). Without the line, ownership stays first: its 553 does
  not depend on DNS, so an `expect` line about ownership is decided without MP328.
- A permit in this list ends this list only: smtpd_check.c smtpd_check_rcpt() runs the client,
  HELO and sender lists (smtpd_delay_reject = yes) and goes on to smtpd_relay_restrictions and
  smtpd_recipient_restrictions unless one of them *rejected* (smtpd_check_mail returns a reply
  only for SMTPD_CHECK_REJECT), so `unless trusted` exempts a client from these checks and from nothing
  else: relaying is still decided by the relay list (tests/e2e/test_sender_checks_live.py shows
  both on the real Postfix).
- Checks stated without `unless` come before the permits, so every client runs them.
"""

from __future__ import annotations

from mailpolicy.model.sender_checks import SenderCheck, SenderChecks
from mailpolicy.parse.statements import SenderExemption
from mailpolicy.plan.model import Entry

_WHY = {
    "reject_non_fqdn_sender": "a MAIL FROM whose domain is not fully qualified is refused (504)",
    "reject_unknown_sender_domain": "a MAIL FROM domain this server is not final for and that has no MX or A record "
                                    "in DNS is refused (450; 550 when DNS says the domain does not exist and "
                                    "unknown_address_reject_code says so)",
    "reject_rhsbl_sender": "a MAIL FROM domain the DNS list lists is refused (554)",
    "reject_unlisted_sender": "a MAIL FROM of a domain this server receives mail for must be one of its "
                              "recipients (550)",
}

# The permits each exemption writes, in this order (importer/sender_checks.py reads a list by them).
EXEMPTION_PERMITS = {
    SenderExemption.AUTHENTICATED: ("permit_sasl_authenticated",),
    SenderExemption.TRUSTED: ("permit_mynetworks",),
    SenderExemption.AUTHENTICATED_OR_TRUSTED: ("permit_sasl_authenticated", "permit_mynetworks"),
}


def sender_check_entries(checks: SenderChecks) -> tuple[Entry, ...]:
    """Return the entries that follow ownership in one scope's smtpd_sender_restrictions."""
    entries = [_entry(check, "") for check in checks.checks]
    if checks.unless is not None:
        for permit in EXEMPTION_PERMITS[checks.unless]:
            entries.append(Entry(permit, f"rule 5: `unless {checks.unless.value}`: the checks after it skip these "
                                         "clients; ownership is checked before it, and a permit here ends only this "
                                         "list (relaying is still decided by smtpd_relay_restrictions)", checks.span))
        entries.extend(_entry(check, f", unless {checks.unless.value}") for check in checks.exempted)
    return tuple(entries)


def first_check_entries(checks: SenderChecks) -> tuple[Entry, ...]:
    """Return the entries that come before ownership in one scope's smtpd_sender_restrictions."""
    return tuple(_entry(check, ", before ownership") for check in checks.first)


def _entry(check: SenderCheck, unless: str) -> Entry:
    name, _, dns_list = check.restriction.partition(" ")
    said = f"{check.kind.value} {dns_list}" if dns_list else check.kind.value
    return Entry(check.restriction, f"`refuse senders {said}{unless}`: {_WHY[name]}", check.span)
