"""The open-relay search: it finds every way to relay the tests plant, and costs linear work."""

from __future__ import annotations

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.plan.simulator_model import model_from_plan
from mailpolicy.simulate import PostfixModel, Verdict, prove_no_open_relay
from mailpolicy.simulate.proof import ProofTooLarge
from tests.simulate.support import model

RELAY = "permit_mynetworks, reject_unauth_destination"


def one(m: PostfixModel):
    (found,) = prove_no_open_relay(m)
    assert found.decision.verdict is Verdict.ACCEPT
    return found


def test_the_seed_example_cannot_be_used_to_relay(repo) -> None:
    plan = compile_policy(repo / "examples" / "seed.mailpolicy").plan
    assert prove_no_open_relay(model_from_plan(plan)) == []


def test_the_default_lists_of_3_7_are_no_open_relay() -> None:
    assert prove_no_open_relay(PostfixModel.from_parameters({"compatibility_level": "3.6"})) == []


@pytest.mark.parametrize("networks, client", [("0.0.0.0/0", "203.0.113.9"), ("0.0.0.0/1", "0.0.0.1"),
                                              ("127.0.0.0/8 ::/0", "2001:db8::9")])
def test_trusting_the_internet_relays(networks, client) -> None:
    found = one(model(smtpd_relay_restrictions=RELAY, mynetworks=networks))
    assert found.request.client_address == client and found.certain
    assert (found.decision.restriction, found.decision.sources) == ("permit_mynetworks", ("mynetworks",))


def test_a_narrow_trusted_network_is_a_choice_not_a_relay() -> None:
    assert prove_no_open_relay(model(smtpd_relay_restrictions=RELAY, mynetworks="203.0.113.0/24 10.0.0.0/8")) == []


@pytest.mark.parametrize("networks", ["[fc00::]/7", "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10",
                                      "[::ffff:0.0.0.0]/96"])
def test_private_networks_hold_no_client_from_the_internet(networks) -> None:
    # mailcow trusts [fc00::]/7: nobody on the Internet can connect from a unique-local address
    # (no route brings the SYN-ACK back), so it is no open relay (MP306 warns about the width).
    assert prove_no_open_relay(model(smtpd_relay_restrictions=RELAY, mynetworks=networks)) == []
    # The public space around them is still tried: a /7 next door that reaches the Internet relays.
    found = one(model(smtpd_relay_restrictions=RELAY, mynetworks=networks + " [2000::]/7"))
    assert found.certain and found.request.client_address.startswith("200")


def test_the_addresses_next_to_a_trusted_network_are_tried() -> None:
    # 198.51.100.0/24 is trusted, but `!` punches a hole and the neighbour must not relay: it doesn't.
    m = model(smtpd_relay_restrictions=RELAY, mynetworks="!198.51.100.10, 198.51.100.0/24")
    assert prove_no_open_relay(m) == []


def test_an_access_table_ok_before_the_relay_check_relays() -> None:
    m = model({"hash:/x": {"friend@gmail.test": "OK", "bad.test": "REJECT"}},
              smtpd_relay_restrictions="check_sender_access hash:/x, reject_unauth_destination")
    found = one(m)
    assert found.request.sender == "friend@gmail.test"
    r = model({"hash:/r": {"gmail.test": "OK"}},
              smtpd_relay_restrictions="check_recipient_access hash:/r, reject_unauth_destination")
    assert one(r).request.recipient.endswith("@gmail.test")
    h = model({"hash:/h": {"trusted.example": "OK"}},
              smtpd_relay_restrictions="check_helo_access hash:/h, reject_unauth_destination")
    assert one(h).request.helo == "trusted.example"


def test_relay_domains_that_name_other_domains_relay() -> None:
    found = one(model(relay_domains="test"))
    assert (found.decision.restriction, found.decision.sources) == (None, ("relay_domains",))


def test_what_only_a_table_could_allow_is_a_possible_relay() -> None:
    (found,) = prove_no_open_relay(model(smtpd_relay_restrictions="check_client_access hash:/unknown, "
                                                                   "reject_unauth_destination"))
    assert not found.certain and found.answers == ("hash:/unknown: OK",)
    (assumption,) = found.assumptions
    assert (assumption.table, assumption.parameter, assumption.restriction) == (
        "hash:/unknown", "smtpd_relay_restrictions", "check_client_access")
    assert "only for clients trusted to relay" in assumption.says


