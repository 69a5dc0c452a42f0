"""Inline regexp:/pcre: access tables in restriction lists: solved witnesses, judged by the real Postfix.

The relay search draws a key from every class of such a table (simulate/pattern_witness.py), so
a table that can let a foreign recipient through is refused with a certain witness (MP301 "open
relay", not "possible"), and one that cannot is no error. On the real server each witness the
proof names is accepted, and for a safe table no witness of any class relays.
"""

from __future__ import annotations

import pytest

from mailpolicy.sandbox import Sandbox
from mailpolicy.simulate import PostfixModel, Request, Verdict, prove_no_open_relay
from mailpolicy.simulate.proof import _Search
from tests.postfix_support import require_postfix

OUTSIDE = "127.0.0.9"
BASE = {"compatibility_level": "3.6", "mydestination": "example0.com", "mynetworks": "127.0.0.1/32",
        "local_recipient_maps": ""}

# name -> (smtpd_relay_restrictions, whether the proof must name a witness)
CASES = {
    "regexp OK for one remote address": (
        r"check_recipient_access regexp:{ {/^victim@gmail\.test$$/ OK} }, reject_unauth_destination",
        True),
    "regexp !! rule is a positive rule": (
        r"check_recipient_access regexp:{ {!!/^x[0-9]+@/ OK} }, reject_unauth_destination",
        True),
    "pcre OK for senders with an extension": (
        r"check_sender_access pcre:{ {/^boss\+[a-z]+@example0\.com$$/ OK} }, reject_unauth_destination",
        True),
    "pcre rule under if, after a DUNNO for the local domain": (
        r"check_recipient_access pcre:{ {/@example0\.com$$/ DUNNO}, {if /^[a-z]+@/}, {/\.example$$/ OK},"
        r" {endif} }, reject_unauth_destination",
        True),
    "regexp that can only reject": (
        r"check_recipient_access regexp:{ {/^spam@/ REJECT}, {/@gmail\.test$$/ 550 no} }, reject_unauth_destination",
        False),
    "pcre OK for routed recipients only (allow_untrusted_routing = no ignores the OK)": (
        r"check_recipient_access pcre:{ {/[%!]/ OK} }, reject_unauth_destination",
        False),
    "regexp OK only at the local domain": (
        r"check_recipient_access regexp:{ {/^[^@%!]+@example0\.com$$/ OK} }, reject_unauth_destination",
        False),
}


def model_of(relay: str) -> PostfixModel:
    return PostfixModel.from_parameters({**BASE, "smtpd_relay_restrictions": relay}, {}, "3.7")


def main_cf(relay: str) -> str:
    return "".join(f"{name} = {value}\n" for name, value in {**BASE, "smtpd_relay_restrictions": relay}.items())


def witness_of(relay: str) -> tuple[str, str] | None:
    """Return the (MAIL FROM, RCPT TO) the proof names as a certain relay through the table, or None."""
    found = prove_no_open_relay(model_of(relay))
    if not found:
        return None
    (counterexample,) = found
    assert counterexample.certain and counterexample.decision.restriction.startswith("check_")
    return counterexample.request.sender, counterexample.request.recipient


@pytest.mark.parametrize(("relay", "relays"), CASES.values(), ids=CASES.keys())
def test_the_proof_names_a_certain_witness_or_none(relay, relays) -> None:
    assert (witness_of(relay) is not None) == relays


def pattern_witnesses(relay: str) -> list[tuple[str, str]]:
    """Every (MAIL FROM, RCPT TO) pairing a witness of the tables with the base sender or a remote recipient."""
    search = _Search(model_of(relay), None)
    senders = search.pattern_keys("sender")
    recipients = search.pattern_keys("recipient")
    return [("anyone@elsewhere.test", r) for r in recipients] + [(s, "victim@gmail.test") for s in senders]


@pytest.mark.postfix
@pytest.mark.parametrize(("relay", "relays"), CASES.values(), ids=CASES.keys())
def test_the_real_server_accepts_the_witness_and_nothing_else_relays(relay, relays) -> None:
    require_postfix()
    model, witness = model_of(relay), witness_of(relay)
    tried = pattern_witnesses(relay)
    assert tried, "the proof drew no key from the table"
    with Sandbox(main_cf(relay), chroot=False) as sandbox:
        if witness is not None:
            attempt = sandbox.try_send(OUTSIDE, None, None, *witness, timeout=3)
            assert attempt.code == 250, attempt
        for sender, recipient in tried:
            attempt = sandbox.try_send(OUTSIDE, None, None, sender, recipient, timeout=3)
            decision = model.decide(Request(OUTSIDE, None, sender, recipient, helo="sandbox-client.test"))
            # The simulator decides every witness as the server does; a safe table lets none relay.
            assert (attempt.code == 250) == (decision.verdict is Verdict.ACCEPT), (sender, recipient, attempt, decision.trace)
