"""What an attacker tries, against a compiled policy on a real Postfix, for every sender map type.

Relay tricks an open-relay scanner sends, one login posing as another, a client that does not log
in using an owned address, a domain-wide `@domain` owner and several owners of one address. The
same policy is booted once per map type (hash, btree, lmdb, cdb, texthash), so every table type
the language accepts is also proven to be built and read by the real Postfix.
"""

from __future__ import annotations

import pytest

from mailpolicy.sandbox import Attempt
from tests.e2e.live import VICTIM, compiled, live_policy

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

MAP_TYPES = ("hash", "btree", "lmdb", "cdb", "texthash")

POLICY = """\
postfix 3.7
hostname mx.example0.com
local domains example0.com, example3.org
sasl dovecot private/auth
relay only authenticated
sender map {kind}:/etc/postfix/sender_owners
allow user jimminey as jcricket@example0.com
allow user alice as sales@example0.com
allow user bob as sales@example0.com
allow user postmaster as @example3.org
allow user carol as carol@example3.org
"""

OK = Attempt(True, "rcpt", 250, "2.1.5 Ok")


def refused(sender: str, why: str) -> Attempt:
    """Return the 553 smtpd gives for a sender reject_sender_login_mismatch refuses."""
    return Attempt(False, "rcpt", 553, f"5.7.1 <{sender}>: Sender address rejected: {why}")


@pytest.fixture(scope="module", params=MAP_TYPES)
def site(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"attacks-{request.param}")
    compilation = compiled(folder, POLICY.format(kind=request.param))
    assert f"smtpd_sender_login_maps = {request.param}:/etc/postfix/sender_owners" in compilation.outputs["main.cf"]
    yield from live_policy(compilation, extra_logins=("mallory",))


@pytest.mark.parametrize(
    ("rcpt", "echoed"),
    [
        ("victim%gmail.test@example0.com", "victim%gmail.test@example0.com"),  # the % hack
        ("gmail.test!victim@example0.com", "gmail.test!victim@example0.com"),  # a UUCP bang path
        ('"victim@gmail.test"@example0.com', "victim@gmail.test@example0.com"),  # quoted local part
        ("victim@gmail.test@example0.com", "victim@gmail.test@example0.com"),  # double @
    ],
    ids=["percent-hack", "bang-path", "quoted-local-part", "double-at"],
)
@pytest.mark.parametrize("client", ["anonymous", "trusted"])
def test_relay_tricks_through_a_local_domain_are_refused(site, client, rcpt, echoed) -> None:
    # example0.com is local, but each address asks it to route elsewhere; reject_unauth_destination
    # refuses sender-specified routing (allow_untrusted_routing = no). smtpd echoes the quoted
    # address unquoted, as it holds it internally.
    attempt = site.send(client, "someone@outside.test", rcpt)
    assert attempt == Attempt(False, "rcpt", 554, f"5.7.1 <{echoed}>: Relay access denied")


def test_a_plain_relay_attempt_is_refused_and_a_login_may_relay(site) -> None:
    assert site.send("anonymous", "spam@evil.test") == Attempt(
        False, "rcpt", 554, f"5.7.1 <{VICTIM}>: Relay access denied")
    assert site.send("jimminey", "jcricket@example0.com") == OK


@pytest.mark.parametrize("sender", ["jcricket@example0.com", "JCricket@Example0.COM"])
@pytest.mark.parametrize("login", ["mallory", "alice"])
def test_one_login_cannot_send_as_another(site, login, sender) -> None:
    # Case does not help: the map's keys are lower-case and smtpd lower-cases the lookup.
    assert site.send(login, sender) == refused(sender, f"not owned by user {login}")


def test_a_login_may_use_only_addresses_it_owns(site) -> None:
    assert site.send("jimminey", "random@example0.com") == refused("random@example0.com",
                                                                   "not owned by user jimminey")


@pytest.mark.parametrize("client", ["anonymous", "trusted"])
def test_an_owned_address_needs_a_login_even_to_a_local_recipient(site, client) -> None:
    # Being in the trusted networks does not make a client its owner.
    for sender in ("jcricket@example0.com", "sales@example0.com", "anyone@example3.org"):
        assert site.send(client, sender, "jcricket@example0.com") == refused(sender, "not logged in")


def test_an_unowned_address_needs_no_login_to_a_local_recipient(site) -> None:
    assert site.send("anonymous", "friend@gmail.test", "jcricket@example0.com") == OK
    assert site.send("anonymous", "random@example0.com", "jcricket@example0.com") == OK


def test_a_domain_wide_owner_owns_every_address_without_its_own_key(site) -> None:
    assert site.send("postmaster", "anyone@example3.org") == OK
    assert site.send("postmaster", "Someone.Else@EXAMPLE3.org") == OK
    assert site.send("jimminey", "anyone@example3.org") == refused("anyone@example3.org", "not owned by user jimminey")
    # Postfix stops at the first key found (user@domain before @domain): carol's own key
    # shuts the domain owner out of her address.
    assert site.send("carol", "carol@example3.org") == OK
    assert site.send("postmaster", "carol@example3.org") == refused("carol@example3.org",
                                                                    "not owned by user postmaster")
    # ...and @example3.org says nothing about another domain.
    assert site.send("postmaster", "jcricket@example0.com") == refused("jcricket@example0.com",
                                                                       "not owned by user postmaster")


def test_several_owners_of_one_address_each_may_use_it(site) -> None:
    assert "sales@example0.com\talice, bob\n" in site.compilation.outputs["sender_owners"]
    assert site.send("alice", "sales@example0.com") == OK
    assert site.send("bob", "sales@example0.com") == OK
    assert site.send("mallory", "sales@example0.com") == refused("sales@example0.com", "not owned by user mallory")
