"""MP501/MP502: `expect` lines decided by the simulator, failures saying what decided and why."""

from __future__ import annotations

import attrs

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.analyze.expectations import check_expectations
from tests.helpers import compile_text

HEAD = ("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\nsasl dovecot private/auth\n"
        "allow user jimminey as jcricket@example0.com\nrelay only authenticated\n")


def failures(tmp_path, text: str):
    c = compile_text(tmp_path, HEAD + text)
    return [d for d in c.diagnostics if d.code in ("MP501", "MP502")]


def test_the_seed_examples_expectations_hold(repo) -> None:
    from mailpolicy.compiler import compile_policy
    c = compile_policy(repo / "examples" / "seed.mailpolicy")
    assert len(c.policy.expectations) >= 5
    assert not [d for d in c.diagnostics if d.code.startswith("MP5")]


def test_a_failure_names_the_list_the_restriction_and_the_reply(tmp_path) -> None:
    (d,) = failures(tmp_path, "expect accept user mallory sending as jcricket@example0.com to friend@gmail.test\n")
    assert d.code == "MP501" and d.span.line == 7
    assert "reject_sender_login_mismatch in smtpd_sender_restrictions" in d.message
    assert "owned by jimminey" in d.message
    assert "553 5.7.1 <jcricket@example0.com>: Sender address rejected: not owned by user mallory" in d.message
    assert d.related[0].span.line == 5  # the allow line wrote reject_sender_login_mismatch


def test_expect_reject_fails_when_postfix_only_defers(tmp_path) -> None:
    (d,) = failures(tmp_path, "set smtpd_client_restrictions = defer\n"
                              "expect reject anonymous sending as a@evil.test to b@example0.com\n")
    assert "defers (temporary error)" in d.message and "450 4.3.2" in d.message
    assert d.related[0].span.line == 7 and d.related[0].span.column == 33


def test_an_accepted_request_that_should_be_refused(tmp_path) -> None:
    (d,) = failures(tmp_path, "expect reject anonymous sending as a@evil.test to b@example0.com\n")
    assert "expected reject, but Postfix accepts an anonymous client" in d.message
    assert "example0.com is a local destination" in d.message


def test_trusted_means_inside_the_first_trusted_network(tmp_path) -> None:
    text = ("trusted networks 10.1.0.0/16\nset smtpd_client_restrictions = permit_mynetworks, reject\n"
            "expect accept trusted sending as app@example0.com to b@example0.com\n"
            "expect accept anonymous sending as app@example0.com to b@example0.com\n")
    (d,) = failures(tmp_path, text)
    assert d.span.line == 10 and "Client host rejected" in d.message


def test_a_verdict_only_dns_decides_is_a_note_that_names_each_answer(tmp_path) -> None:
    c = compile_text(tmp_path, HEAD + "set smtpd_client_restrictions = reject_rbl_client zen.example\n"
                                      "expect reject anonymous sending as a@evil.test to b@example0.com\n")
    (d,) = [d for d in c.diagnostics if d.code in ("MP501", "MP328")]
    assert d.code == "MP328" and "depends on DNS: it rejects when listed by zen.example" in d.message
    assert d.message.endswith("it accepts otherwise")


def test_a_verdict_no_dns_answer_gives_still_fails_and_says_what_was_assumed(tmp_path) -> None:
    (d,) = failures(tmp_path, "set smtpd_client_restrictions = reject_rbl_client zen.example\n"
                              "expect defer anonymous sending as a@evil.test to b@example0.com\n")
    assert d.code == "MP501" and "assuming no DNS list lists the client" in d.message


def test_a_login_without_sasl_fails_at_auth(tmp_path) -> None:
    c = compile_text(tmp_path, "postfix 3.7\nlocal domains example0.com\nrelay nobody\n"
                               "expect accept user bob sending as bob@example0.com to b@example0.com\n")
    (d,) = [d for d in c.diagnostics if d.code == "MP501"]
    assert "503 5.5.1 Error: authentication not enabled" in d.message


def test_an_expectation_cannot_be_evaluated_when_smtpd_would_not_start(tmp_path) -> None:
    # The compiler always writes a relay check; a plan without one stands for any future mistake.
    c = compile_text(tmp_path, HEAD + "expect accept anonymous sending as a@evil.test to b@example0.com\n")
    relay = c.plan.parameter("smtpd_relay_restrictions")
    broken = attrs.evolve(relay, value="permit_mynetworks", entries=None)
    plan = attrs.evolve(c.plan, parameters=tuple(broken if p is relay else p for p in c.plan.parameters))
    (d,) = check_expectations(AnalysisContext(c.policy, plan))
    assert d.code == "MP502" and "smtpd would not start" in d.message and d.span.line == 7


def test_expectations_can_name_the_bare_postmaster_address_literals_and_the_null_sender(tmp_path) -> None:
    # Issue 13 point 4: the forms attackers try. The bare postmaster is decided at DATA.
    text = ("expect reject anonymous sending as jcricket@example0.com to postmaster\n"
            "expect accept anonymous sending as <> to Postmaster\n"
            "expect accept user jimminey sending as jcricket@example0.com to postmaster\n"
            "expect reject anonymous sending as spam@evil.test to victim@[192.0.2.1]\n"
            "expect reject anonymous sending as spam@evil.test to victim@[IPv6:2001:db8::1]\n")
    c = compile_text(tmp_path, HEAD + text)
    assert [d.code for d in c.diagnostics if d.is_error] == []
    assert [(e.sender, e.recipient) for e in c.policy.expectations] == [
        ("jcricket@example0.com", "postmaster"), ("", "postmaster"), ("jcricket@example0.com", "postmaster"),
        ("spam@evil.test", "victim@[192.0.2.1]"), ("spam@evil.test", "victim@[IPv6:2001:db8::1]")]
    # The simulator decides them: an expectation the other way fails, naming the DATA list.
    (d,) = failures(tmp_path, "expect accept anonymous sending as jcricket@example0.com to postmaster\n")
    assert "smtpd_data_restrictions" in d.message and "553" in d.message


def test_a_malformed_address_literal_is_a_located_value_error(tmp_path) -> None:
    c = compile_text(tmp_path, HEAD + "expect reject anonymous sending as a@b.test to victim@[300.1.1.1]\n")
    (d,) = [d for d in c.diagnostics if d.is_error]
    assert d.code == "MP201" and d.span.line == 7 and "[300.1.1.1]" in d.message
