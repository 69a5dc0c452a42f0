"""MP301 on every compile: the simulator proves no anonymous outside client can relay, or says how."""

from __future__ import annotations

import attrs
import pytest

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.analyze.stated_relay import check_stated_relay
from tests.helpers import POLICY_HEAD, compile_text

HEAD = POLICY_HEAD
SASL = "sasl dovecot private/auth\nallow user jim as jim@example0.com\n"


def relays(compilation):
    return [d for d in compilation.diagnostics if d.code == "MP301"]


def test_the_examples_are_proven_safe(repo) -> None:
    from mailpolicy.compiler import compile_policy
    for path in sorted((repo / "examples").glob("*.mailpolicy")):
        assert relays(compile_policy(path)) == [], path


def test_trusting_everyone_relays_and_points_at_the_network(tmp_path) -> None:
    c = compile_text(tmp_path, HEAD + SASL + "relay authenticated or trusted\ntrusted networks 127.0.0.0/8, 0.0.0.0/0\n")
    (d,) = relays(c)
    assert d.is_error and d.span.line == 6  # the relay statement wrote permit_mynetworks
    assert "can relay" in d.message and "permit_mynetworks in smtpd_relay_restrictions" in d.message
    assert "203.0.113.9 is in mynetworks" in d.message
    (related,) = d.related
    assert (related.span.line, related.span.column) == (7, 31)  # `0.0.0.0/0` itself
    assert not c.outputs


def test_set_permit_in_the_recipient_list_opens_nothing(tmp_path) -> None:
    # smtpd_relay_restrictions (the compiler's, ending in reject_unauth_destination) runs before
    # smtpd_recipient_restrictions, and a reject there is final: a later permit cannot undo it.
    c = compile_text(tmp_path, HEAD + SASL + "relay only authenticated\nset smtpd_recipient_restrictions = permit\n")
    assert relays(c) == [] and c.ok


def test_set_relay_domains_naming_other_domains_relays_at_the_set_line(tmp_path) -> None:
    # A relay_domains entry for someone else's domain is judged where it is written (MP324,
    # tests/analyze/test_relay_declaration.py), not found by a sample recipient.
    c = compile_text(tmp_path, HEAD + "relay nobody\nset relay_domains = $mydestination, gmail.test\n")
    (d,) = [d for d in c.diagnostics if d.code == "MP324"]
    assert d.span.line == 5 and "`gmail.test`" in d.message and "backup MX" in d.hint
    assert not relays(c) and not c.ok


def test_references_are_expanded_before_judging(tmp_path) -> None:
    # relay_domains = $mydomain, and mydomain is `test`: every .test domain is relayed for anyone.
    c = compile_text(tmp_path, HEAD + "relay nobody\nset mydomain = test\nset relay_domains = $mydomain\n")
    (d,) = [d for d in c.diagnostics if d.code == "MP324"]
    assert d.span.line == 6 and "`test`, a public suffix" in d.message


def test_what_only_a_table_it_cannot_read_decides_is_a_stated_assumption(tmp_path) -> None:
    # Issue 13 point 6: undecidable is neither safe nor an error, but a note saying what is assumed.
    c = compile_text(tmp_path, HEAD + "relay nobody\nset relay_domains = hash:/etc/postfix/relay_domains\n")
    assert relays(c) == [] and c.ok
    (d,) = [d for d in c.diagnostics if d.code == "MP326"]
    assert d.severity.value == "note" and d.span.line == 5
    assert d.message == ("the open-relay proof assumes that hash:/etc/postfix/relay_domains (relay_domains) lists only "
                         "domains this server is a backup MX for: mail for a domain it lists is relayed for any client")


def test_what_only_dns_decides_is_a_possible_relay() -> None:
    # DNS is the Internet's, not the administrator's: permit_mx_backup (without
    # permit_mx_backup_networks) relays for any domain whose owner points its MX at this host,
    # and no assumption about one's own tables covers that.
    from mailpolicy.simulate import PostfixModel, prove_no_open_relay
    model = PostfixModel.from_parameters({"compatibility_level": "3.6", "mydestination": "example0.com",
                                          "smtpd_relay_restrictions": "permit_mx_backup, reject_unauth_destination"})
    (found,) = prove_no_open_relay(model)
    assert not found.certain and found.assumptions == ()
    assert found.decision.restriction == "permit_mx_backup" and "MX" in found.answers[0]