@pytest.mark.parametrize("parameter", ["mydestination", "virtual_alias_domains", "virtual_mailbox_domains"])
def test_a_domain_an_unreadable_final_class_table_lists_is_no_relay(parameter) -> None:
    # Issue 16: SQL/socketmap virtual domains. A domain such a table lists is delivered here.
    m = model(**{parameter: "pgsql:/etc/postfix/domains.cf", "smtpd_relay_restrictions": "reject_unauth_destination",
                 "smtpd_recipient_restrictions": "permit"})
    assert prove_no_open_relay(m) == []
    relay = model(relay_domains="pgsql:/etc/postfix/domains.cf")
    (found,) = prove_no_open_relay(relay)
    assert [a.parameter for a in found.assumptions] == ["relay_domains"]


def test_what_any_unlisted_client_can_do_is_a_certain_relay() -> None:
    m = model(smtpd_relay_restrictions="reject_rbl_client zen.example, " + RELAY, mynetworks="0.0.0.0/0")
    (found,) = prove_no_open_relay(m)
    assert found.certain and found.decision.restriction == "permit_mynetworks"


def test_permit_in_the_recipient_list_does_not_open_the_relay() -> None:
    assert prove_no_open_relay(model(smtpd_recipient_restrictions="permit")) == []


def test_work_is_linear_in_the_owners_and_the_combinations_do_not_grow(monkeypatch) -> None:
    calls = []
    original = PostfixModel.branches
    monkeypatch.setattr(PostfixModel, "branches", lambda self, r: calls.append(r) or original(self, r))

    def search(owners: int) -> int:
        calls.clear()
        table = {f"user{i}@example0.com": f"login{i}" for i in range(owners)}
        m = model({"hash:/s": table}, smtpd_sasl_auth_enable="yes", smtpd_sender_login_maps="hash:/s",
                  smtpd_sender_restrictions="reject_sender_login_mismatch")
        assert prove_no_open_relay(m) == []
        return len(calls)

    assert search(5) == search(2000)  # every owned address is one class: "not logged in"


def test_too_many_classes_is_said_not_guessed() -> None:
    table = {f"s{i}@gmail.test": f"5{i} rejected" for i in range(50, 80)}  # 30 different reply codes
    m = model({"hash:/s": table}, smtpd_sender_restrictions="check_sender_access hash:/s")
    with pytest.raises(ProofTooLarge):
        prove_no_open_relay(m, limit=10)


def test_an_inline_pattern_access_table_is_solved_and_its_relay_certain() -> None:
    # simulate/pattern_witness.py draws a key from every class of the table: the OK is found.
    m = model(smtpd_relay_restrictions="check_recipient_access regexp:{{/gmail/ OK}}, reject_unauth_destination")
    (found,) = prove_no_open_relay(m)
    assert found.certain and found.assumptions == () and "gmail" in found.request.recipient


def test_an_unsolved_inline_pattern_access_table_is_no_assumption_but_a_possible_relay() -> None:
    # Written in main.cf, its patterns are not the administrator's unreadable table: nothing to
    # assume, and a back-reference is beyond the automata, so an OK it may give is a possible relay (MP301).
    table = r"regexp:{{/(a)\1/ OK}}"
    m = model(smtpd_relay_restrictions=f"check_recipient_access {table}, reject_unauth_destination")
    (found,) = prove_no_open_relay(m)
    assert not found.certain and found.assumptions == () and found.answers == (f"{table}: OK",)


def test_a_source_route_is_tried_and_judged_by_the_address_after_it() -> None:
    # smtpd.c extract_addr() drops `@route:`: a route through a local domain does not make it local.
    from mailpolicy.simulate.proof import ADDRESS_FORMS
    assert any(form.startswith("@") and ":" in form for form in ADDRESS_FORMS)
    found = one(model(smtpd_relay_restrictions="check_recipient_access inline:{ victim@gmail.test=OK }, "
                                               "reject_unauth_destination"))
    assert found.certain and found.request.recipient.endswith("victim@gmail.test")
