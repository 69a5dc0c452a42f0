"""A check of the check core says the same on both hosts: a `set` line of a policy and the same line of main.cf.

The hosts differ only in where a finding points (the `set` line's column, or main.cf's line)
and in how a fix is worded; code, message and severity are the check's own.
"""

from __future__ import annotations

import pytest

from mailpolicy.audit.run import audit_config
from tests.audit.config_folder import BASE, config_folder
from tests.helpers import POLICY_HEAD, compile_text

HEAD = POLICY_HEAD + "relay nobody\n"

# name -> (parameter lines, written once for both hosts; the codes compared)
CASES = {
    "a rejection after a bare permit (a warning)": (
        ["smtpd_client_restrictions = permit, reject_rbl_client zen.example"], {"MP307"}),
    "a rejection in a class after a bare permit": (
        ["smtpd_restriction_classes = strict", "strict = permit, reject", "smtpd_recipient_restrictions = strict"],
        {"MP307"}),
    "a class naming itself": (
        ["smtpd_restriction_classes = loop", "loop = loop", "smtpd_client_restrictions = loop"], {"MP340"}),
    "a loop through an access table's result": (
        ["smtpd_restriction_classes = loop", "loop = check_sender_access inline:{ a@x.test=loop }",
         "smtpd_client_restrictions = loop"], {"MP340"}),
    "smtpd cannot start: the recipient list's class includes itself first": (
        ["smtpd_restriction_classes = loop", "loop = loop", "smtpd_recipient_restrictions = loop"], {"MP712"}),
    "another organisation's domain delivered by smtp to its own mail servers": (
        ["virtual_mailbox_domains = gmail.test", "virtual_mailbox_maps = inline:{ victim@gmail.test=x }",
         "virtual_transport = smtp"], {"MP384"}),
}


# name -> (policy lines, the same in main.cf, the codes compared): statements a `set` may not write.
STATEMENT_CASES = {
    "a network that trusts everyone": (["trusted networks 0.0.0.0/0"], ["mynetworks = 0.0.0.0/0"], {"MP302"}),
    "public networks together wider than a /12": (
        ["trusted networks 1.0.0.0/13, 2.0.0.0/13, 3.0.0.0/13"], ["mynetworks = 1.0.0.0/13 2.0.0.0/13 3.0.0.0/13"],
        {"MP325"}),
    "host bits and an IPv4-mapped typo": (
        ["trusted networks 192.168.1.5/24, [::fff:127.0.0.0]/104"],
        ["mynetworks = 192.168.1.5/24 [::fff:127.0.0.0]/104"], {"MP304", "MP305"}),
}


def _said(diagnostics, codes):
    return sorted((d.code, d.message, d.severity.value) for d in diagnostics if d.code in codes)


@pytest.mark.parametrize("name", CASES)
def test_the_same_finding_on_both_hosts(tmp_path, name) -> None:
    lines, codes = CASES[name]
    (tmp_path / "policy").mkdir()
    (tmp_path / "etc").mkdir()
    policy = compile_text(tmp_path / "policy", HEAD + "".join(f"set {line}\n" for line in lines))
    audit = audit_config(config_folder(tmp_path / "etc", BASE + "".join(f"{line}\n" for line in lines)))
    compiled, deployed = _said(policy.diagnostics, codes), _said(audit.diagnostics, codes)
    assert compiled and compiled == deployed
    for finding in (d for d in audit.diagnostics if d.code in codes):
        assert finding.span.path.endswith("main.cf")


@pytest.mark.parametrize("name", STATEMENT_CASES)
def test_a_statement_and_its_main_cf_line_get_the_same_finding(tmp_path, name) -> None:
    statements, main_cf, codes = STATEMENT_CASES[name]
    (tmp_path / "policy").mkdir()
    (tmp_path / "etc").mkdir()
    policy = compile_text(tmp_path / "policy", HEAD + "".join(f"{line}\n" for line in statements))
    base = "".join(line for line in BASE.splitlines(keepends=True) if not line.startswith("mynetworks"))
    audit = audit_config(config_folder(tmp_path / "etc", base + "".join(f"{line}\n" for line in main_cf)))
    compiled, deployed = _said(policy.diagnostics, codes), _said(audit.diagnostics, codes)
    assert {c[0] for c in compiled} == codes and compiled == deployed
