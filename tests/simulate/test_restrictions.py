"""One test (or a few) per restriction: the verdict and the reply Postfix 3.7 gives (measured)."""

from __future__ import annotations

import pytest

from mailpolicy.simulate import Verdict
from tests.simulate.support import ask, model

OK = "250 2.1.5 Ok"
SASL = {"smtpd_sasl_auth_enable": "yes", "smtpd_sender_login_maps": "hash:/etc/postfix/senders"}
SENDERS = {"hash:/etc/postfix/senders": {
    "jc@example0.com": "jim", "shared@example0.com": "jim, Bob", "alice": "alice", "@dom.test": "dave",
    "x@dom.test": "eve", "multi@example0.com": "bob   jim", "other@gmail.test": "other"}}


def test_permit_and_reject_and_defer_name_their_list() -> None:
    assert ask(model(smtpd_client_restrictions="reject")).reply == \
        "554 5.7.1 <unknown[203.0.113.9]>: Client host rejected: Access denied"
    assert ask(model(smtpd_helo_restrictions="reject")).reply == \
        "554 5.7.1 <client.example.test>: Helo command rejected: Access denied"
    assert ask(model(smtpd_sender_restrictions="defer")).reply == \
        "450 4.3.2 <a@evil.test>: Sender address rejected: Try again later"
    assert ask(model(smtpd_recipient_restrictions="reject")).reply == \
        "554 5.7.1 <u@example0.com>: Recipient address rejected: Access denied"
    assert ask(model(smtpd_recipient_restrictions="permit, reject")).reply == OK


def test_reject_code_and_soft_bounce_change_the_code() -> None:
    assert ask(model(smtpd_recipient_restrictions="reject", reject_code="550")).reply.startswith("550 5.7.1 ")
    soft = model(smtpd_recipient_restrictions="reject", soft_bounce="yes")
    assert ask(soft).reply == "454 4.7.1 <u@example0.com>: Recipient address rejected: Access denied"
    assert ask(soft).verdict is Verdict.DEFER


def test_reject_unauth_destination_and_its_defer_twin() -> None:
    d = ask(model(), recipient="victim@gmail.test")
    assert (d.verdict, d.parameter, d.restriction) == (Verdict.REJECT, "smtpd_relay_restrictions",
                                                      "reject_unauth_destination")
    assert d.reply == "554 5.7.1 <victim@gmail.test>: Relay access denied"
    assert ask(model(smtpd_relay_restrictions="defer_unauth_destination"), recipient="v@gmail.test").reply == \
        "454 4.7.1 <v@gmail.test>: Relay access denied"
    assert ask(model(smtpd_relay_restrictions="defer_unauth_destination", relay_domains_reject_code="550"),
               recipient="v@gmail.test").reply.startswith("450 4.7.1 ")
    assert ask(model(), recipient="u@example0.com").verdict is Verdict.ACCEPT


def test_permit_auth_destination_permits_local_and_relay_domains_only() -> None:
    m = model(smtpd_relay_restrictions="permit_auth_destination, reject", relay_domains="relay.test")
    assert ask(m, recipient="u@example0.com").restriction == "permit_auth_destination"
    assert ask(m, recipient="u@sub.relay.test").verdict is Verdict.ACCEPT  # parent domains match
    assert ask(m, recipient="v%gmail.test@relay.test").restriction == "reject"  # sender-specified routing


def test_check_relay_domains_still_works_in_3_7_and_is_unknown_in_3_10() -> None:
    params = {"smtpd_relay_restrictions": "permit_mynetworks, check_relay_domains"}
    old = model(**params)
    assert ask(old, recipient="victim@gmail.test").reply == \
        "554 5.7.1 <victim@gmail.test>: Recipient address rejected: Relay access denied"
    from mailpolicy.simulate import PostfixModel
    from tests.simulate.support import BASE
    new = PostfixModel.from_parameters({**BASE, **params}, version="3.10")
    assert ask(new, recipient="victim@gmail.test").reply == "451 4.3.5 Server configuration error"


