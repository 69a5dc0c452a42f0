"""check_*_access with tables the model knows: lookup order, actions and replies (measured on 3.7)."""

from __future__ import annotations

import pytest

from mailpolicy.simulate import Verdict
from mailpolicy.simulate.lookup import address_keys, client_keys, owner_keys
from tests.simulate.support import ask, model

OK = "250 2.1.5 Ok"
ACCESS = {"hash:/etc/postfix/acc": {
    "rej@evil.test": "REJECT", "rejt@evil.test": "REJECT go away", "def@evil.test": "DEFER",
    "d2@evil.test": "DEFER come back", "num@evil.test": "550 5.7.0 numeric text", "dom.test": "REJECT domain",
    "bob@": "REJECT bob", "<>": "REJECT null sender", "ok@evil.test": "OK",
    "list@evil.test": "permit_mynetworks, reject", "dunno@dom.test": "DUNNO", "numok.test": "123",
    "defer_if@evil.test": "DEFER_IF_PERMIT", "upper@evil.test": "REJECT upper"}}


@pytest.mark.parametrize("sender, reply", [
    ("rej@evil.test", "554 5.7.1 <rej@evil.test>: Sender address rejected: Access denied"),
    ("rejt@evil.test", "554 5.7.1 <rejt@evil.test>: Sender address rejected: go away"),
    ("def@evil.test", "450 4.7.1 <def@evil.test>: Sender address rejected: Access denied"),
    ("d2@evil.test", "450 4.7.1 <d2@evil.test>: Sender address rejected: come back"),
    ("num@evil.test", "550 5.7.0 <num@evil.test>: Sender address rejected: numeric text"),
    ("x@dom.test", "554 5.7.1 <x@dom.test>: Sender address rejected: domain"),
    ("x@sub.dom.test", "554 5.7.1 <x@sub.dom.test>: Sender address rejected: domain"),
    ("bob@other.test", "554 5.7.1 <bob@other.test>: Sender address rejected: bob"),
    ("", "554 5.7.1 <>: Sender address rejected: null sender"),
    ("ok@evil.test", OK),
    ("list@evil.test", "554 5.7.1 <list@evil.test>: Sender address rejected: Access denied"),
    ("dunno@dom.test", OK),  # DUNNO stops the search before `dom.test`
    ("n@numok.test", OK),
    ("defer_if@evil.test", "450 4.7.1 <defer_if@evil.test>: Sender address rejected: Service unavailable"),
    ("UPPER@Evil.Test", "554 5.7.1 <UPPER@Evil.Test>: Sender address rejected: upper"),
])
def test_check_sender_access_as_measured(sender, reply) -> None:
    m = model(ACCESS, smtpd_sender_restrictions="check_sender_access hash:/etc/postfix/acc")
    assert ask(m, sender).reply == reply


def test_the_resolved_sender_is_searched() -> None:
    # Measured: MAIL FROM:<who> matches `who@mx.example0.com` ($myorigin) before `who@`.
    m = model({"hash:/sa": {"who@mx.example0.com": "REJECT resolved", "who@": "REJECT localpart",
                            "gmail.test": "REJECT gm"}},
              smtpd_sender_restrictions="check_sender_access hash:/sa")
    assert ask(m, "who").reply == "554 5.7.1 <who>: Sender address rejected: resolved"
    assert ask(m, "jc%gmail.test@example0.com").reply.endswith("Sender address rejected: gm")


@pytest.mark.parametrize("client, reply", [
    ("127.0.0.9", "554 5.7.1 <unknown[127.0.0.9]>: Client host rejected: Access denied"),
    ("127.0.0.10", OK),
    ("127.0.1.5", "554 5.7.1 <unknown[127.0.1.5]>: Client host rejected: net3"),
    ("127.1.1.1", "450 4.7.1 <unknown[127.1.1.1]>: Client host rejected: Access denied"),
])
def test_check_client_access_truncates_addresses_as_measured(client, reply) -> None:
    table = {"hash:/cl": {"127.0.0.9": "REJECT", "127.0.1": "REJECT net3", "127.1": "DEFER", "127.0.0.10": "OK"}}
    assert ask(model(table, smtpd_client_restrictions="check_client_access hash:/cl"), client=client).reply == reply


