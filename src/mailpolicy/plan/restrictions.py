"""Decide the SMTP restriction lists. Their order is the compiler's, never the author's.

Postfix evaluates smtpd_client, _helo, _sender, _relay and _recipient_restrictions one list after
another (all at RCPT TO while smtpd_delay_reject = yes, the default). Within a list the first
permit_* or reject_* that matches ends *that list* only; a reject in any list rejects the request.
Hence the rules below, each written where it is applied:

1. reject_sender_login_mismatch stands alone in smtpd_sender_restrictions. No permit_* precedes it
   there, and a permit in the later relay list cannot undo a reject here, so it always fires
   (the seed's server put it after permit_sasl_authenticated, where it never did).
2. smtpd_relay_restrictions always ends in reject_unauth_destination: whatever no permit_* has
   admitted may deliver only to this server's own domains (no open relay).
3. permit_mynetworks appears only for `relay authenticated or trusted` and `relay only trusted`,
   and only before reject_unauth_destination: trusting a network is a choice the author states.
4. reject_sender_login_mismatch also stands alone in smtpd_data_restrictions: smtpd accepts
   RCPT TO:<postmaster> before the sender list runs, and only the DATA list sees that mail.
5. `refuse senders` checks follow reject_sender_login_mismatch in smtpd_sender_restrictions, the
   permits of their `unless` after it (plan/sender_checks.py): ownership is still checked first.
"""

from __future__ import annotations

from mailpolicy.model.policy import Policy
from mailpolicy.parse.statements import RelayMode
from mailpolicy.plan.model import Entry, Parameter


def sender_restrictions(policy: Policy) -> Parameter:
    """Return smtpd_sender_restrictions: the identity guard, when anybody owns an address, then main.cf's checks."""
    checks = policy.sender_checks_of(None)
    entries = owner_guard(policy, checks is not None) + _check_entries(checks)
    source = policy.owner_source() or (checks.span if checks else None)
    if not entries:
        reason = ("empty on purpose: no address has an owner, and a value inherited from elsewhere "
                  "must not add a permit")
    else:
        reason = "who may send as which address" if policy.has_owners else "which senders are refused"
    statement = _owner_statement(policy) if policy.has_owners else "refuse senders" if entries else ""
    return Parameter.restriction_list("smtpd_sender_restrictions", entries, reason, source, statement=statement)


def service_sender_restrictions(policy: Policy, kind: str) -> str | None:
    """Return a service's own smtpd_sender_restrictions (its `refuse senders ... on KIND`), or None for main.cf's.

    Written as one master.cf `-o` value without blanks: Postfix splits restriction lists on commas
    and blanks alike, and a DNS list is the argument of the restriction before it either way.
    """
    checks = policy.sender_checks_of(kind)
    if checks is None:
        return None
    guard = owner_guard(policy, True) if policy.sasl else ()  # as plan_config guards main.cf's list
    names = [e.name for e in guard + _check_entries(checks)]
    return ",".join(name.replace(" ", ",") for name in names)


def _check_entries(checks) -> tuple[Entry, ...]:
    """Return the `refuse senders` entries of a scope (plan/sender_checks.py, imported only when there are some)."""
    if checks is None:
        return ()
    from mailpolicy.plan.sender_checks import sender_check_entries

    return sender_check_entries(checks)


def owner_guard(policy: Policy, followed: bool = False) -> tuple[Entry, ...]:
    """Return reject_sender_login_mismatch, before anything else, when anybody owns an address.

    `followed`: `refuse senders` checks come after it in the list (rule 5).
    """
    if not policy.has_owners:
        return ()
    return (Entry(
        "reject_sender_login_mismatch",
        "rule 1: a client may use an owned MAIL FROM only when logged in as one of its owners, "
        f"and a logged-in client only an address it owns; {'first' if followed else 'alone'} in this list, "
        "no permit can skip it "
        "(smtpd skips the whole list for RCPT TO:<postmaster>: rule 4 covers that mail at DATA)",
        policy.owner_source()),)


def data_restrictions(policy: Policy) -> Parameter:
    """Return smtpd_data_restrictions: the identity guard again, for mail to the bare `postmaster`.

    smtpd_check.c smtpd_check_rcpt() accepts RCPT TO:<postmaster> (no domain, RFC 5321 4.5.1)
    before it runs the delayed sender list, so rule 1 alone lets an anonymous client send as an
    owned address to postmaster. smtpd_check_data() (DATA, and the first BDAT: smtpd.c) runs this
    list for every transaction, and generic_checks() evaluates sender restrictions there too.
    """
    entries: tuple[Entry, ...] = ()
    source = policy.owner_source()
    if policy.has_owners:
        entries = (Entry(
            "reject_sender_login_mismatch",
            "rule 4: checked again at DATA, because smtpd accepts RCPT TO:<postmaster> without running "
            "smtpd_sender_restrictions; alone in this list, no permit can skip it", source),)
    reason = ("who may send as which address, also to the bare postmaster" if entries
              else "empty on purpose: no address has an owner")
    return Parameter.restriction_list("smtpd_data_restrictions", entries, reason, source,
                                      statement=_owner_statement(policy) if entries else "")


def relay_restrictions(policy: Policy) -> Parameter:
    """Return smtpd_relay_restrictions for the policy's relay statement."""
    mode = policy.relay.value
    source = policy.relay.span
    entries: list[Entry] = []
    if mode in (RelayMode.TRUSTED, RelayMode.AUTHENTICATED_OR_TRUSTED):
        entries.append(Entry("permit_mynetworks",
                             "rule 3: clients in mynetworks (the trusted networks) may relay, as stated",
                             source))
    if mode in (RelayMode.AUTHENTICATED, RelayMode.AUTHENTICATED_OR_TRUSTED):
        entries.append(Entry("permit_sasl_authenticated", "clients logged in over SASL may relay", source))
    if policy.relay_later:
        # postconf(5): defer_unauth_destination is reject_unauth_destination with a temporary reply
        # (454 with the default relay_domains_reject_code 554): refused the same, retried by the client.
        entries.append(Entry("defer_unauth_destination",
                             "rule 2: everyone else may send only to this server's own domains (no open relay), "
                             "and is told to try later (4xx), as stated", source))
    else:
        entries.append(Entry("reject_unauth_destination",
                             "rule 2: everyone else may send only to this server's own domains (no open relay)",
                             source))
    said = f"relay {mode.value}" + (", others try later" if policy.relay_later else "")
    return Parameter.restriction_list("smtpd_relay_restrictions", tuple(entries),
                                      said, source, statement="relay")


def _owner_statement(policy: Policy) -> str:
    """Name the statement that gives addresses owners, as main.cf cites it."""
    return "allow user" if policy.owners else "owners from" if policy.owner_tables else "owners from map"
