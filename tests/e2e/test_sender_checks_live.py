"""`refuse senders` on a real Postfix: each modelled verdict, and the safety of `unless`.

The case policy (tests/cases/checks/refuse-senders-exempt-trusted-live) puts
reject_non_fqdn_sender before and reject_unknown_sender_domain after the permits of
`unless authenticated or trusted`. Every `expect` line of it is sent to the real server:
the non-FQDN sender refused (504) for everyone; an unknown domain deferred (450) for an
anonymous client and accepted for a trusted one; the trusted client, permitted in the sender
list, still refused relay (554, smtpd_relay_restrictions) and still refused an owned address
(553, reject_sender_login_mismatch first in the list); a login still refused another's address.
"""

from __future__ import annotations

import pytest

from mailpolicy.compiler import compile_policy
from tests.conftest import REPO
from tests.e2e.live import verified_case

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

CASE = REPO / "tests" / "cases" / "checks" / "refuse-senders-exempt-trusted-live" / "site.mailpolicy"


def test_every_expect_line_of_the_sender_checks_holds_on_the_real_server() -> None:
    verification, table = verified_case(CASE)
    replies = {(o.expectation.client.value, o.expectation.sender, o.expectation.recipient): o.attempt
               for o in verification.outcomes}
    # reject_non_fqdn_sender: 504 5.5.2 ... need fully-qualified address, before the permits.
    assert replies[("trusted", "friend@nowhere", "alice@example0.com")].code == 504, table
    # reject_unknown_sender_domain: 450 4.1.8 ... Domain not found (no DNS records, or no DNS).
    deferred = replies[("anonymous", "friend@nowhere.invalid", "alice@example0.com")]
    assert deferred.code == 450 and "Domain not found" in deferred.reply, table
    # The permit ended the sender list only: the relay list still refused relay ...
    relay = replies[("trusted", "friend@nowhere.invalid", "victim@gmail.test")]
    assert relay.code == 554 and "Relay access denied" in relay.reply, table
    # ... and ownership, before the permit, still refused an owned address to a trusted client.
    owned = replies[("trusted", "alice@example0.com", "bob@example0.com")]
    assert owned.code == 553 and "not logged in" in owned.reply, table


def test_the_compile_says_which_line_depends_on_dns() -> None:
    compilation = compile_policy(CASE)
    notes = [d for d in compilation.diagnostics if d.code == "MP328"]
    # Only the anonymous unknown-domain line depends on DNS: the trusted client is exempt, the
    # non-FQDN and ownership lines are decided without it, relay is refused whatever DNS says.
    assert [d.span.line for d in notes] == [16], [str(d) for d in compilation.diagnostics]