def test_permit_mynetworks_matches_networks_negations_and_names() -> None:
    m = model(smtpd_relay_restrictions="permit_mynetworks, reject_unauth_destination",
              mynetworks="!127.0.0.9 127.0.0.0/8 [2001:db8::]/32 trusted.example")
    assert ask(m, client="127.0.0.1", recipient="v@gmail.test").restriction == "permit_mynetworks"
    assert ask(m, client="127.0.0.9", recipient="v@gmail.test").restriction == "reject_unauth_destination"
    assert ask(m, client="2001:db8::5", recipient="v@gmail.test").verdict is Verdict.ACCEPT
    assert ask(m, client="198.51.100.1", name="host.trusted.example", recipient="v@gmail.test").verdict \
        is Verdict.ACCEPT  # mynetworks is in parent_domain_matches_subdomains
    assert ask(m, client="198.51.100.1", recipient="v@gmail.test").verdict is Verdict.REJECT


def test_a_mynetworks_network_with_host_bits_is_a_lookup_failure() -> None:
    # Measured: "non-null host address bits in 127.0.0.9/8", then 451 4.3.0 for every request.
    m = model(smtpd_relay_restrictions="permit_mynetworks, reject_unauth_destination", mynetworks="127.0.0.9/8")
    d = ask(m, recipient="victim@gmail.test")
    assert (d.verdict, d.reply) == (Verdict.DEFER, "451 4.3.0 <victim@gmail.test>: Temporary lookup failure")


def test_permit_sasl_authenticated_needs_sasl_enabled() -> None:
    m = model(smtpd_relay_restrictions="permit_sasl_authenticated, reject_unauth_destination", **SASL)
    assert ask(m, login="jim", recipient="v@gmail.test").restriction == "permit_sasl_authenticated"
    off = model(smtpd_relay_restrictions="permit_sasl_authenticated, reject_unauth_destination")
    assert ask(off, login="jim", recipient="v@gmail.test").reply == "503 5.5.1 Error: authentication not enabled"


@pytest.mark.parametrize("login, sender, reply", [
    (None, "jc@example0.com", "553 5.7.1 <jc@example0.com>: Sender address rejected: not logged in"),
    (None, "free@example0.com", OK),
    (None, "", OK),
    ("jim", "jc@example0.com", OK),
    ("JIM", "JC@Example0.COM", OK),  # logins and keys compare without case
    ("mallory", "jc@example0.com", "553 5.7.1 <jc@example0.com>: Sender address rejected: not owned by user mallory"),
    ("mallory", "free@example0.com", "553 5.7.1 <free@example0.com>: Sender address rejected: not owned by user mallory"),
    ("bob", "shared@example0.com", OK), ("jim", "shared@example0.com", OK), ("bob", "multi@example0.com", OK),
    ("alice", "alice@example0.com", OK), ("alice", "alice@mx.example0.com", OK),
    ("alice", "alice@gmail.test", "553 5.7.1 <alice@gmail.test>: Sender address rejected: not owned by user alice"),
    ("dave", "y@dom.test", OK),
    ("dave", "x@dom.test", "553 5.7.1 <x@dom.test>: Sender address rejected: not owned by user dave"),
    ("eve", "x@dom.test", OK),
    ("jim", "jc%example0.com@example0.com", OK),  # resolved before the lookup
    (None, "jc%example0.com@example0.com",
     "553 5.7.1 <jc%example0.com@example0.com>: Sender address rejected: not logged in"),
    (None, "jc", OK), ("jim", "jc", "553 5.7.1 <jc>: Sender address rejected: not owned by user jim"),
    ("other", "other@gmail.test", OK),
])
def test_reject_sender_login_mismatch_as_measured(login, sender, reply) -> None:
    # Every row was sent to Postfix 3.7.11 with the same map (hash:, postmap'd) and Dovecot logins.
    m = model(SENDERS, smtpd_relay_restrictions="permit_sasl_authenticated, reject_unauth_destination",
              smtpd_sender_restrictions="reject_sender_login_mismatch", **SASL)
    recipient = "u@example0.com" if login is None else "friend@gmail.test"
    assert ask(m, sender, recipient, login=login).reply == reply


