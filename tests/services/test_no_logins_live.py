"""What Postfix 3.7 does on a service whose `-o smtpd_discard_ehlo_keywords` holds `auth` (`without logins`).

The claims of plan/services.py and simulate/tls_state.py, each sent to a real smtpd: with SASL still
on and `auth` discarded, EHLO does not announce AUTH (smtpd.c ehlo_cmd tests EHLO_MASK_AUTH), AUTH
answers "503 5.5.1 Error: authentication not enabled" before and after STARTTLS
(smtpd_sasl_proto.c smtpd_sasl_auth_cmd), the same reply as SASL off; yet the login checks still
run (smtpd_check.c tests var_smtpd_sasl_enable, not the discard mask), so an anonymous client is
refused an owned sender at RCPT and, for the bare postmaster, at DATA. The same service with
`smtpd_sasl_auth_enable=no` instead would accept the forgery (test_tls_live.py shows it).
"""

from __future__ import annotations

import pytest

from mailpolicy.sandbox.client import connect, tls_context
from tests.postfix_support import loopback_main_cf

pytestmark = [pytest.mark.postfix]

OUTSIDE = "127.0.0.9"
LOGINS = {"alice": "secret-alice"}


@pytest.fixture(scope="module")
def sandbox(boot_sandbox):
    """One Postfix with two port-25-like services: `logins` as main.cf says, `nologins` with auth discarded."""
    main_cf = loopback_main_cf(
        smtpd_sender_login_maps="inline:{ alice@example0.com=alice }", local_recipient_maps="",
        smtpd_sender_restrictions="reject_sender_login_mismatch",
        smtpd_data_restrictions="reject_sender_login_mismatch",
        smtpd_tls_security_level="may", smtpd_tls_auth_only="yes",
        # main.cf's own discards: the override must carry them (an -o replaces the value).
        smtpd_discard_ehlo_keywords="silent-discard, dsn")
    return boot_sandbox(main_cf, logins=LOGINS, tls_hostname="mx.example0.com", services=(
        ("logins", ()),
        ("nologins", (("smtpd_discard_ehlo_keywords", "silent-discard,dsn,auth"),)),
        # smtpd_tls_auth_only=no: SASL is active in plain text, as XCLIENT needs for the login to count.
        ("xclient", (("smtpd_discard_ehlo_keywords", "auth"), ("smtpd_authorized_xclient_hosts", OUTSIDE),
                     ("smtpd_tls_auth_only", "no")))))


@pytest.mark.parametrize("tls", [None, "starttls"])
def test_auth_is_not_announced_and_answers_503(sandbox, tls) -> None:
    refused = sandbox.try_send(OUTSIDE, "alice", LOGINS["alice"], "alice@example0.com", "x@gmail.test",
                               service="nologins", tls=tls)
    assert (refused.stage, refused.code) == ("auth", 503), refused
    assert "authentication not enabled" in refused.reply
    assert refused.auth_before_tls is False
    assert refused.tls is (tls == "starttls")


def test_the_same_login_succeeds_where_auth_is_kept(sandbox) -> None:
    # The control: the login itself is good, so the 503 above is the discard's doing.
    kept = sandbox.try_send(OUTSIDE, "alice", LOGINS["alice"], "alice@example0.com", "x@gmail.test",
                            service="logins", tls="starttls")
    assert kept.accepted and kept.tls


def test_auth_is_absent_from_ehlo_after_starttls(sandbox) -> None:
    with _client(sandbox, "nologins") as client:
        client.ehlo("sandbox-client.test")
        client.starttls(context=tls_context())
        client.ehlo("sandbox-client.test")
        assert not client.has_extn("auth")
        assert not client.has_extn("dsn")  # main.cf's own discard is kept
    with _client(sandbox, "logins") as client:
        client.ehlo("sandbox-client.test")
        client.starttls(context=tls_context())
        client.ehlo("sandbox-client.test")
        assert client.has_extn("auth")


def test_ownership_still_refuses_an_anonymous_forgery_at_rcpt(sandbox) -> None:
    forged = sandbox.try_send(OUTSIDE, None, None, "alice@example0.com", "bob@example0.com", service="nologins")
    assert (forged.stage, forged.code) == ("rcpt", 553) and "not logged in" in forged.reply, forged
    honest = sandbox.try_send(OUTSIDE, None, None, "friend@gmail.test", "bob@example0.com", service="nologins")
    assert honest.accepted


def test_ownership_still_refuses_a_forgery_to_the_bare_postmaster_at_data(sandbox) -> None:
    forged = sandbox.try_send(OUTSIDE, None, None, "alice@example0.com", "postmaster", service="nologins",
                              data=True)
    assert (forged.stage, forged.code) == ("data", 553) and "not logged in" in forged.reply, forged


def test_auth_parameter_of_mail_from_logs_in_nobody(sandbox) -> None:
    # smtpd.c mail_cmd takes `AUTH=` while SASL is on (smtpd_sasl_mail_opt) whatever the discard
    # mask says; it only records a sender for the Received header, never a login.
    with _client(sandbox, "nologins") as client:
        client.ehlo("sandbox-client.test")
        code, _ = client.docmd("MAIL", "FROM:<alice@example0.com> AUTH=<alice@example0.com>")
        assert code == 250
        code, reply = client.docmd("RCPT", "TO:<bob@example0.com>")
        assert code == 553 and b"not logged in" in reply


def _client(sandbox, service: str):
    return connect(sandbox.host, sandbox.ports[service], OUTSIDE)


def test_xclient_login_still_logs_a_client_in_where_auth_is_discarded(sandbox) -> None:
    # smtpd.c xclient_cmd -> smtpd_sasl_auth_extern sets the login without looking at the discard
    # mask (found by A2): the simulator's XCLIENT pose (proof.py _via_xclient) skips the 503; the
    # relay to gmail.test is permit_sasl_authenticated's.
    with _client(sandbox, "xclient") as client:
        client.ehlo("sandbox-client.test")
        code, _ = client.docmd("AUTH", "PLAIN AGFsaWNlAHNlY3JldC1hbGljZQ==")
        assert code == 503
        code, _ = client.docmd("XCLIENT", "LOGIN=alice")
        assert code == 220
        client.ehlo("sandbox-client.test")
        assert client.docmd("MAIL", "FROM:<alice@example0.com>")[0] == 250
        assert client.docmd("RCPT", "TO:<victim@gmail.test>")[0] == 250
