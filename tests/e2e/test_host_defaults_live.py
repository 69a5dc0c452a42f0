"""This host stays trusted and a local destination, on the real Postfix (plan/config.py).

A policy that states its trusted networks and local domains keeps 127.0.0.0/8 and [::1]/128 in
mynetworks and `$myhostname, localhost` in mydestination unless it says `only`. Booted as
compiled (no loopback stand-ins: on a real server the webmail does connect from 127.0.0.1):
- a webmail on 127.0.0.1 may relay (`relay only trusted`);
- mail to postmaster@<hostname> and root@localhost is routed to the `local` transport. The
  sandbox has no delivery agents (sandbox/mastercf.py), so qmgr's attempt names the transport it
  chose: `connect to transport private/local` for local mail, the sandbox's undeliverable default
  transport for everything else (qmgr connects to the transport trivial-rewrite resolved,
  src/qmgr/qmgr_transport.c).
With `only`, the webmail may not relay and postmaster@<hostname> is a remote address (554):
the test can tell the two apart.
"""

from __future__ import annotations

import pytest

from mailpolicy.sandbox.postfix import UNDELIVERABLE_TRANSPORT
from tests.e2e.live import VICTIM, compiled
from tests.postfix_support import booted_sandbox

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

POLICY = """\
postfix 3.7
hostname mx.example0.com
local domains {only}example0.com
trusted networks {only}192.0.2.0/28
relay only trusted
"""
WEBMAIL = "127.0.0.1"
# The sandbox's mailboxes are not this machine's users (as verify/inputs.py LOCAL_RECIPIENTS).
EVERY_RECIPIENT_EXISTS = "local_recipient_maps =\n"


def _boot(tmp_path, only: str):
    compilation = compiled(tmp_path, POLICY.format(only=only))
    assert not [d for d in compilation.diagnostics if d.code == "MP301"], "no open relay either way"
    yield from booted_sandbox(compilation.outputs["main.cf"] + EVERY_RECIPIENT_EXISTS)


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    yield from _boot(tmp_path_factory.mktemp("kept"), "")


@pytest.fixture(scope="module")
def exact(tmp_path_factory):
    yield from _boot(tmp_path_factory.mktemp("exact"), "only ")


def _deliver(sandbox, recipient: str) -> str:
    """Send a whole message from the webmail's address; return the log once qmgr tried it."""
    client = sandbox.client(WEBMAIL)
    try:
        client.ehlo("webmail.test")
        refused = client.sendmail("www-data@example0.com", [recipient],
                                  f"From: www-data@example0.com\r\nTo: {recipient}\r\nSubject: t\r\n\r\nhello\r\n")
        assert refused == {}
    finally:
        client.quit()
    return sandbox.wait_log(f"to=<{recipient}>", timeout=15)


def test_a_local_webmail_relays_when_networks_are_stated(kept) -> None:
    attempt = kept.try_send(WEBMAIL, None, None, "www-data@example0.com", VICTIM)
    assert (attempt.accepted, attempt.code) == (True, 250), attempt


def test_with_only_this_host_is_not_trusted(exact) -> None:
    attempt = exact.try_send(WEBMAIL, None, None, "www-data@example0.com", VICTIM)
    assert (attempt.accepted, attempt.code) == (False, 554), attempt
    assert "Relay access denied" in attempt.reply


@pytest.mark.parametrize("recipient", ["postmaster@mx.example0.com", "root@localhost"])
def test_mail_to_this_hosts_names_is_delivered_locally(kept, recipient) -> None:
    # Only local mail gets DATA in this sandbox, so a connection to any other transport is a failure.
    log = _deliver(kept, recipient)
    assert "connect to transport private/local:" in log, log
    assert f"transport private/{UNDELIVERABLE_TRANSPORT}" not in log, log


def test_with_only_the_host_name_is_not_a_local_destination(exact) -> None:
    # Neither trusted nor local any more: smtpd takes postmaster@<hostname> for a relay attempt.
    attempt = exact.try_send(WEBMAIL, None, None, "www-data@example0.com", "postmaster@mx.example0.com")
    assert (attempt.accepted, attempt.code) == (False, 554), attempt
    assert "Relay access denied" in attempt.reply