@pytest.mark.parametrize("restriction, results", [
    ("reject_known_sender_login_mismatch", ("not logged in", OK, OK, "not owned by user mallory", OK)),
    ("reject_authenticated_sender_login_mismatch", (OK, OK, OK, "not owned by user mallory",
                                                    "not owned by user mallory")),
    ("reject_unauthenticated_sender_login_mismatch", ("not logged in", OK, OK, OK, OK)),
])
def test_the_three_variants_as_measured(restriction, results) -> None:
    m = model(SENDERS, smtpd_relay_restrictions="permit_sasl_authenticated, reject_unauth_destination",
              smtpd_sender_restrictions=restriction, **SASL)
    requests = [(None, "jc@example0.com"), (None, "free@example0.com"), ("jim", "jc@example0.com"),
                ("mallory", "jc@example0.com"), ("mallory", "free@example0.com")]
    for (login, sender), expected in zip(requests, results):
        reply = ask(m, sender, "u@example0.com", login=login).reply
        assert reply == OK if expected == OK else reply.endswith(expected), (login, sender, reply)


def test_login_mismatch_is_ignored_without_sasl_and_without_a_map() -> None:
    no_sasl = model(SENDERS, smtpd_sender_restrictions="reject_sender_login_mismatch",
                    smtpd_sender_login_maps="hash:/etc/postfix/senders")
    assert ask(no_sasl, "jc@example0.com").verdict is Verdict.ACCEPT  # "ignored: no SASL support"
    no_map = model(smtpd_sender_restrictions="reject_sender_login_mismatch", smtpd_sasl_auth_enable="yes")
    assert ask(no_map, "jc@example0.com").verdict is Verdict.ACCEPT


def test_an_unknown_login_map_makes_the_decision_depend_on_it() -> None:
    m = model(smtpd_sender_restrictions="reject_sender_login_mismatch", smtpd_sasl_auth_enable="yes",
              smtpd_sender_login_maps="hash:/elsewhere")
    d = ask(m, "jc@example0.com")
    assert d.verdict is Verdict.DEPENDS and d.possible == {Verdict.ACCEPT, Verdict.REJECT}
    assert d.restriction == "reject_sender_login_mismatch"


@pytest.mark.parametrize("helo, reply", [
    ("client", "504 5.5.2 <client>: Helo command rejected: need fully-qualified hostname"),
    ("client.example.test", OK), ("[1.2.3.4]", OK), ("bad_name.test", OK), ("x.test.", OK),
    ("1.2.3.4", "504 5.5.2 <1.2.3.4>: Helo command rejected: need fully-qualified hostname"),
    ("-x.test", "504 5.5.2 <-x.test>: Helo command rejected: need fully-qualified hostname"),
    ("a..b", "504 5.5.2 <a..b>: Helo command rejected: need fully-qualified hostname"),
])
def test_reject_non_fqdn_helo_hostname_as_measured(helo, reply) -> None:
    m = model(smtpd_helo_restrictions="reject_non_fqdn_helo_hostname, reject_invalid_helo_hostname")
    assert ask(m, helo=helo).reply == reply


@pytest.mark.parametrize("helo, reply", [
    ("1.2.3.4", OK), ("x", OK), ("x_y", OK), ("[1.2.3.4]", OK),
    ("a..b", "501 5.5.2 <a..b>: Helo command rejected: Invalid name"),
    ("-x.test", "501 5.5.2 <-x.test>: Helo command rejected: Invalid name"),
    ("[bad]", "501 5.5.2 <[bad]>: Helo command rejected: invalid ip address"),
])
def test_reject_invalid_helo_hostname_as_measured(helo, reply) -> None:
    assert ask(model(smtpd_helo_restrictions="reject_invalid_helo_hostname"), helo=helo).reply == reply


