"""`allow forged senders` on a real Postfix: what each form lets through, and what still holds.

Two case policies (tests/cases/checks/forgery-anonymous-live, forgery-any-client-live): every
`expect` line is sent to the real server, and so is each request MP360 names as its witness,
which the server must accept. The anonymous form still refuses a login another's address, at
RCPT (553) and at DATA for mail to the bare postmaster; a check stated `before ownership` answers
first (504 where ownership would give 553: the order Mail-in-a-Box runs), and refuses nothing more
or less than with ownership first. Neither form opens relaying.
"""

from __future__ import annotations

import re

import pytest

from mailpolicy.compiler import compile_policy
from tests.conftest import REPO
from tests.e2e.live import live_policy, verified_case

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

CASES = REPO / "tests" / "cases" / "checks"
ANONYMOUS = CASES / "forgery-anonymous-live" / "site.mailpolicy"
ANY_CLIENT = CASES / "forgery-any-client-live" / "site.mailpolicy"
# MP360's witness: "a client that is not logged in may send as <S> (to <R>)" or
# "a client logged in as `L`, which does not own it, may send as <S> (to <R>)".
_WITNESS = re.compile(r"(?:not logged in|logged in as `(?P<login>[^`]+)`[^<]*) may send as <(?P<sender>[^>]+)> "
                      r"\(to <(?P<recipient>[^>]+)>\)")


def _replies(case):
    verification, table = verified_case(case)
    return {(o.expectation.client.value if o.expectation.login is None else o.expectation.login,
             o.expectation.sender, o.expectation.recipient): o.attempt for o in verification.outcomes}, table


def test_anonymous_clients_may_forge_and_logins_still_may_not() -> None:
    replies, table = _replies(ANONYMOUS)
    assert replies[("anonymous", "alice@example0.com", "alice@example0.com")].accepted, table
    assert replies[("anonymous", "alice@example0.com", "postmaster")].accepted, table
    refused = replies[("bob", "alice@example0.com", "victim@gmail.test")]
    assert refused.code == 553 and "not owned by user bob" in refused.reply, table
    # The bare postmaster: RCPT is accepted before any list, smtpd_data_restrictions refuses at DATA.
    at_data = replies[("bob", "alice@example0.com", "postmaster")]
    assert not at_data.accepted and at_data.stage == "data" and at_data.code == 553, table
    # `before ownership`: that check answers first (504), where ownership first answers 553.
    first = replies[("bob", "stranger@nowhere", "victim@gmail.test")]
    assert first.code == 504 and "need fully-qualified address" in first.reply, table
    assert replies[("anonymous", "alice@example0.com", "victim@gmail.test")].code == 554, table


def test_any_client_may_forge_and_relaying_is_unchanged() -> None:
    replies, table = _replies(ANY_CLIENT)
    assert replies[("bob", "alice@example0.com", "victim@gmail.test")].accepted, table
    assert replies[("bob", "alice@example0.com", "postmaster")].accepted, table
    relay = replies[("anonymous", "alice@example0.com", "victim@gmail.test")]
    assert relay.code == 554 and "Relay access denied" in relay.reply, table


@pytest.mark.parametrize("case", [ANONYMOUS, ANY_CLIENT], ids=lambda p: p.parent.name)
def test_each_witness_mp360_names_is_accepted_by_the_real_server(case) -> None:
    compilation = compile_policy(case)
    warnings = [d for d in compilation.diagnostics if d.code == "MP360"]
    witnesses = [m.groupdict() for d in warnings for m in _WITNESS.finditer(d.message)]
    assert witnesses, [str(d) for d in compilation.diagnostics]
    logins = [w["login"] for w in witnesses if w["login"]]
    for live in live_policy(compilation, extra_logins=logins):
        for witness in witnesses:
            attempt = live.send(witness["login"] or "anonymous", witness["sender"], witness["recipient"])
            assert attempt.accepted, (witness, attempt)
