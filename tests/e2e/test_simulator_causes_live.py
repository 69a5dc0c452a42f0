"""Each way the simulator once differed from smtpd (issue 13), pinned on the model and on a real Postfix.

An independent differential run found them; each case below is one of its causes, with the reply
Postfix 3.7.11 gave, and the source file of smtpd the rule comes from. The model is checked
always; the real server when there is one (CI has one). Where the reply is "(no reply", the
server closes the connection without answering (a HANGUP action, or smtpd dying), and a client
must try again later: the model calls that a deferral.
"""

from __future__ import annotations

import pytest

from mailpolicy.sandbox import Sandbox
from mailpolicy.sandbox.client import NO_REPLY
from mailpolicy.simulate import PostfixModel, Request, Verdict
from tests.postfix_support import require_postfix

OUTSIDE = "127.0.0.9"  # no name in /etc/hosts: smtpd calls it `unknown`
BASE = {"compatibility_level": "3.6", "mydestination": "example0.com", "mynetworks": "127.0.0.1/32",
        "local_recipient_maps": "", "smtpd_relay_restrictions": "reject_unauth_destination"}
LISTED = {"local_recipient_maps": "inline:{ info=x }"}
NO_REPLY_TEXT = "(no reply"
OK = "250 2.1.5 Ok"


def relay_denied(address: str) -> str:
    return f"554 5.7.1 <{address}>: Relay access denied"


def unknown_user(address: str, what: str = "Recipient", dsn: str = "5.1.1") -> str:
    return f"550 {dsn} <{address}>: {what} address rejected: User unknown in local recipient table"