def test_reject_non_fqdn_sender_and_recipient() -> None:
    m = model(smtpd_sender_restrictions="reject_non_fqdn_sender")
    assert ask(m, "a@evil").reply == "504 5.5.2 <a@evil>: Sender address rejected: need fully-qualified address"
    assert ask(m, "a").reply == "504 5.5.2 <a>: Sender address rejected: need fully-qualified address"
    assert ask(m, "").verdict is Verdict.ACCEPT
    r = model(smtpd_recipient_restrictions="reject_non_fqdn_recipient")
    assert ask(r, recipient="u@example0.com").verdict is Verdict.ACCEPT


def test_dns_restrictions_offer_both_answers() -> None:
    m = model(smtpd_client_restrictions="reject_rbl_client zen.example")
    d = ask(m)
    assert d.verdict is Verdict.DEPENDS and d.restriction == "reject_rbl_client"
    assert any("blocked using zen.example" in line for line in d.trace)
    # For a remote recipient both answers reject: the verdict stands.
    assert ask(m, recipient="v@gmail.test").verdict is Verdict.REJECT
    sender = model(smtpd_sender_restrictions="reject_unknown_sender_domain")
    assert ask(sender, "a@example0.com").verdict is Verdict.ACCEPT  # this server is the final destination
    d = ask(sender, "a@nonexistent.invalid")
    assert d.verdict is Verdict.DEPENDS
    assert any("450 4.1.8 <a@nonexistent.invalid>: Sender address rejected: Domain not found" in t for t in d.trace)


def test_unknown_client_names_as_measured() -> None:
    m = model(smtpd_client_restrictions="reject_unknown_client_hostname")
    assert ask(m).reply == "450 4.7.25 Client host rejected: cannot find your hostname, [203.0.113.9]"
    assert ask(m, name="mail.example.net").verdict is Verdict.ACCEPT
    m = model(smtpd_client_restrictions="reject_unknown_reverse_client_hostname")
    assert ask(m).reply == "450 4.7.1 Client host rejected: cannot find your reverse hostname, [203.0.113.9]"


def test_plaintext_pipelining_and_certificates() -> None:
    assert ask(model(smtpd_recipient_restrictions="reject_plaintext_session")).reply == \
        "450 4.7.1 Session encryption is required"
    assert ask(model(smtpd_recipient_restrictions="reject_unauth_pipelining, permit_tls_clientcerts, "
                                                   "check_ccert_access hash:/c, sleep 1")).verdict is Verdict.ACCEPT


def test_unknown_restrictions_and_missing_arguments_are_server_errors() -> None:
    for value in ("bogus_restriction, reject_unauth_destination", "sleep", "check_client_access"):
        d = ask(model(smtpd_client_restrictions=value))
        assert (d.verdict, d.reply) == (Verdict.DEFER, "451 4.3.5 Server configuration error"), value
    # After `permit` nothing is evaluated (smtpd warns "restriction `bogus' after `permit' is ignored").
    assert ask(model(smtpd_client_restrictions="permit, bogus")).verdict is Verdict.ACCEPT


def test_restriction_names_compare_without_case() -> None:
    assert ask(model(smtpd_relay_restrictions="Reject_Unauth_Destination"), recipient="v@gmail.test").reply == \
        "554 5.7.1 <v@gmail.test>: Relay access denied"