def test_check_client_access_with_a_cidr_table_and_a_client_name() -> None:
    cidr = model({"cidr:/c": {"203.0.113.0/24": "REJECT cidr", "0.0.0.0/0": "OK"}},
                 smtpd_client_restrictions="check_client_access cidr:/c")
    assert ask(cidr).reply.endswith("Client host rejected: cidr")
    named = model({"hash:/n": {"example.net": "REJECT by name"}},
                  smtpd_client_restrictions="check_client_access hash:/n")
    assert ask(named, name="mail.example.net").reply == \
        "554 5.7.1 <mail.example.net[203.0.113.9]>: Client host rejected: by name"


def test_an_access_ok_in_the_relay_list_relays_as_measured() -> None:
    m = model({"hash:/sa": {"ok@evil.test": "OK"}},
              smtpd_relay_restrictions="check_sender_access hash:/sa, reject_unauth_destination")
    assert ask(m, "ok@evil.test", "victim@gmail.test").verdict is Verdict.ACCEPT
    assert ask(m, "x@evil.test", "victim@gmail.test").verdict is Verdict.REJECT


def test_discard_accepts_and_filter_warn_do_not_decide_as_measured() -> None:
    m = model({"hash:/ra": {"discard.test": "DISCARD", "filter.test": "FILTER smtp:x", "warn.test": "WARN hi"}},
              smtpd_relay_restrictions="check_recipient_access hash:/ra, reject_unauth_destination")
    assert ask(m, recipient="d@discard.test").verdict is Verdict.ACCEPT
    assert ask(m, recipient="f@filter.test").verdict is Verdict.REJECT
    assert ask(m, recipient="w@warn.test").verdict is Verdict.REJECT


def test_a_routed_recipient_cannot_get_ok_from_a_table() -> None:
    # allow_untrusted_routing = no: "too suspicious for returning an OK result".
    m = model({"hash:/ra": {"relay.test": "OK"}}, relay_domains="relay.test",
              smtpd_relay_restrictions="check_recipient_access hash:/ra, reject_unauth_destination")
    assert ask(m, recipient="v@relay.test").restriction == "check_recipient_access"
    assert ask(m, recipient="v%gmail.test@relay.test").reply == \
        "554 5.7.1 <v%gmail.test@relay.test>: Relay access denied"


def test_inline_and_static_tables_are_read_from_main_cf() -> None:
    m = model(smtpd_sender_restrictions="reject_non_fqdn_sender, check_sender_access inline:{ {<>=REJECT nullkey} }")
    assert ask(m, "").reply == "554 5.7.1 <>: Sender address rejected: nullkey"  # measured
    s = model(smtpd_helo_restrictions="check_helo_access static:{REJECT always}")
    assert ask(s).reply == "554 5.7.1 <client.example.test>: Helo command rejected: always"


def test_an_unknown_table_gives_every_possible_answer() -> None:
    d = ask(model(smtpd_recipient_restrictions="check_recipient_access hash:/unknown"))
    assert d.verdict is Verdict.DEPENDS
    assert d.possible == {Verdict.ACCEPT, Verdict.REJECT, Verdict.DEFER}


def test_lookup_key_orders() -> None:
    assert owner_keys("user", "example0.com", True, "") == ["user@example0.com", "user", "@example0.com"]
    assert owner_keys("user", "gmail.test", False, "") == ["user@gmail.test", "@gmail.test"]
    assert owner_keys("user+x", "d.test", True, "+") == ["user+x@d.test", "user@d.test", "user+x", "user", "@d.test"]
    assert address_keys("u", "a.b.test", "", True) == ["u@a.b.test", "a.b.test", "b.test", "test", "u@"]
    assert address_keys("u", "a.b.test", "", False) == ["u@a.b.test", "a.b.test", ".b.test", ".test", "u@"]
    # smtpd searches the name `unknown` too (check_namadr_access; measured: unknown=REJECT refuses).
    assert client_keys("unknown", "192.0.2.1", True) == ["unknown", "192.0.2.1", "192.0.2", "192.0", "192"]
    assert client_keys("h.example.net", "2001:db8::1", True)[:3] == ["h.example.net", "example.net", "net"]
