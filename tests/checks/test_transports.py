"""Transports (MP384, MP385): mail accepted from anyone for a domain that is not the policy's own, sent on by smtp/lmtp.

Each case is a policy's `set` lines and the codes the check must give (an empty set: nothing at all
from it). The live counterpart is tests/corpus/adversarial/transport-*.case.
"""

from __future__ import annotations

import pytest

from mailpolicy.audit.run import audit_config
from mailpolicy.checks.route_judge import nexthop_hosts
from tests.audit.config_folder import BASE, config_folder
from tests.helpers import POLICY_HEAD, compile_text

HEAD = POLICY_HEAD + "relay nobody\n"


def _policy(lines: list[str]) -> str:
    """Return the policy: `+domain` adds a local domain (mydestination), anything else is a `set` line."""
    added = [line[1:] for line in lines if line.startswith("+")]
    head = HEAD.replace("local domains example0.com", ", ".join(["local domains example0.com", *added]))
    return head + "".join(f"set {line}\n" for line in lines if not line.startswith("+"))
CODES = {"MP384", "MP385"}

# name -> (set lines, {(code, line of the policy)})
CASES = {
    "a foreign virtual mailbox domain to smtp (MX lookup)": (
        ["virtual_mailbox_domains = gmail.test", "virtual_mailbox_maps = inline:{ victim@gmail.test=x }",
         "virtual_transport = smtp"], {("MP384", 7)}),
    "a foreign local domain to a host inside it": (
        ["+gmail.test", "local_transport = smtp:[mx.gmail.test]"],
        {("MP384", 5)}),
    "transport_maps sends a foreign local domain to its MX": (
        ["+hosted.example",
         "transport_maps = inline:{ hosted.example=smtp: }"], {("MP384", 5)}),
    "a pattern transport table matching the full address": (
        ["+gmail.test",
         "transport_maps = regexp:{ {/@gmail\\.test$$/ relay:} }"], {("MP384", 5)}),
    "a content filter without nexthop sends every recipient to its domain": (
        ["virtual_mailbox_domains = gmail.test", "virtual_mailbox_maps = inline:{ victim@gmail.test=x }",
         "content_filter = smtp:"], {("MP384", 7)}),
    "an access table's FILTER action": (
        ["virtual_mailbox_domains = gmail.test", "virtual_mailbox_maps = inline:{ victim@gmail.test=x }",
         "smtpd_recipient_restrictions = check_sender_access inline:{ {anyone@elsewhere.test=FILTER smtp:} },"
         " reject_unauth_destination"], {("MP384", 7)}),
    "a FILTER action keyed on another sender: the witness sends as that key": (
        ["virtual_mailbox_domains = gmail.test", "virtual_mailbox_maps = inline:{ victim@gmail.test=x }",
         "smtpd_recipient_restrictions = check_sender_access inline:{ {chosen@partner.test=FILTER relay:} },"
         " reject_unauth_destination"], {("MP384", 7)}),
    "a FILTER action keyed on a client no sample is: an assumption": (
        ["virtual_mailbox_domains = gmail.test", "virtual_mailbox_maps = inline:{ victim@gmail.test=x }",
         "smtpd_recipient_restrictions = check_client_access inline:{ {192.0.2.77=FILTER smtp:} },"
         " reject_unauth_destination"], {("MP385", 7)}),
    "the own domain to an inner host": (["local_transport = smtp:[mail.example0.com]"], set()),
    "the own domain to its MX (a loop, not a relay)": (["local_transport = smtp"], set()),
    "a foreign domain to a private address": (
        ["+hosted.example", "local_transport = smtp:[10.1.2.3]"],
        set()),
    "a content filter on loopback (amavis)": (["content_filter = smtp:[127.0.0.1]:10024"], set()),
    "lmtp to a unix socket": (
        ["virtual_mailbox_domains = gmail.test", "virtual_transport = lmtp:unix:private/dovecot-lmtp"], set()),
    "a foreign domain to a public address nobody can place": (
        ["+hosted.example",
         "local_transport = smtp:[192.0.2.7]"], {("MP385", 5)}),
    "a transport master.cf does not show": (
        ["+hosted.example", "local_transport = mystery"],
        {("MP385", 5)}),
    "a transport table not read here": (
        ["+hosted.example",
         "transport_maps = hash:/etc/postfix/transport"], {("MP385", 5)}),
    "a domain table not read here, sent by MX": (
        ["virtual_mailbox_domains = pgsql:/etc/postfix/domains.cf", "virtual_transport = smtp"], {("MP385", 5)}),
    "a domain table not read here, delivered by lmtp on this host": (
        ["virtual_mailbox_domains = pgsql:/etc/postfix/domains.cf", "virtual_transport = lmtp:unix:private/lmtp"],
        set()),
}


@pytest.mark.parametrize("name", CASES)
def test_transport_routes(tmp_path, name) -> None:
    lines, expected = CASES[name]
    result = compile_text(tmp_path, _policy(lines))
    got = {(d.code, d.span.line) for d in result.diagnostics if d.code in CODES}
    assert got == expected, [d.message for d in result.diagnostics if d.code in CODES]


def test_the_error_names_a_witness_the_simulator_accepts(tmp_path) -> None:
    result = compile_text(tmp_path, _policy(["+gmail.test", "local_transport = relay"]))
    [finding] = [d for d in result.diagnostics if d.code == "MP384"]
    assert "anonymous from 203.0.113.9" in finding.message and "@gmail.test> is accepted" in finding.message


def test_a_filter_witness_meets_the_action(tmp_path) -> None:
    lines = CASES["a FILTER action keyed on another sender: the witness sends as that key"][0]
    [finding] = [d for d in compile_text(tmp_path, _policy(lines)).diagnostics if d.code == "MP384"]
    assert "sending as <chosen@partner.test> to <victim@gmail.test>" in finding.message


def test_a_deployed_master_cf_decides_what_a_transport_is(tmp_path) -> None:
    main = BASE.replace("example0.com, localhost", "example0.com, gmail.test, localhost")
    smtpd = "smtp inet n - y - - smtpd\n"
    onward = audit_config(config_folder(tmp_path / "a", main + "local_transport = outbound\n",
                                        smtpd + "outbound unix - - y - - smtp\n"))
    piped = audit_config(config_folder(tmp_path / "b", main + "local_transport = outbound\n",
                                       smtpd + "outbound unix - n n - - pipe flags=R user=mail argv=/bin/true\n"))
    assert "MP384" in {d.code for d in onward.diagnostics}
    assert not {d.code for d in piped.diagnostics} & CODES


@pytest.mark.parametrize("nexthop, hosts", [
    ("[mx.example.com]:25", ["mx.example.com"]),
    ("inet:lmtp.example.com:24", ["lmtp.example.com"]),
    ("unix:private/dovecot-lmtp", [None]),
    ("[ipv6:2001:db8::1]:25", ["2001:db8::1"]),
    ("a.example, [b.example]", ["a.example", "b.example"]),
    ("Example.COM.", ["example.com"]),
])
def test_nexthop_forms(nexthop, hosts) -> None:
    assert nexthop_hosts(nexthop) == hosts
