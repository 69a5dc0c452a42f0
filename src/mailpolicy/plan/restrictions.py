"""Decide the SMTP restriction lists. Their order is the compiler's, never the author's.

Postfix evaluates smtpd_client, _helo, _sender, _relay and _recipient_restrictions one list after
another (all at RCPT TO while smtpd_delay_reject = yes, the default). Within a list the first
permit_* or reject_* that matches ends *that list* only; a reject in any list rejects the request.
Hence the rules below, each written where it is applied:

1. reject_sender_login_mismatch stands alone in smtpd_sender_restrictions. No permit_* precedes it
   there, and a permit in the later relay list cannot undo a reject here, so it always fires
   (the seed's server put it after permit_sasl_authenticated, where it never did).
   `allow forged senders` (stated on purpose, warned about by MP360) makes it
   reject_authenticated_sender_login_mismatch (logged-in clients only) or removes it, per scope.
2. smtpd_relay_restrictions always ends in reject_unauth_destination: whatever no permit_* has
   admitted may deliver only to this server's own domains (no open relay).
3. permit_mynetworks appears only for `relay authenticated or trusted` and `relay only trusted`,
   and only before reject_unauth_destination: trusting a network is a choice the author states.
4. reject_sender_login_mismatch also stands alone in smtpd_data_restrictions: smtpd accepts
   RCPT TO:<postmaster> before the sender list runs, and only the DATA list sees that mail.
5. `refuse senders` checks follow reject_sender_login_mismatch in smtpd_sender_restrictions, the
   permits of their `unless` after it (plan/sender_checks.py): ownership is still checked before
   any permit. Checks stated `before ownership` precede it: rejects only, so they cannot skip it.
"""

from __future__ import annotations

from mailpolicy.model.policy import Policy
from mailpolicy.parse.statements import Forgers, RelayMode
from mailpolicy.plan.model import Entry, Parameter


# The login check each choice compiles to (rule 1): smtpd_check.c reject_sender_login_mismatch runs
# both halves (reject_auth_sender_login_mismatch for a logged-in client,
# reject_unauth_sender_login_mismatch for one that is not); reject_authenticated_sender_login_mismatch
# only the first; with `allow forged senders from any client` none. import reads a list back by it.
LOGIN_CHECK = {None: "reject_sender_login_mismatch", Forgers.ANONYMOUS: "reject_authenticated_sender_login_mismatch",
               Forgers.ANY: None}


def sender_restrictions(policy: Policy) -> Parameter:
    """Return smtpd_sender_restrictions: the identity guard, when anybody owns an address, then main.cf's checks."""
    checks = policy.sender_checks_of(None)
    first = _first_entries(checks)
    entries = first + owner_guard(policy, checks is not None, preceded=bool(first)) + _check_entries(checks)
    source = (_forgery_source(policy, None) if policy.has_owners else None) or (checks.span if checks else None)
    if not entries:
        reason = ("empty on purpose: `allow forged senders from any client` checks no owner" if policy.has_owners
                  else "empty on purpose: no address has an owner, and a value inherited from elsewhere "
                       "must not add a permit")
    else:
        reason = "who may send as which address" if policy.has_owners else "which senders are refused"
    statement = _owner_statement(policy) if policy.has_owners else "refuse senders" if entries else ""
    return Parameter.restriction_list("smtpd_sender_restrictions", entries, reason, source, statement=statement)


def service_sender_restrictions(policy: Policy, kind: str) -> str | None:
    """Return a service's own smtpd_sender_restrictions, or None for main.cf's.

    A service has its own list when `refuse senders ... on KIND` gives it its own checks (which
    replace main.cf's), or `allow forged senders ... on KIND` its own login check (main.cf's checks
    kept). Written as one master.cf `-o` value without blanks: Postfix splits restriction lists on
    commas and blanks alike, and a DNS list is the argument of the restriction before it either way.
    """
    checks = policy.sender_checks_of(kind)
    if checks is None and policy.forgery_of(kind) is None:
        return None
    checks = checks or policy.sender_checks_of(None)
    guard = owner_guard(policy, checks is not None, kind) if policy.sasl else ()  # as plan_config guards main.cf's
    names = [e.name for e in _first_entries(checks) + guard + _check_entries(checks)]
    return ",".join(name.replace(" ", ",") for name in names)


def service_data_restrictions(policy: Policy, kind: str) -> str | None:
    """Return a service's own smtpd_data_restrictions (`allow forged senders ... on KIND`), or None for main.cf's."""
    if policy.forgery_of(kind) is None:
        return None
    return ",".join(e.name for e in data_guard(policy, kind)) if policy.sasl else ""


