"""smtpd refuses a recipient the resolver sends to the `error` or `retry` transport: pinned on the model and a real Postfix.

src/smtpd/smtpd_check.c check_rcpt_maps() (run by smtpd_reject_unlisted_recipient, on by default,
and reject_unlisted_sender): after the canonical and virtual alias maps, "anything that resolves to
the error mailer is known to be undeliverable" (550, with the nexthop's text and its DSN when it
starts with one), and `retry` gives 450; smtpd asks trivial-rewrite, so transport_maps
(src/trivial-rewrite/transport.c) and the class transports count. The sandbox replaces
default_transport and relay_transport with a transport it does not define, except when the
policy's own is `error` or `retry` (sandbox/mainconf.py kept_transports), which it keeps: those two
cases show the sandbox, and so `mailpolicy verify`, refusing as the simulator does.
"""

from __future__ import annotations

import pytest

from mailpolicy.sandbox import Sandbox
from mailpolicy.simulate import PostfixModel, Request, Verdict
from tests.postfix_support import require_postfix

OUTSIDE = "127.0.0.9"
TRUSTED = "127.0.0.1"
BASE = {"compatibility_level": "3.6", "mydestination": "example0.com", "mynetworks": "127.0.0.1/32",
        "local_recipient_maps": "", "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination"}
OK = "250 2.1.5 Ok"

# name -> (main.cf parameters over BASE, client, (MAIL FROM, RCPT TO), the reply Postfix 3.7.11 gave)
CASES = {
    "transport_maps error: with a DSN and text": (
        {"transport_maps": "inline:{ {gone.example0.com=error:5.1.2 gone for good} }",
         "mydestination": "example0.com, gone.example0.com"}, OUTSIDE, ("a@x.test", "u@gone.example0.com"),
        "550 5.1.2 <u@gone.example0.com>: Recipient address rejected: gone for good"),
    "transport_maps error: without a text": (
        {"transport_maps": "inline:{ {u@example0.com=error:} }"}, OUTSIDE, ("a@x.test", "u@example0.com"),
        "550 5.1.1 <u@example0.com>: Recipient address rejected: Address is undeliverable"),
    "transport_maps retry: is a deferral": (
        {"transport_maps": "inline:{ {example0.com=retry:4.3.2 try later} }"}, OUTSIDE,
        ("a@x.test", "u@example0.com"), "450 4.3.2 <u@example0.com>: Recipient address rejected: try later"),
    "local_transport = error: the nexthop is the domain": (
        {"local_transport": "error"}, OUTSIDE, ("a@x.test", "u@example0.com"),
        "550 5.1.1 <u@example0.com>: Recipient address rejected: example0.com"),
    "the error transport comes before the postmaster exemption": (
        {"local_transport": "error:closed"}, OUTSIDE, ("a@x.test", "postmaster@example0.com"),
        "550 5.1.1 <postmaster@example0.com>: Recipient address rejected: closed"),
    "a virtual alias entry makes the address valid first": (
        {"local_transport": "error:closed", "virtual_alias_maps": "inline:{ u@example0.com=u@example0.com }"},
        OUTSIDE, ("a@x.test", "u@example0.com"), OK),
    "a remote recipient a trusted client relays to an error transport": (
        {"transport_maps": "inline:{ {gmail.test=error:5.7.1 no mail to gmail} }"}, TRUSTED,
        ("a@x.test", "victim@gmail.test"), "550 5.7.1 <victim@gmail.test>: Recipient address rejected: no mail to gmail"),
    "default_transport = error: a trusted client's remote recipient is refused": (
        {"default_transport": "error:5.7.1 no mail off-site"}, TRUSTED, ("a@x.test", "victim@gmail.test"),
        "550 5.7.1 <victim@gmail.test>: Recipient address rejected: no mail off-site"),
    "relay_transport = retry: a relay domain's recipient is deferred": (
        {"relay_transport": "retry:4.3.2 backup closed", "relay_domains": "backup.example0.com"}, OUTSIDE,
        ("a@x.test", "u@backup.example0.com"), "450 4.3.2 <u@backup.example0.com>: Recipient address rejected: backup closed"),
    "smtpd_reject_unlisted_recipient = no skips it": (
        {"local_transport": "error:closed", "smtpd_reject_unlisted_recipient": "no"}, OUTSIDE,
        ("a@x.test", "u@example0.com"), OK),
}


def main_cf(params: dict) -> dict[str, str]:
    return {**BASE, **params}


@pytest.mark.parametrize(("params", "client", "envelope", "reply"), CASES.values(), ids=CASES.keys())
def test_the_model_gives_the_measured_reply(params, client, envelope, reply) -> None:
    model = PostfixModel.from_parameters(main_cf(params), {}, "3.7")
    decision = model.decide(Request(client, None, *envelope, helo="sandbox-client.test"))
    assert decision.reply == reply, decision.trace
    assert decision.verdict is Verdict.of_reply(reply)


@pytest.mark.postfix
@pytest.mark.parametrize(("params", "client", "envelope", "reply"), CASES.values(), ids=CASES.keys())
def test_the_real_server_gives_the_measured_reply(params, client, envelope, reply) -> None:
    require_postfix()
    text = "".join(f"{name} = {value}\n" for name, value in main_cf(params).items())
    with Sandbox(text, chroot=False) as sandbox:
        attempt = sandbox.try_send(client, None, None, *envelope, timeout=3)
    assert f"{attempt.code} {attempt.reply}" == reply
