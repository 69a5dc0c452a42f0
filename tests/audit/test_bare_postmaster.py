"""MP336 in the audit: a deployed configuration that checks sender logins, but not where mail to the bare postmaster is decided.

The class is measured on Postfix 3.7 in tests/e2e/test_bare_postmaster_live.py (without
smtpd_data_restrictions the forged message is queued) and replayed end to end by
tests/corpus/adversarial/postmaster-01.case; these cases say which configurations have it.
"""

from __future__ import annotations

import pytest

from mailpolicy.audit.run import audit_config
from tests.audit.config_folder import SASL
from tests.audit.config_folder import config_folder as folder

SENDERS = {"senders": "jcricket@example0.com jimminey\n"}
CASES = {
    # The seed's lesson applied to main.cf only: the login check in the sender list, none at DATA.
    "sender-list-only": (SASL, SENDERS, [9]),
    "checked-at-data-too": (SASL + "smtpd_data_restrictions = reject_unauth_pipelining, "
                                   "reject_sender_login_mismatch\n", SENDERS, []),
    # A map the audit cannot read: the finding names a sample owned address.
    "unreadable-map": (SASL.replace("hash:/etc/postfix/senders", "mysql:/etc/postfix/senders.cf"), {}, [9]),
    # No login check anywhere: MP317 says so; this check has nothing to add.
    "no-login-check": (SASL.replace("smtpd_sender_restrictions = reject_sender_login_mismatch\n", ""), SENDERS, []),
    # Anonymous clients may use owned addresses everywhere (a permit first): not this check's finding.
    "permit-before-the-check": (SASL.replace("= reject_sender_login_mismatch", "= permit, reject_sender_login_mismatch"),
                                SENDERS, []),
}


@pytest.mark.parametrize("name", CASES)
def test_the_bare_postmaster_forgery_is_found_in_deployed_configurations(tmp_path, name) -> None:
    main_cf, files, lines = CASES[name]
    audit = audit_config(folder(tmp_path, main_cf, **files))
    found = [d for d in audit.diagnostics if d.code == "MP336"]
    assert [d.span.line for d in found] == lines, [d.message for d in audit.diagnostics]
    assert all(d.is_error and "RCPT TO:<postmaster>" in d.message for d in found)


def test_the_finding_names_the_owned_address_or_a_sample_of_one(tmp_path) -> None:
    (d,) = [d for d in audit_config(folder(tmp_path / "a", SASL, **SENDERS)).diagnostics if d.code == "MP336"]
    assert "send as <jcricket@example0.com> to the bare postmaster" in d.message
    assert "reject_sender_login_mismatch to smtpd_data_restrictions" in d.hint
    unreadable = SASL.replace("hash:/etc/postfix/senders", "mysql:/etc/postfix/senders.cf")
    (d,) = [d for d in audit_config(folder(tmp_path / "b", unreadable)).diagnostics if d.code == "MP336"]
    assert "an address the sender login map gives an owner" in d.message


def test_relay_domains_are_judged_in_the_audit_too(tmp_path) -> None:
    # MP324 (checks/relay_declaration.py) runs on deployed configurations as on compiled policies.
    audit = audit_config(folder(tmp_path, SASL.replace("smtpd_sasl_auth_enable", "relay_domains = com, "
                                                       "backup.example0.com\nsmtpd_sasl_auth_enable") , **SENDERS))
    found = [(d.code, d.span.line, d.span.column) for d in audit.diagnostics if d.code in ("MP324", "MP301")]
    assert found == [("MP324", 5, 17)], [d.message for d in audit.diagnostics]
