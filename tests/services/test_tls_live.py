"""What Postfix 3.7 really does with the TLS and per-service settings the services statements write.

Each test is a claim made in plan/services.py, analyze/service_checks.py or simulate/tls_state.py, sent to a real
smtpd in the sandbox: -o overrides apply to their service alone, submission refuses mail before
STARTTLS, AUTH never appears before TLS, implicit TLS works on 465, and the two traps the design
avoids (login needing TLS with no certificate; SASL off on the MX turning ownership off).
"""

from __future__ import annotations

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.verify.inputs import sandbox_inputs
from mailpolicy.verify.services import probe_services
from tests.conftest import REPO
from tests.postfix_support import loopback_main_cf

pytestmark = [pytest.mark.postfix]

OUTSIDE = "127.0.0.9"


@pytest.fixture(scope="module")
def phones(boot_sandbox):
    """The compiled examples/phones.mailpolicy running with its three services and a throwaway certificate."""
    compilation = compile_policy(REPO / "examples" / "phones.mailpolicy")
    assert compilation.ok
    inputs = sandbox_inputs(compilation)
    return boot_sandbox(inputs.main_cf, **inputs.sandbox_kwargs()), inputs


def test_submission_refuses_mail_and_login_before_starttls(phones) -> None:
    sandbox, inputs = phones
    plain = sandbox.try_send(OUTSIDE, None, None, "friend@gmail.test", "alice@example0.com", service="submission")
    assert (plain.stage, plain.code) == ("mail", 530) and "STARTTLS" in plain.reply
    assert plain.auth_before_tls is False
    login = sandbox.try_send(OUTSIDE, "alice", inputs.logins["alice"], "alice@example0.com", "x@gmail.test",
                             service="submission")
    assert (login.stage, login.code) == ("auth", 530)


def test_submission_after_starttls_takes_owners_only(phones) -> None:
    sandbox, inputs = phones
    owner = sandbox.try_send(OUTSIDE, "alice", inputs.logins["alice"], "info@example0.com", "x@gmail.test",
                             service="submission", tls="starttls")
    assert owner.accepted and owner.tls
    other = sandbox.try_send(OUTSIDE, "carol", inputs.logins["carol"], "info@example0.com", "x@gmail.test",
                             service="submission", tls="starttls")
    assert other.code == 553 and "not owned by user carol" in other.reply
    anonymous = sandbox.try_send(OUTSIDE, None, None, "friend@gmail.test", "alice@example0.com",
                                 service="submission", tls="starttls")
    assert anonymous.code == 554 and "Client host rejected" in anonymous.reply  # login required


def test_submissions_is_tls_from_the_first_byte(phones) -> None:
    sandbox, inputs = phones
    plain = sandbox.try_send(OUTSIDE, None, None, "friend@gmail.test", "alice@example0.com", service="submissions")
    assert not plain.accepted and plain.stage == "connect"  # a plain-text greeting never comes
    bob = sandbox.try_send(OUTSIDE, "bob", inputs.logins["bob"], "info@example0.com", "x@gmail.test",
                           service="submissions", tls="implicit")
    assert bob.accepted and bob.tls


def test_inbound_takes_mail_without_tls_and_keeps_ownership(phones) -> None:
    sandbox, inputs = phones
    internet = sandbox.try_send(OUTSIDE, None, None, "friend@gmail.test", "alice@example0.com", service="inbound")
    assert internet.accepted and not internet.tls and internet.auth_before_tls is False
    forged = sandbox.try_send(OUTSIDE, None, None, "info@example0.com", "bob@example0.com", service="inbound")
    assert forged.code == 553 and "not logged in" in forged.reply
    # smtpd_tls_auth_only = yes: AUTH in plain text is "not enabled" on the MX.
    login = sandbox.try_send(OUTSIDE, "alice", inputs.logins["alice"], "alice@example0.com", "x@gmail.test",
                             service="inbound")
    assert (login.stage, login.code) == ("auth", 503)


def test_no_service_offers_auth_before_tls(phones) -> None:
    sandbox, inputs = phones
    probes = probe_services(sandbox, inputs)
    assert [p.service for p in probes] == ["inbound", "submission", "submissions"]
    assert all(p.ok and p.tls and not p.auth_before_tls for p in probes), probes


@pytest.mark.parametrize("level", [None, "may"])
def test_login_needing_tls_without_a_certificate_can_never_succeed(boot_sandbox, level) -> None:
    # MP352: without a certificate smtpd either announces no STARTTLS (level none) or announces it
    # and answers "454 4.7.0 TLS not available due to local problem" (level may); either way the
    # session stays in plain text, where smtpd_tls_auth_only = yes makes AUTH "not enabled".
    sandbox = boot_sandbox(loopback_main_cf(smtpd_tls_auth_only="yes", smtpd_tls_security_level=level),
                           logins={"alice": "secret-alice"})
    attempt = sandbox.try_send(OUTSIDE, "alice", "secret-alice", "alice@example0.com", "x@gmail.test", tls="starttls")
    assert not attempt.tls and (attempt.stage, attempt.code) == ("auth", 503)
    assert attempt.auth_before_tls is False


def test_an_override_changes_its_service_alone_and_the_probe_sees_auth_in_clear(boot_sandbox) -> None:
    # A service whose -o turns smtpd_tls_auth_only off offers AUTH before TLS; main.cf's other
    # service keeps it inside TLS. The verify probe reports exactly that one (MP350's claim).
    sandbox = boot_sandbox(loopback_main_cf(smtpd_tls_auth_only="yes"), logins={"alice": "secret-alice"},
                           services=(("inbound", ()), ("submission", (("smtpd_tls_auth_only", "no"),))))
    inputs = type("Inputs", (), {"services": sandbox.services, "tls_hostname": None,
                                 "proxy_for": lambda self, service, source: None})()
    probes = {p.service: p for p in probe_services(sandbox, inputs)}
    assert probes["inbound"].ok and not probes["inbound"].auth_before_tls
    assert probes["submission"].auth_before_tls and not probes["submission"].ok


def test_sasl_off_on_a_service_turns_ownership_off_there(boot_sandbox) -> None:
    # Why the MX keeps SASL on (plan/services.py): with smtpd_sasl_auth_enable = no, smtpd ignores
    # reject_sender_login_mismatch ("no SASL support") and an anonymous client sends as an owned address.
    main_cf = loopback_main_cf(smtpd_sender_login_maps="inline:{ alice@example0.com=alice }", local_recipient_maps="",
                               smtpd_sender_restrictions="reject_sender_login_mismatch")
    sandbox = boot_sandbox(main_cf, logins={"alice": "secret-alice"},
                           services=(("on", ()), ("off", (("smtpd_sasl_auth_enable", "no"),))))
    kept = sandbox.try_send(OUTSIDE, None, None, "alice@example0.com", "bob@example0.com", service="on")
    assert kept.code == 553
    ignored = sandbox.try_send(OUTSIDE, None, None, "alice@example0.com", "bob@example0.com", service="off")
    assert ignored.accepted
    assert "ignored: no SASL support" in sandbox.wait_log("no SASL support")