def test_a_class_relaying_beyond_the_relay_statement_is_mp321(tmp_path) -> None:
    # The compiler never writes this; the check holds any future list to the `relay` statement.
    c = compile_text(tmp_path, HEAD + SASL + "relay only authenticated\ntrusted networks 10.1.0.0/16\n")
    relay = c.plan.parameter("smtpd_relay_restrictions")
    widened = attrs.evolve(relay, value="permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
                           entries=None)
    plan = attrs.evolve(c.plan, parameters=tuple(widened if p is relay else p for p in c.plan.parameters))
    (d,) = check_stated_relay(AnalysisContext(c.policy, plan))
    assert d.code == "MP321" and "a trusted client (10.1.0.1) can relay" in d.message
    assert "relay only authenticated" in d.message


XCLIENT_EVERYWHERE = "set smtpd_authorized_xclient_hosts = 0.0.0.0/0, [::]/0\n"


@pytest.mark.parametrize("relay, claims", [
    ("sasl dovecot private/auth\nrelay only authenticated\n", "logged in as"),
    ("trusted networks 192.0.2.0/24\nrelay only trusted\n", "posing with XCLIENT as 192.0.2.1"),
])
def test_xclient_from_the_internet_is_an_open_relay_at_its_set_line(tmp_path, relay, claims) -> None:
    # XCLIENT_README: a client in smtpd_authorized_xclient_hosts may claim any ADDR and LOGIN.
    c = compile_text(tmp_path, "local domains example0.com\n" + relay + XCLIENT_EVERYWHERE)
    relays = [d for d in c.diagnostics if d.code == "MP301"]
    assert relays and all(d.span.line == relay.count("\n") + 2 for d in relays)
    assert any("posing with XCLIENT" in d.message and claims in d.message for d in relays)
    assert "smtpd_authorized_xclient_hosts" in relays[0].hint


def test_xclient_for_a_local_proxy_only_is_no_relay(tmp_path) -> None:
    c = compile_text(tmp_path, "local domains example0.com\nsasl dovecot private/auth\nrelay only authenticated\n"
                               "allow user bob as bob@example0.com\nset smtpd_authorized_xclient_hosts = 127.0.0.1\n")
    assert not [d for d in c.diagnostics if d.code == "MP301"]


def test_xclient_cannot_open_what_no_permit_opens(tmp_path) -> None:
    c = compile_text(tmp_path, "local domains example0.com\nrelay nobody\n" + XCLIENT_EVERYWHERE)
    assert not [d for d in c.diagnostics if d.code == "MP301"]


# cleanup(8) rewrites accepted recipients after smtpd's relay check (canonical(5), virtual(5)).
STEERED = r"regexp:{{/^(.*)\.at\.(.*)@example0\.com$$/ $$1@$$2}}"


def rewrites(compilation):
    # virtual_alias_domains defaults to $virtual_alias_maps: a pattern table there is also a
    # (separate, possible) relay-domain finding, which these tests do not count.
    return [d for d in relays(compilation) if "address rewriting" in d.message]


@pytest.mark.parametrize("parameter", ["recipient_canonical_maps", "canonical_maps", "virtual_alias_maps"])
def test_rewriting_to_the_clients_text_relays_at_the_set_line(tmp_path, parameter) -> None:
    c = compile_text(tmp_path, HEAD + f"relay nobody\nset {parameter} = {STEERED}\n")
    (d,) = rewrites(c)
    assert d.is_error and d.span.line == 5 and d.message.startswith("open relay:")
    assert "RCPT TO:<victim.at.gmail.test@example0.com>" in d.message and "to <victim@gmail.test>" in d.message
    assert "exact-key" in d.hint and not c.outputs


def test_rewriting_read_through_a_reference_is_judged_expanded(tmp_path) -> None:
    text = HEAD + f"relay nobody\nset smtp_generic_maps = {STEERED}\nset recipient_canonical_maps = $smtp_generic_maps\n"
    (d,) = relays(compile_text(tmp_path, text))
    assert d.span.line == 6 and d.message.startswith("open relay:")


def test_rewriting_the_compiler_cannot_prove_safe_is_a_possible_relay(tmp_path) -> None:
    table = r"pcre:{{/^(.+)@example0\.com$$/ $$1@gone.example0.com}}"
    (d,) = rewrites(compile_text(tmp_path, HEAD + f"relay nobody\nset virtual_alias_maps = {table}\n"))
    assert d.span.line == 5 and d.message.startswith("possible open relay:") and "address rewriting" in d.message


@pytest.mark.parametrize("table", ["regexp:/etc/postfix/recipient_canonical", "pcre:/etc/postfix/virtual",
                                   "tcp:127.0.0.1:9000", "proxy:socketmap:inet:127.0.0.1:9000:virtual"])
