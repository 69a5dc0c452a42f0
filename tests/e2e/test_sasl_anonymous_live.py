"""An ANONYMOUS SASL login on a real Postfix 3.7 with Cyrus and `noplaintext` (no noanonymous): what MP322 rests on.

smtpd offers AUTH ANONYMOUS and accepts it, but permit_sasl_authenticated does not permit that
method (src/smtpd/smtpd_sasl_proto.c permit_sasl_auth), and the client's login is `anonymous`.
"""

from __future__ import annotations

import base64

import pytest

from tests.postfix_support import loopback_main_cf

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

MAIN_CF = loopback_main_cf(
    smtpd_sasl_type="cyrus", smtpd_sasl_path=None, smtpd_sasl_security_options="noplaintext",
    smtpd_sender_login_maps="inline:{ shared@example0.com=anonymous, jim@example0.com=jim }",
    smtpd_sender_restrictions="reject_sender_login_mismatch")


@pytest.fixture(scope="module")
def site(boot_sandbox):
    return boot_sandbox(MAIN_CF)


def anonymous_session(site, sender: str, recipient: str) -> tuple[int, int, int, bytes]:
    client = site.client("127.0.0.9")
    try:
        ehlo = client.ehlo("client.example.test")[1].decode()
        assert "ANONYMOUS" in ehlo.split("AUTH", 1)[1].splitlines()[0]
        auth = client.docmd("AUTH", "ANONYMOUS " + base64.b64encode(b"trace").decode())[0]
        mail = client.docmd(f"MAIL FROM:<{sender}>")[0]
        rcpt = client.docmd(f"RCPT TO:<{recipient}>")
        return auth, mail, rcpt[0], rcpt[1]
    finally:
        client.close()


def test_an_anonymous_login_is_accepted_but_may_not_relay(site) -> None:
    # With a sender it may use (below), the relay check is what refuses it.
    assert anonymous_session(site, "shared@example0.com", "victim@gmail.test")[:3] == (235, 250, 554)


def test_an_anonymous_login_may_not_use_another_logins_or_an_unowned_address(site) -> None:
    for sender in ("jim@example0.com", "free@example0.com"):
        auth, _mail, rcpt, reply = anonymous_session(site, sender, "postmaster@example0.com")
        assert (auth, rcpt) == (235, 553) and b"not owned by user anonymous" in reply


def test_an_anonymous_login_may_use_what_the_login_anonymous_owns(site) -> None:
    auth, _mail, rcpt, reply = anonymous_session(site, "shared@example0.com", "postmaster@example0.com")
    assert (auth, rcpt) == (235, 250), reply
