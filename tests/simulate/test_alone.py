"""One restriction, or one list, run on its own (simulate/alone.py): what the shading check and the proof ask."""

from __future__ import annotations

from mailpolicy.simulate import PostfixModel, Request
from mailpolicy.simulate.alone import evaluate_alone, run_list_alone
from mailpolicy.simulate.context import DUNNO, PERMIT, REJECT

MODEL = PostfixModel.from_parameters({
    "mynetworks": "192.0.2.0/24",
    "mydestination": "example0.com",
    "smtpd_sasl_auth_enable": "yes",
})
OUTSIDE = Request("203.0.113.5", None, "someone@outside.test", "friend@gmail.test")
TRUSTED = Request("192.0.2.7", None, "someone@outside.test", "friend@gmail.test")
LIST = ("permit_mynetworks", "reject_unauth_destination")


def test_one_restriction_alone() -> None:
    rcpt = "smtpd_recipient_restrictions"
    assert evaluate_alone(MODEL, OUTSIDE, rcpt, "reject_unauth_destination", None).kind == REJECT
    assert evaluate_alone(MODEL, TRUSTED, rcpt, "permit_mynetworks", None).kind == PERMIT
    assert evaluate_alone(MODEL, OUTSIDE, rcpt, "permit_mynetworks", None).kind == DUNNO


def test_a_list_alone_ends_at_its_first_permit_or_reject() -> None:
    rcpt = "smtpd_recipient_restrictions"
    outside = run_list_alone(MODEL, OUTSIDE, rcpt, LIST)
    assert (outside.outcome.kind, outside.step.name, outside.step.position) == (REJECT, "reject_unauth_destination", 1)
    trusted = run_list_alone(MODEL, TRUSTED, rcpt, LIST)
    assert (trusted.outcome.kind, trusted.step.name, trusted.step.position) == (PERMIT, "permit_mynetworks", 0)


def test_the_chooser_sees_every_outcome_of_an_unknown() -> None:
    # A DNS list's answer is unknown: listed (reject) or not (nominal, first). The chooser sees both
    # and picks; the default picks the nominal one.
    seen = []

    def take_the_last(key, outcomes):
        seen.append(tuple(o.kind for o in outcomes))
        return outcomes[-1]

    rcpt = "smtpd_recipient_restrictions"
    assert evaluate_alone(MODEL, OUTSIDE, rcpt, "reject_rbl_client", "zen.example.test").kind == DUNNO
    chosen = evaluate_alone(MODEL, OUTSIDE, rcpt, "reject_rbl_client", "zen.example.test", take_the_last)
    assert chosen.kind == REJECT and seen and seen[0][0] == DUNNO and REJECT in seen[0]