def test_rewriting_by_a_table_it_cannot_read_is_a_stated_assumption(tmp_path, table) -> None:
    c = compile_text(tmp_path, HEAD + f"relay nobody\nset virtual_alias_maps = {table}\n")
    assert rewrites(c) == [] and c.ok
    notes = [d for d in c.diagnostics if d.code == "MP326"]
    assert [d.span.line for d in notes] == [5]
    assert "(virtual_alias_maps) answers only with addresses the administrator chose" in notes[0].message


@pytest.mark.parametrize("table", ["hash:/etc/postfix/virtual", "lmdb:/etc/postfix/canonical",
                                   "inline:{ postmaster@example0.com=admin@elsewhere.test }",
                                   r"regexp:{{/^postmaster@example0\.com$$/ admin@elsewhere.test}}"])
def test_rewriting_the_client_cannot_steer_stays_clean(tmp_path, table) -> None:
    # An alias the administrator wrote to a remote address is forwarding, not relaying.
    c = compile_text(tmp_path, HEAD + f"relay nobody\nset recipient_canonical_maps = {table}\n")
    assert relays(c) == [] and c.ok
    # virtual_alias_domains defaults to $virtual_alias_maps, whose unknown keys are a separate finding.
    assert rewrites(compile_text(tmp_path, HEAD + f"relay nobody\nset virtual_alias_maps = {table}\n")) == []


# A rule whose captured text lands in the local part of a fixed local domain cannot relay
# (simulate/rewrite.py stays_local): the "drop the +extension" rule and a rename within local domains.
@pytest.mark.parametrize("table", [
    r"regexp:{{/^(.*)\+.*@example0\.com$$/ $$1@example0.com}}",
    r"pcre:{{/^([^+]*)\+[^@]*@(example0\.com)$$/ $$1@example0.com}}",
    r"regexp:{{/^(.*)@example0\.com$$/ $$1-old@example0.com}}",
])
def test_rewriting_captured_text_into_a_fixed_local_domain_is_proven_safe(tmp_path, table) -> None:
    assert not relays(compile_text(tmp_path, HEAD + f"relay nobody\nset virtual_alias_maps = {table}\n"))


@pytest.mark.parametrize("table", [
    # `!!` is a positive match again: the rule is read, not dropped.
    r"regexp:{{!!/^(.*)\.at\.(.*)@example0\.com$$/ $$1@$$2}}",
    # Captured text after the pattern's `@` (a suffix of the domain) may route: not covered.
    r"regexp:{{/^(.*)le\.com$$/ $$1@example0.com}}",
    # A literal `@` in the result's local part routes to what follows it.
    r"regexp:{{/^(.*)@example0\.com$$/ $$1@gmail.test@example0.com}}",
])
def test_rewriting_outside_that_proof_is_still_reported(tmp_path, table) -> None:
    (d,) = rewrites(compile_text(tmp_path, HEAD + f"relay nobody\nset virtual_alias_maps = {table}\n"))
    assert d.span.line == 5


# cleanup adds recipients from recipient_bcc_maps (keyed by each recipient) and sender_bcc_maps
# (keyed by the MAIL FROM, which may carry routing: smtpd checks relaying only on RCPT TO).
@pytest.mark.parametrize(("setting", "envelope"), [
    (r"sender_bcc_maps = regexp:{{/^(.*)\.at\.(.*)@/ $$1@$$2}}", "MAIL FROM:<victim.at.gmail.test@"),
    (r"recipient_bcc_maps = regexp:{{/^(.*)\.at\.(.*)@example0\.com$$/ $$1@$$2}}",
     "RCPT TO:<victim.at.gmail.test@example0.com>"),
    (r"sender_bcc_maps = regexp:{{/^(.*)@example0\.com$$/ $$1@example0.com}}",
     "MAIL FROM:<victim%gmail.test@example0.com>"),
])
def test_a_bcc_recipient_built_from_the_clients_text_relays(tmp_path, setting, envelope) -> None:
    (d,) = rewrites(compile_text(tmp_path, HEAD + f"relay nobody\nset {setting}\n"))
    assert d.span.line == 5 and d.message.startswith("open relay:") and envelope in d.message
    assert "adds the recipient" in d.message


@pytest.mark.parametrize("setting", [
    r"recipient_bcc_maps = regexp:{{/^(.*)\+.*@example0\.com$$/ $$1@example0.com}}",
    "always_bcc = archive@elsewhere.test",  # the administrator's fixed address
    "sender_bcc_maps = inline:{ jim@example0.com=archive@elsewhere.test }",
])
def test_a_bcc_the_client_cannot_steer_is_no_relay(tmp_path, setting) -> None:
    assert not relays(compile_text(tmp_path, HEAD + f"relay nobody\nset {setting}\n"))