# name -> (main.cf parameters over BASE, (MAIL FROM, RCPT TO), the reply Postfix 3.7.11 gave)
CASES = {
    # smtpd.c extract_addr(): "Truncate deprecated route address form".
    "source route to a local address is accepted, the route dropped": (
        {}, ("a@x.test", "@gmail.test:info@example0.com"), OK),
    "source route through a local domain to a remote one": (
        {}, ("a@x.test", "@example0.com:victim@gmail.test"), relay_denied("victim@gmail.test")),
    "source route in MAIL FROM": (
        {"smtpd_sender_restrictions": "check_sender_access inline:{ a@x.test=REJECT }"},
        ("@b.test,@c.test:a@x.test", "info@example0.com"),
        "554 5.7.1 <a@x.test>: Sender address rejected: Access denied"),
    # smtpd_check.c check_namadr_access(): the client name is searched even when it is `unknown`.
    "check_client_access finds the name unknown": (
        {"smtpd_client_restrictions": "check_client_access inline:{ unknown=REJECT }"},
        ("a@x.test", "info@example0.com"), f"554 5.7.1 <unknown[{OUTSIDE}]>: Client host rejected: Access denied"),
    "check_client_access unknown=OK ends the list before reject": (
        {"smtpd_client_restrictions": "check_client_access inline:{ unknown=OK }, reject"},
        ("a@x.test", "info@example0.com"), OK),
    # smtpd_check.c smtpd_check_mail(): check_sender_rcpt_maps() after the sender list.
    "smtpd_reject_unlisted_sender refuses an unlisted local sender": (
        {**LISTED, "smtpd_reject_unlisted_sender": "yes"}, ("nobody@example0.com", "info@example0.com"),
        unknown_user("nobody@example0.com", "Sender", "5.1.0")),
    "smtpd_reject_unlisted_sender under the sender list's defer_if_reject": (
        {**LISTED, "smtpd_reject_unlisted_sender": "yes", "smtpd_sender_restrictions": "defer_if_reject"},
        ("nobody@example0.com", "info@example0.com"),
        "450 4.7.0 <nobody@example0.com>: Sender address rejected: defer_if_reject requested"),
    "smtpd_reject_unlisted_sender passes a remote sender": (
        {**LISTED, "smtpd_reject_unlisted_sender": "yes"}, ("x@gmail.test", "info@example0.com"), OK),
    # match_ops.c match_hostname(): a `.domain` pattern with and without parent matching.
    "relay_domains .example1.org matches nothing with parent matching (the default)": (
        {"relay_domains": ".example1.org"}, ("a@x.test", "v@sub.example1.org"), relay_denied("v@sub.example1.org")),
    "relay_domains .example1.org matches subdomains without parent matching": (
        {"relay_domains": ".example1.org", "parent_domain_matches_subdomains": ""},
        ("a@x.test", "v@sub.example1.org"), OK),
    "relay_domains example1.org does not match subdomains without parent matching": (
        {"relay_domains": "example1.org", "parent_domain_matches_subdomains": ""},
        ("a@x.test", "v@sub.example1.org"), relay_denied("v@sub.example1.org")),
    "relay_domains table searched for the .parent key without parent matching": (
        {"relay_domains": "inline:{ .example1.org=x }", "parent_domain_matches_subdomains": ""},
        ("a@x.test", "v@sub.example1.org"), OK),
    "relay_domains table searched for the parent key with parent matching": (
        {"relay_domains": "inline:{ example1.org=x }"}, ("a@x.test", "v@sub.example1.org"), OK),
    # smtpd_check.c check_domain_access(): `.parent` keys only without parent matching.
    "access table .example1.org key without parent matching": (
        {"parent_domain_matches_subdomains": "",
         "smtpd_sender_restrictions": "check_sender_access inline:{ .example1.org=REJECT }"},
        ("a@sub.example1.org", "info@example0.com"),
        "554 5.7.1 <a@sub.example1.org>: Sender address rejected: Access denied"),
    "access table .example1.org key with parent matching": (
        {"smtpd_sender_restrictions": "check_sender_access inline:{ .example1.org=REJECT }"},
        ("a@sub.example1.org", "info@example0.com"), OK),
    # smtpd_check.c check_table_result(): "OK or RELAY means YES".
    "access result RELAY permits": (
        {"smtpd_relay_restrictions": "check_recipient_access inline:{ gmail.test=RELAY }, reject_unauth_destination"},
        ("a@x.test", "v@gmail.test"), OK),
    # trivial-rewrite resolve.c: resolve_dequoted_address = no keeps the quoted local part whole.
    "resolve_dequoted_address = no, quoted routing": (
        {"resolve_dequoted_address": "no"}, ("a@x.test", '"victim@gmail.test"@example0.com'),
        relay_denied("victim@gmail.test@example0.com")),
    "resolve_dequoted_address = no, quoted local user": (
        {"resolve_dequoted_address": "no"}, ("a@x.test", '"info"@example0.com'), OK),
    # check_table_result() DISCARD sets state->discard; generic_checks() stops every later list.
    "DISCARD in the client list skips the sender and relay lists": (
        {"smtpd_client_restrictions": f"check_client_access inline:{{ {OUTSIDE}=DISCARD }}",
         "smtpd_sender_restrictions": "reject"}, ("a@x.test", "v@gmail.test"), OK),
    "DISCARD in the sender list skips the rest of it and the relay list": (
        {"smtpd_sender_restrictions": "check_sender_access inline:{ a@x.test=DISCARD }, reject"},
        ("a@x.test", "v@gmail.test"), OK),
    "DISCARD skips smtpd_reject_unlisted_recipient": (
        {**LISTED, "smtpd_sender_restrictions": "check_sender_access inline:{ a@x.test=DISCARD }"},
        ("a@x.test", "nobody@example0.com"), OK),
    # smtpd_check.c check_rcpt_maps(): an address a canonical or virtual alias map finds is listed.
    "canonical_maps makes a local recipient listed": (
        {**LISTED, "canonical_maps": "inline:{ nobody@example0.com=info@example0.com }"},
        ("a@x.test", "nobody@example0.com"), OK),
    "recipient_canonical_maps makes a local recipient listed": (
        {**LISTED, "recipient_canonical_maps": "inline:{ nobody@example0.com=zzz@example0.com }"},
        ("a@x.test", "nobody@example0.com"), OK),
    "sender_canonical_maps makes a sender listed, not a recipient": (
        {**LISTED, "sender_canonical_maps": "inline:{ nobody@example0.com=info@example0.com }"},
        ("a@x.test", "nobody@example0.com"), unknown_user("nobody@example0.com")),
    # check_rcpt_maps(): MAILER-DAEMON@, postmaster@ and $double_bounce_sender@ are never looked up.
    "MAILER-DAEMON@ a local domain is listed": (LISTED, ("a@x.test", "MAILER-DAEMON@example0.com"), OK),
    "double-bounce@ a local domain is listed": (LISTED, ("a@x.test", "double-bounce@example0.com"), OK),
    "an address extension of MAILER-DAEMON is not": (
        LISTED, ("a@x.test", "Mailer-Daemon+x@example0.com"), unknown_user("Mailer-Daemon+x@example0.com")),
    "double_bounce_sender changes the exempt name": (
        {**LISTED, "double_bounce_sender": "bounces"}, ("a@x.test", "double-bounce@example0.com"),
        unknown_user("double-bounce@example0.com")),
    # dict_open(): `cidr:{ {pattern result} }` is an inline cidr table (Postfix 3.0).
    "inline cidr table in check_client_access": (
        {"smtpd_client_restrictions": "check_client_access cidr:{ {127.0.0.8/29 REJECT} }"},
        ("a@x.test", "info@example0.com"), f"554 5.7.1 <unknown[{OUTSIDE}]>: Client host rejected: Access denied"),
    "inline cidr table in mynetworks": (
        {"mynetworks": "cidr:{ {127.0.0.8/29 OK} }",
         "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination"}, ("a@x.test", "v@gmail.test"), OK),
    # smtpd_check.c smtpd_check_rcpt(): the recipient list first unless relay_before_recipient.
    "smtpd_relay_before_recipient_restrictions = no": (
        {"smtpd_relay_before_recipient_restrictions": "no",
         "smtpd_recipient_restrictions": "check_recipient_access inline:{ {gmail.test=450 later} }"},
        ("a@x.test", "v@gmail.test"), "450 4.7.1 <v@gmail.test>: Recipient address rejected: later"),
    "compatibility_level 2 runs the recipient list first": (
        {"compatibility_level": "2",
         "smtpd_recipient_restrictions": "check_recipient_access inline:{ {gmail.test=450 later} }"},
        ("a@x.test", "v@gmail.test"), "450 4.7.1 <v@gmail.test>: Recipient address rejected: later"),
    "defer_if_reject reaches from the recipient list into the relay list when it runs first": (
        {"smtpd_relay_before_recipient_restrictions": "no", "smtpd_relay_restrictions": "reject",
         "smtpd_recipient_restrictions": "defer_if_reject"},
        ("a@x.test", "info@example0.com"),
        "450 4.7.0 <info@example0.com>: Recipient address rejected: defer_if_reject requested"),
    "compatibility_level 0 without smtpd_relay_restrictions": (
        {"compatibility_level": "0", "smtpd_relay_restrictions": None,
         "smtpd_recipient_restrictions": "permit_mynetworks, reject_unauth_destination"},
        ("a@x.test", "v@gmail.test"), relay_denied("v@gmail.test")),
    # check_table_result(): HANGUP drops the connection without a reply.
    "HANGUP": (
        {"smtpd_sender_restrictions": "check_sender_access inline:{ a@x.test=HANGUP }"},
        ("a@x.test", "info@example0.com"), NO_REPLY_TEXT),
    "HANGUP after warn_if_reject still hangs up": (
        {"smtpd_sender_restrictions": "warn_if_reject, check_sender_access inline:{ a@x.test=HANGUP }"},
        ("a@x.test", "info@example0.com"), NO_REPLY_TEXT),
    # generic_checks(): a list ends once defer_if_permit and defer_if_reject are both pending.
    "defer_if_permit and defer_if_reject pending end the list before a HANGUP": (
        {"smtpd_client_restrictions": "defer_if_permit, defer_if_reject, "
                                      "check_client_access inline:{ 127.0.0.9=HANGUP }"},
        ("a@x.test", "info@example0.com"),
        f"450 4.7.0 <unknown[{OUTSIDE}]>: Client host rejected: defer_if_permit requested"),
    "defer_if_reject and defer_if_permit pending end the list before a defer": (
        {"smtpd_sender_restrictions": "defer_if_reject, defer_if_permit, defer"},
        ("a@x.test", "info@example0.com"),
        "450 4.7.0 <a@x.test>: Sender address rejected: defer_if_permit requested"),
    # Restriction classes that reach themselves.
    "a self-referencing class that no list uses": (
        {"smtpd_restriction_classes": "loop", "loop": "loop"}, ("a@x.test", "info@example0.com"), OK),
    "a self-referencing class in the sender list: smtpd dies (signal 11)": (
        {"smtpd_restriction_classes": "loop", "loop": "loop", "smtpd_sender_restrictions": "loop"},
        ("a@x.test", "info@example0.com"), NO_REPLY_TEXT),
    "two classes that reach each other, one rejecting first": (
        {"smtpd_restriction_classes": "one, two", "one": "check_sender_access inline:{ a@x.test=REJECT }, two",
         "two": "one", "smtpd_sender_restrictions": "one"},
        ("a@x.test", "info@example0.com"), "554 5.7.1 <a@x.test>: Sender address rejected: Access denied"),
    "a class reaching itself through an access table: unreasonable recursion": (
        {"smtpd_restriction_classes": "loop", "loop": "check_sender_access inline:{ a@x.test=loop }",
         "smtpd_sender_restrictions": "loop"}, ("a@x.test", "info@example0.com"),
        "451 4.3.5 Server configuration error"),
    "the same after warn_if_reject (a configuration error is never a warning)": (
        {"smtpd_restriction_classes": "loop",
         "loop": "warn_if_reject, check_sender_access inline:{ a@x.test=loop }",
         "smtpd_sender_restrictions": "loop"}, ("a@x.test", "info@example0.com"),
        "451 4.3.5 Server configuration error"),
    "an access table result that names a table": (
        {"smtpd_sender_restrictions": "check_sender_access inline:{ {a@x.test=check_client_access inline:{x=OK}} }"},
        ("a@x.test", "info@example0.com"), "451 4.3.5 Server configuration error"),
    "a class in the relay list that reaches itself before reject_unauth_destination: smtpd dies at start": (
        {"smtpd_restriction_classes": "loop", "loop": "loop",
         "smtpd_relay_restrictions": "loop, reject_unauth_destination"}, ("a@x.test", "info@example0.com"),
        NO_REPLY_TEXT),
}


