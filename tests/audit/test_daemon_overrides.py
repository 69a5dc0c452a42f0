"""Which daemon reads a master.cf -o: smtpd, trivial-rewrite or cleanup (postfix/daemons.py).

The live cases (tests/corpus/audit_attacks, test_audit_attacks.py) show each on Postfix 3.7; these
pin the view the checks read and the warning (MP357) at an smtpd -o that no daemon acting on it sees.
"""

from __future__ import annotations

from mailpolicy.audit.run import audit_config
from mailpolicy.audit.effective import ServiceView, with_helpers
from mailpolicy.postfix.main_cf import read_main_cf
from mailpolicy.postfix.master_cf import read_master_cf

MAIN = "myhostname = mx.example0.com\nrelay_domains = main.example\nmasquerade_domains = example0.com\n"
MASTER = """\
smtp      inet  n - y - - smtpd -o relay_domains=smtpd.example -o mynetworks=127.0.0.1/32
submission inet n - y - - smtpd -o rewrite_service_name=rewrite2 -o cleanup_service_name=pre-cleanup
rewrite   unix  - - y - - trivial-rewrite
rewrite2  unix  - - y - - trivial-rewrite -o relay_domains=rewrite2.example
cleanup   unix  n - y - 0 cleanup -o masquerade_domains=cleanup.example
pre-cleanup unix n - y - 0 cleanup -o virtual_alias_maps=hash:/etc/postfix/pre
"""


def views() -> dict[str, ServiceView]:
    main, master = read_main_cf(MAIN, "main.cf"), read_master_cf(MASTER, "master.cf")
    return {s.name: with_helpers(ServiceView(main, s), master) for s in master.smtpd_services}


def test_each_parameter_has_the_value_of_the_daemon_that_reads_it() -> None:
    smtp, submission = views()["smtp"], views()["submission"]
    # smtpd's own -o of relay_domains is not trivial-rewrite's: main.cf's stays.
    assert smtp.value("relay_domains") == "main.example"
    assert smtp.value("mynetworks") == "127.0.0.1/32"  # smtpd reads it itself
    assert smtp.value("masquerade_domains") == "cleanup.example"  # the cleanup service's -o
    # The services a submission -o names are the ones asked.
    assert submission.value("relay_domains") == "rewrite2.example"
    assert submission.value("masquerade_domains") == "example0.com"  # pre-cleanup does not set it
    assert [o.name for o in submission.cleanup_overrides] == ["virtual_alias_maps"]
    assert smtp.origin("relay_domains").override is None
    assert submission.origin("relay_domains").override.span.line == 4


def test_an_smtpd_override_no_acting_daemon_reads_is_a_warning_at_its_line(tmp_path) -> None:
    (tmp_path / "main.cf").write_text(MAIN)
    (tmp_path / "master.cf").write_text(MASTER + "127.0.0.1:10025 inet n - n - - smtpd -o virtual_alias_maps=\n")
    found = [(d.span.line, d.span.column, d.severity.value, d.message)
             for d in audit_config(tmp_path).diagnostics if d.code == "MP357"]
    assert [(line, column, severity) for line, column, severity, _ in found] == [(1, 36, "warning"), (7, 41, "warning")]
    assert "changes nothing for its mail: trivial-rewrite acts on relay_domains, with main.cf's value and the " \
           "rewrite service's -o" in found[0][3]
    assert "changes only which recipients smtpd counts as listed" in found[1][3]