@pytest.mark.postfix
def test_postfix_adds_the_bcc_recipient_the_client_wrote(tmp_path) -> None:
    """The sender_bcc_maps witness replayed: a client not logged in gets a copy queued for a remote address."""
    import attrs

    from mailpolicy.compiler import emit
    from mailpolicy.sandbox import Sandbox
    from mailpolicy.verify.inputs import sandbox_inputs
    from tests.analyze.test_sender_rewriting import _send
    from tests.postfix_support import require_postfix

    require_postfix()
    c = compile_text(tmp_path, HEAD + "relay nobody\n"
                     + r"set sender_bcc_maps = regexp:{{/^(.*)@example0\.com$$/ $$1@example0.com}}" + "\n")
    (d,) = rewrites(c)
    assert "MAIL FROM:<victim%gmail.test@example0.com>" in d.message
    inputs = sandbox_inputs(attrs.evolve(c, diagnostics=(), outputs=emit(c.plan, c.path)))
    with Sandbox(inputs.main_cf, **inputs.sandbox_kwargs()) as sandbox:
        queue_id = _send(sandbox, None, None, "victim%gmail.test@example0.com", "postmaster@example0.com")
        log = sandbox.wait_log(f"{queue_id}: to=<victim@gmail.test>", timeout=15)
        assert f"{queue_id}: to=<victim@gmail.test>" in log


# REDIRECT/BCC targets the client writes: content checks and access tables (simulate/redirects.py).
@pytest.mark.parametrize(("setting", "parameter", "certain"), [
    (r"header_checks = regexp:{{/^X-To: (.*)/ REDIRECT $$1}}", "header_checks", True),
    (r"header_checks = pcre:{{/^Reply-To: (.*)/ BCC $$1}}", "header_checks", True),
    (r"body_checks = pcre:{{/^forward to (.*)$$/ BCC $$1}}", "body_checks", False),
    (r"smtpd_recipient_restrictions = check_sender_access regexp:{{/^(.*)\.at\.(.*)@/ REDIRECT $$1@$$2}}",
     "smtpd_recipient_restrictions", True),
])
def test_a_redirect_the_client_writes_relays(tmp_path, setting, parameter, certain) -> None:
    c = compile_text(tmp_path, HEAD + f"relay nobody\nset {setting}\n")
    (d,) = relays(c)
    assert d.span.line == 5 and parameter in d.message
    assert d.message.startswith("open relay:" if certain else "possible open relay:")


@pytest.mark.parametrize("setting", [
    r"header_checks = regexp:{{/^Subject: spam/ REDIRECT spam@example0.com}}",
    "header_checks = regexp:/etc/postfix/header_checks",  # not read here: left to what it says
    r"smtpd_recipient_restrictions = check_sender_access regexp:{{/^(.*)@/ PREPEND X-Sender: $$1}}",
])
def test_a_redirect_the_administrator_wrote_whole_is_no_relay(tmp_path, setting) -> None:
    assert not relays(compile_text(tmp_path, HEAD + f"relay nobody\nset {setting}\n"))


@pytest.mark.postfix
def test_postfix_redirects_to_the_address_a_header_names(tmp_path) -> None:
    """The header_checks witness replayed: `X-To: victim@gmail.test` from anyone is queued for that address."""
    import attrs

    from mailpolicy.compiler import emit
    from mailpolicy.sandbox import Sandbox
    from mailpolicy.verify.inputs import sandbox_inputs
    from tests.postfix_support import require_postfix

    require_postfix()
    c = compile_text(tmp_path, HEAD + "relay nobody\n" + r"set header_checks = regexp:{{/^X-To: (.*)/ REDIRECT $$1}}"
                     + "\n")
    (d,) = relays(c)
    assert "`X-To: victim@gmail.test`" in d.message
    inputs = sandbox_inputs(attrs.evolve(c, diagnostics=(), outputs=emit(c.plan, c.path)))
    with Sandbox(inputs.main_cf, **inputs.sandbox_kwargs()) as sandbox:
        client = sandbox.client()
        try:
            client.ehlo("client.test")
            assert client.docmd("MAIL", "FROM:<anyone@elsewhere.test>")[0] == 250
            assert client.docmd("RCPT", "TO:<postmaster@example0.com>")[0] == 250
            assert client.docmd("DATA")[0] == 354
            client.send(b"X-To: victim@gmail.test\r\nSubject: hi\r\n\r\nhello\r\n.\r\n")
            code, reply = client.getreply()
            assert code == 250, reply
            queue_id = reply.decode().rsplit(" ", 1)[-1]
        finally:
            client.quit()
        assert f"{queue_id}: to=<victim@gmail.test>" in sandbox.wait_log(f"{queue_id}: to=<", timeout=15)
