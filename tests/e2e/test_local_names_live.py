"""Owned addresses of local domains, reached through the host's other local names (issue 16, A1's question).

Every local domain, $myhostname, localhost, an address literal of this host and a bare local part
reach the same Unix user (trivial-rewrite's local class), so `allow user alice as
alice@example0.com` must also own alice@localhost, alice@mx.example0.com, alice@[127.0.0.1] and
`alice`. smtpd looks a sender up with mail_addr_find() (src/smtpd/smtpd_check.c,
src/global/mail_addr_find.c): the bare `alice` key is tried for every local domain, so the
compiler writes it (plan/sender_map.py). These tests show on the real Postfix that each
spelling was accepted from an anonymous client with the map as compiled before, is refused now,
and still works for its owner; an unowned local part stays usable, and a catch-all of a local
domain reaches the host's own names ($myhostname, localhost).
"""

from __future__ import annotations

import attrs
import pytest

from mailpolicy.verify import sandbox_inputs
from tests.e2e.live import compiled, live_inputs, live_policy

POLICY = """\
postfix 3.7
hostname mx.example0.com
local domains example0.com, example1.org
sasl dovecot private/auth
relay only authenticated
allow user alice as alice@example0.com
allow user bob as bob@example1.org
allow user pm as @example0.com
"""
RECIPIENT = "bob@example0.com"
# The spellings of alice's mailbox that are not the owned address itself.
OTHER_NAMES = ("alice@localhost", "alice@mx.example0.com", "alice@example1.org", "alice@[127.0.0.1]", "alice")
# Unowned local parts the catch-all of example0.com reaches at the other local names (without a
# recipient_delimiter, as here, `alice+tag` is a local part of its own).
CATCH_ALL_NAMES = ("carol@localhost", "carol@mx.example0.com", "alice+tag@localhost")


@pytest.fixture(scope="module")
def policy(tmp_path_factory, requires_postfix):
    yield from live_policy(compiled(tmp_path_factory.mktemp("local-names"), POLICY))


@pytest.fixture(scope="module")
def policy_before(tmp_path_factory, requires_postfix):
    """The same policy with the login map as compiled before: only the stated keys."""
    compilation = compiled(tmp_path_factory.mktemp("local-names-before"), POLICY)
    inputs = sandbox_inputs(compilation)
    path = compilation.plan.sender_map.path
    stated = {"alice@example0.com", "bob@example1.org", "@example0.com"}
    lines = inputs.maps[path].splitlines(keepends=True)
    kept = "".join(line for line in lines if line.startswith("#") or line.split("\t")[0] in stated)
    assert kept != inputs.maps[path]
    yield from live_inputs(compilation, attrs.evolve(inputs, maps={**inputs.maps, path: kept}))


@pytest.mark.postfix
@pytest.mark.parametrize("sender", (*OTHER_NAMES, *CATCH_ALL_NAMES))
def test_before_an_anonymous_client_sent_as_alice_by_another_name(policy_before, sender) -> None:
    attempt = policy_before.send("anonymous", sender, RECIPIENT)
    assert attempt.accepted, attempt


@pytest.mark.postfix
@pytest.mark.parametrize("sender", ("alice@example0.com", *OTHER_NAMES))
def test_an_anonymous_client_is_refused_every_name_of_alice(policy, sender) -> None:
    attempt = policy.send("anonymous", sender, RECIPIENT)
    assert (attempt.accepted, attempt.code) == (False, 553), attempt
    assert "not logged in" in attempt.reply


@pytest.mark.postfix
@pytest.mark.parametrize("sender", ("alice@example0.com", *OTHER_NAMES))
def test_alice_still_sends_by_every_name(policy, sender) -> None:
    attempt = policy.send("alice", sender, "friend@gmail.test")
    assert attempt.accepted, attempt


@pytest.mark.postfix
@pytest.mark.parametrize(("client", "sender"), [
    ("bob", "alice@localhost"),            # another login: not alice's owner by any name
    ("pm", "alice@localhost"),             # the catch-all does not reach a local part with owners
])
def test_other_logins_are_refused_alice(policy, client, sender) -> None:
    attempt = policy.send(client, sender, "friend@gmail.test")
    assert (attempt.accepted, attempt.code) == (False, 553), attempt
    assert f"not owned by user {client}" in attempt.reply


@pytest.mark.postfix
@pytest.mark.parametrize("sender", CATCH_ALL_NAMES)
def test_the_catch_all_of_a_local_domain_reaches_the_other_local_names(policy, sender) -> None:
    assert policy.send("pm", sender, "friend@gmail.test").accepted
    refused = policy.send("anonymous", sender, RECIPIENT)
    assert (refused.accepted, refused.code) == (False, 553), refused


@pytest.mark.postfix
def test_a_hosted_namespace_is_not_claimed(policy) -> None:
    # alice at a domain that is not local is another mailbox: the bare key is never tried for it.
    assert policy.send("anonymous", "alice@gmail.test", RECIPIENT).accepted


@pytest.mark.postfix
def test_another_stated_local_domain_keeps_its_unowned_addresses(policy) -> None:
    # example1.org has no catch-all: its unowned addresses stay usable, as stated.
    assert policy.send("anonymous", "carol@example1.org", RECIPIENT).accepted