def main_cf(params: dict) -> dict[str, str]:
    merged = {**BASE, **params}
    return {name: value for name, value in merged.items() if value is not None}


def decide(params: dict, sender: str, recipient: str):
    model = PostfixModel.from_parameters(main_cf(params), {}, "3.7")
    return model.decide(Request(OUTSIDE, None, sender, recipient, helo="sandbox-client.test"))


@pytest.mark.parametrize(("params", "envelope", "reply"), CASES.values(), ids=CASES.keys())
def test_the_model_gives_the_measured_reply(params, envelope, reply) -> None:
    decision = decide(params, *envelope)
    assert decision.reply.startswith(reply), decision.trace
    expected = Verdict.DEFER if reply == NO_REPLY_TEXT else Verdict.of_reply(reply)
    assert decision.verdict is expected


@pytest.mark.postfix
@pytest.mark.parametrize(("params", "envelope", "reply"), CASES.values(), ids=CASES.keys())
def test_the_real_server_gives_the_measured_reply(params, envelope, reply) -> None:
    require_postfix()
    text = "".join(f"{name} = {value}\n" for name, value in main_cf(params).items())
    with Sandbox(text, chroot=False) as sandbox:
        attempt = sandbox.try_send(OUTSIDE, None, None, *envelope, timeout=3)
    if reply == NO_REPLY_TEXT:
        assert attempt.code == NO_REPLY, attempt
    else:
        assert f"{attempt.code} {attempt.reply}" == reply