def _first_entries(checks) -> tuple[Entry, ...]:
    """Return the `refuse senders ..., before ownership` entries of a scope, ahead of the login check."""
    if checks is None or not checks.first:
        return ()
    from mailpolicy.plan.sender_checks import first_check_entries

    return first_check_entries(checks)


def _check_entries(checks) -> tuple[Entry, ...]:
    """Return the `refuse senders` entries of a scope (plan/sender_checks.py, imported only when there are some)."""
    if checks is None:
        return ()
    from mailpolicy.plan.sender_checks import sender_check_entries

    return sender_check_entries(checks)


def owner_guard(policy: Policy, followed: bool = False, service: str | None = None,
                preceded: bool = False) -> tuple[Entry, ...]:
    """Return the login check, before anything else, when anybody owns an address.

    reject_sender_login_mismatch; reject_authenticated_sender_login_mismatch where the policy allows
    anonymous clients to forge (`allow forged senders from anonymous clients`); nothing where it
    allows any client to (`... from any client`). `followed`: `refuse senders` checks come after it
    in the list (rule 5); `service`: the listener whose list this is (None: main.cf's); `preceded`:
    checks stated `before ownership` come before it (rejects only).
    """
    where = "after rejects only and before every permit" if preceded else "first" if followed else "alone"
    if not policy.has_owners:
        return ()
    forgers = policy.forgers(service)
    if forgers is Forgers.ANY:
        return ()
    if forgers is Forgers.ANONYMOUS:
        return (Entry(
            "reject_authenticated_sender_login_mismatch",
            "rule 1: a logged-in client may use only an address it owns, and an owned one only when it owns it; "
            "a client that is not logged in is not checked, as `allow forged senders from anonymous clients` "
            f"states; {where} in this list, no permit can skip it",
            _forgery_source(policy, service)),)
    return (Entry(
        "reject_sender_login_mismatch",
        "rule 1: a client may use an owned MAIL FROM only when logged in as one of its owners, "
        f"and a logged-in client only an address it owns; {where} in this list, "
        "no permit can skip it "
        "(smtpd skips the whole list for RCPT TO:<postmaster>: rule 4 covers that mail at DATA)",
        policy.owner_source()),)


def data_guard(policy: Policy, service: str | None = None) -> tuple[Entry, ...]:
    """Return smtpd_data_restrictions' entries: the login check again, for mail to the bare `postmaster`.

    smtpd_check.c smtpd_check_rcpt() accepts RCPT TO:<postmaster> (no domain, RFC 5321 4.5.1)
    before it runs the delayed sender list, so rule 1 alone lets a client send as an owned
    address to postmaster. smtpd_check_data() (DATA, and the first BDAT: smtpd.c) runs this
    list for every transaction, and generic_checks() evaluates sender restrictions there too.
    The same check as the sender list's (owner_guard), so each client is held to the same owners.
    """
    guard = owner_guard(policy, service=service)
    return tuple(Entry(e.name, "rule 4: checked again at DATA, because smtpd accepts RCPT TO:<postmaster> without "
                       "running smtpd_sender_restrictions; alone in this list, no permit can skip it", e.source)
                 for e in guard)


def data_restrictions(policy: Policy) -> Parameter:
    """Return main.cf's smtpd_data_restrictions (data_guard)."""
    entries = data_guard(policy)
    source = _forgery_source(policy, None) if policy.has_owners else None
    if entries:
        reason = "who may send as which address, also to the bare postmaster"
    elif policy.has_owners:
        reason = "empty on purpose: `allow forged senders from any client` checks no owner"
    else:
        reason = "empty on purpose: no address has an owner"
    return Parameter.restriction_list("smtpd_data_restrictions", entries, reason, source,
                                      statement=_owner_statement(policy) if policy.has_owners else "")


def _forgery_source(policy: Policy, service: str | None):
    """Return the `allow forged senders` line that decides a listener's login check, else the owners' first line."""
    stated = policy.forgery_of(service) or policy.forgery_of(None)
    return stated.span if stated is not None else policy.owner_source()


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
    """Name the statement that decides the login check, as main.cf cites it: the owners' unless forgery is stated."""
    if policy.forgery_of(None) is not None:
        return "allow forged senders"
    return "allow user" if policy.owners else "owners from" if policy.owner_tables else "owners from map"