def test_defer_if_permit_defer_if_reject_and_warn_if_reject_as_measured() -> None:
    assert ask(model(smtpd_recipient_restrictions="defer_if_permit, permit")).reply == \
        "450 4.7.0 <u@example0.com>: Recipient address rejected: defer_if_permit requested"
    assert ask(model(smtpd_recipient_restrictions="defer_if_permit, reject")).reply == \
        "554 5.7.1 <u@example0.com>: Recipient address rejected: Access denied"
    assert ask(model(smtpd_client_restrictions="defer_if_permit")).reply == \
        "450 4.7.0 <unknown[203.0.113.9]>: Client host rejected: defer_if_permit requested"
    assert ask(model(smtpd_recipient_restrictions="defer_if_reject, reject")).reply == \
        "450 4.7.0 <u@example0.com>: Recipient address rejected: defer_if_reject requested"
    assert ask(model(smtpd_recipient_restrictions="warn_if_reject, reject, permit_auth_destination, reject")).reply \
        == OK


def test_restriction_classes_are_lists_in_place() -> None:
    m = model(smtpd_restriction_classes="myclass", myclass="permit_mynetworks, reject",
              smtpd_recipient_restrictions="myclass, reject", mynetworks="127.0.0.1")
    assert ask(m, client="127.0.0.1").verdict is Verdict.ACCEPT
    d = ask(m)
    assert (d.parameter, d.restriction, d.reply) == (
        "smtpd_recipient_restrictions", "myclass", "554 5.7.1 <u@example0.com>: Recipient address rejected: Access denied")


def test_permit_naked_ip_address_and_dnswl_safety() -> None:
    m = model(smtpd_helo_restrictions="permit_naked_ip_address, reject")
    assert ask(m, helo="1.2.3.4").verdict is Verdict.ACCEPT
    assert ask(m, helo="[1.2.3.4]").verdict is Verdict.REJECT
    # "silently ignored when it would override reject_unauth_destination"
    dnswl = model(smtpd_relay_restrictions="permit_dnswl_client list.example, reject_unauth_destination")
    assert ask(dnswl, recipient="v@gmail.test").verdict is Verdict.REJECT


def test_reject_unlisted_recipient_uses_known_tables_only() -> None:
    m = model({"hash:/lr": {"known": "x"}}, local_recipient_maps="hash:/lr")
    assert ask(m, recipient="u@example0.com").reply == \
        "550 5.1.1 <u@example0.com>: Recipient address rejected: User unknown in local recipient table"
    assert ask(m, recipient="known@example0.com").verdict is Verdict.ACCEPT
    assert ask(m, recipient="postmaster@example0.com").verdict is Verdict.ACCEPT
    # The default (passwd and aliases) is not known: the recipient is assumed to exist, and said so.
    d = ask(model(), recipient="nobody@example0.com")
    assert d.verdict is Verdict.ACCEPT and any("assumed to exist" in line for line in d.trace)
    sender = model({"hash:/lr": {"known": "x"}}, local_recipient_maps="hash:/lr",
                   smtpd_sender_restrictions="reject_unlisted_sender")
    assert ask(sender, "nobody@example0.com", "known@example0.com").reply == \
        "550 5.1.0 <nobody@example0.com>: Sender address rejected: User unknown in local recipient table"


def test_old_names_smtpd_3_7_accepts_work_as_their_new_names() -> None:
    # Measured on 3.7.11: reject_unknown_address answers as reject_unknown_sender_domain does.
    old = model(smtpd_recipient_restrictions="reject_unknown_address")
    d = ask(old, "a@nonexistent.invalid")
    assert d.verdict is Verdict.DEPENDS and d.restriction == "reject_unknown_address"
    assert any("450 4.1.8 <a@nonexistent.invalid>: Sender address rejected: Domain not found" in t for t in d.trace)
    assert ask(old, "a@example0.com", recipient="u@example0.com").verdict is Verdict.ACCEPT
    rbl = ask(model(smtpd_client_restrictions="reject_rbl zen.example"))
    assert rbl.verdict is Verdict.DEPENDS and rbl.restriction == "reject_rbl"
    assert any("blocked using zen.example" in line for line in rbl.trace)
