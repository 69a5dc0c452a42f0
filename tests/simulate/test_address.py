"""Where addresses resolve: relay tricks, routing, syntax (measured on Postfix 3.7)."""

from __future__ import annotations

import pytest

from mailpolicy.simulate import Verdict
from mailpolicy.simulate.address import DomainClass, fully_qualified, valid_hostname
from tests.simulate.support import ask, model

TRICKS = ["victim%gmail.test@example0.com", "gmail.test!victim@example0.com", '"victim@gmail.test"@example0.com',
          "victim@gmail.test@example0.com"]


@pytest.mark.parametrize("recipient", TRICKS)
@pytest.mark.parametrize("hacks", ["yes", "no"])
def test_relay_tricks_are_denied_with_the_hacks_on_or_off(recipient, hacks) -> None:
    m = model(allow_percent_hack=hacks, swap_bangpath=hacks, resolve_dequoted_address=hacks)
    d = ask(m, recipient=recipient)
    assert d.verdict is Verdict.REJECT and d.restriction == "reject_unauth_destination"
    assert d.reply.endswith(": Relay access denied")


def test_a_quoted_local_part_is_shown_unquoted_as_measured() -> None:
    assert ask(model(), recipient='"victim@gmail.test"@example0.com').reply == \
        "554 5.7.1 <victim@gmail.test@example0.com>: Relay access denied"


@pytest.mark.parametrize("recipient", ["victim%example0.com@example0.com", "victim@example0.com@example0.com",
                                       "victim@example0.com.", "postmaster", "Postmaster", "victim@[127.0.0.1]",
                                       "Victim@EXAMPLE0.COM", "@example0.com"])
def test_local_in_the_end_is_accepted_as_measured(recipient) -> None:
    m = model(inet_interfaces="127.0.0.1")
    assert ask(m, recipient=recipient).verdict is Verdict.ACCEPT


def test_routing_through_a_local_domain_to_a_relay_domain_is_accepted_as_measured() -> None:
    m = model(relay_domains="relay.test")
    for recipient in ("v@relay.test@example0.com", "v%relay.test@example0.com", "relay.test!v@example0.com"):
        assert ask(m, recipient=recipient).verdict is Verdict.ACCEPT, recipient
    for recipient in ("v%gmail.test@relay.test", "v@gmail.test@relay.test", "v!x@relay.test"):
        assert ask(m, recipient=recipient).verdict is Verdict.REJECT, recipient


def test_subdomains_of_mydestination_are_not_local() -> None:
    assert ask(model(), recipient="victim@sub.example0.com").verdict is Verdict.REJECT


@pytest.mark.parametrize("recipient", ["victim@127.0.0.1", "victim@"])
def test_empty_or_numeric_domains_are_bad_syntax_as_measured(recipient) -> None:
    d = ask(model(smtpd_client_restrictions="reject"), recipient=recipient)
    assert d.reply == "501 5.1.3 Bad recipient address syntax"


@pytest.mark.parametrize("sender", ["a@1.2.3.4", "a@"])
def test_bad_sender_syntax_as_measured(sender) -> None:
    assert ask(model(), sender).reply == "501 5.1.7 Bad sender address syntax"


def test_resolver_classes() -> None:
    m = model(relay_domains="relay.test", virtual_alias_domains="alias.test", virtual_mailbox_domains="box.test")
    resolve = m.resolver.resolve
    assert resolve("a@example0.com").domain_class is DomainClass.LOCAL
    assert resolve("a@alias.test").domain_class is DomainClass.VIRTUAL_ALIAS
    assert resolve("a@box.test").domain_class is DomainClass.VIRTUAL_MAILBOX
    assert resolve("a@x.relay.test").domain_class is DomainClass.RELAY
    assert resolve("a@gmail.test").domain_class is DomainClass.DEFAULT
    assert resolve("a%b@gmail.test").routed and not resolve("a@gmail.test").routed
    assert resolve("postmaster").address == "postmaster@mx.example0.com"


def test_hostname_rules() -> None:
    assert valid_hostname("bad_name.test") and valid_hostname("123.example")
    assert not valid_hostname("1.2.3.4") and not valid_hostname("-x.test") and not valid_hostname("a..b")
    assert fully_qualified("x.test.") and fully_qualified("[1.2.3.4]") and not fully_qualified("client")
