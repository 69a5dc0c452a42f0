"""The order of evaluation, and what happens before and after the restriction lists."""

from __future__ import annotations

from mailpolicy.simulate import PostfixModel, Request, Verdict
from tests.simulate.support import BASE, OUTSIDE, ask, model


def test_lists_run_in_order_and_a_permit_ends_only_its_own_list() -> None:
    m = model(smtpd_client_restrictions="permit", smtpd_sender_restrictions="reject",
              smtpd_helo_restrictions="permit")
    d = ask(m)
    assert (d.parameter, d.restriction) == ("smtpd_sender_restrictions", "reject")
    names = [line.split(" = ")[0] for line in d.trace if " = " in line and not line.startswith(" ")]
    assert names == ["smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions"]
    relay_then_recipient = model(smtpd_relay_restrictions="permit", smtpd_recipient_restrictions="reject")
    assert ask(relay_then_recipient).parameter == "smtpd_recipient_restrictions"


def test_the_relay_list_runs_before_the_recipient_list_as_measured() -> None:
    m = model({"hash:/sa": {"ok@evil.test": "OK"}},
              smtpd_recipient_restrictions="check_sender_access hash:/sa")
    assert ask(m, "ok@evil.test", "victim@gmail.test").restriction == "reject_unauth_destination"


def test_postmaster_is_always_accepted_as_measured() -> None:
    m = model(smtpd_client_restrictions="reject", smtpd_recipient_restrictions="reject")
    assert ask(m, recipient="postmaster").verdict is Verdict.ACCEPT
    assert ask(m, recipient="postmaster@example0.com").restriction == "reject"


# Measured on 3.7 (tests/e2e/test_bare_postmaster_live.py): with the login guard only in the sender
# list, a forged owned sender to the bare postmaster is queued; in the data list it gets 553 at DATA.
OWNED = {"smtpd_sasl_auth_enable": "yes", "smtpd_sender_login_maps": "inline:{jcricket@example0.com=jim}",
         "smtpd_sender_restrictions": "reject_sender_login_mismatch"}


def test_the_bare_postmaster_skips_the_sender_list_but_not_the_data_list() -> None:
    unguarded = model(**OWNED)
    assert ask(unguarded, "jcricket@example0.com", "postmaster").verdict is Verdict.ACCEPT
    guarded = model(**OWNED, smtpd_data_restrictions="reject_sender_login_mismatch")
    refused = ask(guarded, "jcricket@example0.com", "postmaster")
    assert (refused.verdict, refused.parameter) == (Verdict.REJECT, "smtpd_data_restrictions")
    assert refused.reply == "553 5.7.1 <jcricket@example0.com>: Sender address rejected: not logged in"
    assert ask(guarded, "jcricket@example0.com", "postmaster", login="jim").verdict is Verdict.ACCEPT
    assert ask(guarded, "friend@gmail.test", "postmaster").verdict is Verdict.ACCEPT


def test_without_delayed_rejects_each_list_knows_only_what_was_said_so_far() -> None:
    # permit_sasl_authenticated at connect time never matches: AUTH comes later.
    m = model(smtpd_delay_reject="no", smtpd_sasl_auth_enable="yes",
              smtpd_client_restrictions="permit_sasl_authenticated, reject")
    assert ask(m, login="jim").reply == "554 5.7.1 <unknown[203.0.113.9]>: Client host rejected: Access denied"
    delayed = model(smtpd_sasl_auth_enable="yes", smtpd_client_restrictions="permit_sasl_authenticated, reject")
    assert ask(delayed, login="jim").verdict is Verdict.ACCEPT
    # A relay check in the client list has no recipient at connect time (measured: skipped).
    relay = "permit_mynetworks, reject_unauth_destination"
    early = model(smtpd_delay_reject="no", smtpd_client_restrictions="reject_unauth_destination",
                  smtpd_relay_restrictions=relay)
    assert ask(early, recipient="victim@gmail.test", client="127.0.0.1").verdict is Verdict.ACCEPT
    late = model(smtpd_client_restrictions="reject_unauth_destination", smtpd_relay_restrictions=relay)
    assert ask(late, recipient="victim@gmail.test", client="127.0.0.1").parameter == "smtpd_client_restrictions"


def test_smtpd_refuses_to_start_without_a_relay_check_as_measured() -> None:
    for params in ({"smtpd_relay_restrictions": "permit_mynetworks"},
                   {"smtpd_relay_restrictions": "permit, reject_unauth_destination"},  # after permit: ignored
                   {"compatibility_level": "0"}):  # the 2.x default: both lists empty
        m = PostfixModel.from_parameters({**BASE, **params})
        assert m.fatal and "specify at least one working instance" in m.fatal, params
        d = m.decide(Request(OUTSIDE, None, "a@evil.test", "u@example0.com"))
        assert d.verdict is Verdict.DEFER and "does not start" in d.reply
    ok = [{"smtpd_relay_restrictions": "", "smtpd_recipient_restrictions": "permit_mynetworks, check_relay_domains"},
          {"smtpd_relay_restrictions": "permit_mynetworks, myclass", "smtpd_restriction_classes": "myclass",
           "myclass": "reject_unauth_destination"},
          {"smtpd_relay_restrictions": "permit_mynetworks", "smtpd_recipient_restrictions": "defer_if_permit"}]
    for params in ok:
        assert not PostfixModel.from_parameters({**BASE, **params}).fatal, params


def test_a_decision_explains_itself() -> None:
    d = ask(model(), recipient="victim@gmail.test")
    assert d.reason == "gmail.test is not a domain this server receives or relays for"
    assert d.sources and "smtpd_relay_restrictions: reject_unauth_destination: reject" in "\n".join(d.trace)
    assert d.summary.startswith("reject by smtpd_relay_restrictions: reject_unauth_destination")


def test_accepted_mail_names_what_let_it_through() -> None:
    m = model(smtpd_relay_restrictions="permit_mynetworks, reject_unauth_destination")
    trusted = ask(m, recipient="victim@gmail.test", client="127.0.0.1")
    assert (trusted.restriction, trusted.sources) == ("permit_mynetworks", ("mynetworks",))
    local = ask(m)
    assert (local.restriction, local.sources) == (None, ("mydestination",))
    relayed = ask(model(relay_domains="gmail.test"), recipient="victim@gmail.test")
    assert (relayed.verdict, relayed.restriction, relayed.sources) == (Verdict.ACCEPT, None, ("relay_domains",))


def test_a_dns_answer_that_changes_nothing_leaves_the_verdict_standing() -> None:
    m = model(smtpd_client_restrictions="reject_rbl_client a.example, reject_rbl_client b.example")
    d = ask(m, recipient="victim@gmail.test")
    assert d.verdict is Verdict.REJECT and d.possible == {Verdict.REJECT}
    branches = m.branches(Request(OUTSIDE, None, "a@evil.test", "u@example0.com"))
    assert [b.decision.verdict for b in branches] == [Verdict.ACCEPT, Verdict.REJECT, Verdict.REJECT]
    assert branches[1].answers == ("listed by b.example",)
