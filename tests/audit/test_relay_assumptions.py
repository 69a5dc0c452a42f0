"""Audit: tables the proof cannot read (SQL, socketmap, files outside the folder) are stated assumptions (MP326).

Issue 16 found MP301 "possible open relay" on 13 of 16 real configurations because of such
domain tables. Each case is the shape of one of those configurations: the findings the proof
must give (code, line), and none other of MP301/MP326. A request that relays whatever the table
holds stays an error.
"""

from __future__ import annotations

import pytest

from mailpolicy.audit.run import audit_config
from tests.audit.config_folder import BASE
from tests.audit.config_folder import config_folder as folder

RELAY_LIST = "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\n"

CASES = {
    # Virtual mailbox/alias domains in SQL (postfixadmin, ISPmail, iRedMail): a domain they list is
    # delivered here, whatever they hold, so there is nothing to assume.
    "sql-virtual-domains": (RELAY_LIST + "virtual_mailbox_domains = pgsql:/etc/postfix/pgsql-domains.cf\n"
                            "virtual_alias_maps = mysql:/etc/postfix/mysql-aliases.cf\n"
                            "virtual_mailbox_maps = mysql:/etc/postfix/mysql-mailboxes.cf\n", []),
    # Mailu's podop socketmap: domains (nothing to assume), aliases (rewriting: assumed to return
    # only what the administrator chose), relay domains (assumed to be backup-MX domains).
    "socketmap": ("podop = socketmap:unix:/tmp/podop.socket:\nvirtual_mailbox_domains = ${podop}domain\n"
                  "virtual_alias_maps = ${podop}alias\nrelay_domains = ${podop}transport\n",
                  [("MP326", 7), ("MP326", 8)]),
    "sql-relay-domains": ("relay_domains = mysql:/etc/postfix/relay.cf\n", [("MP326", 5)]),
    "sql-access-before-relay-check": (
        "smtpd_relay_restrictions = permit_mynetworks, check_recipient_access mysql:/etc/x.cf, "
        "reject_unauth_destination\n", [("MP326", 5)]),
    # A policy server before the relay check: assumed never to say OK for other domains.
    "policy-server": ("smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:10023, "
                      "reject_unauth_destination\n", [("MP326", 5)]),
    # Relaying whatever the table holds: an error, not an assumption (which still holds for the
    # IPv6 clients the cidr table does not list).
    "permit-whatever-the-table": ("relay_domains = mysql:/etc/postfix/relay.cf\n"
                                  "smtpd_relay_restrictions = check_client_access cidr:{{0.0.0.0/0 OK}}, "
                                  "reject_unauth_destination\n", [("MP326", 5), ("MP301", 6)]),
    # The percent hack through an access table in the recipient list: the relay list runs first
    # from compatibility level 3.6 and refuses it; nothing to assume.
    "percent-hack-after-relay-list": ("allow_percent_hack = yes\nsmtpd_recipient_restrictions = "
                                      "check_recipient_access pcre:/etc/postfix/access.pcre, permit\n", []),
}


@pytest.mark.parametrize("name", CASES)
def test_unreadable_tables_are_assumptions_and_relays_errors(tmp_path, name) -> None:
    main_cf, expected = CASES[name]
    audit = audit_config(folder(tmp_path, BASE + main_cf))
    found = [(d.code, d.span.line) for d in audit.diagnostics if d.code in ("MP301", "MP326")]
    assert found == expected, [d.message for d in audit.diagnostics]
    assert all(d.severity.value == "note" for d in audit.diagnostics if d.code == "MP326")


def test_the_note_names_the_table_and_what_it_must_not_do(tmp_path) -> None:
    audit = audit_config(folder(tmp_path, BASE + CASES["sql-access-before-relay-check"][0]))
    (note,) = [d for d in audit.diagnostics if d.code == "MP326"]
    assert note.message == ("the open-relay proof assumes that mysql:/etc/x.cf (check_recipient_access in "
                            "smtpd_relay_restrictions) answers OK (or another permit) only for recipients this "
                            "server receives mail for")
    assert note.span.column == len("smtpd_relay_restrictions = permit_mynetworks, ") + 1
