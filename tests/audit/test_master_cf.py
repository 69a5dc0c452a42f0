"""master.cf reader: services, chroot column, -o overrides with their lines and columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.postfix.master_cf import read_master_cf
from tests.postfix_support import missing_prerequisite

# Debian's pristine master.cf: postfix's postinst copies it to /etc/postfix/master.cf when there is
# none, so it is the stock file whatever the administrator did to /etc/postfix since.
STOCK = Path("/usr/share/postfix/master.cf.dist")

SUBMISSION = """\
# comment
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
# a comment inside the logical line does not end it
  -o { smtpd_relay_restrictions = permit_sasl_authenticated, reject }
  -osmtpd_tls_security_level=encrypt
127.0.0.1:10025 inet n - - - - smtpd -o mynetworks=127.0.0.0/8
pickup    unix  n       -       y       60      1       pickup
"""


def test_services_and_overrides_are_located():
    master = read_master_cf(SUBMISSION, "master.cf")
    assert master.diagnostics == ()
    assert [s.label for s in master.services] == ["smtp/inet", "submission/inet", "127.0.0.1:10025/inet", "pickup/unix"]
    assert [s.label for s in master.smtpd_services] == ["smtp/inet", "submission/inet", "127.0.0.1:10025/inet"]
    submission = master.services[1]
    assert [(o.name, o.value, o.span.line, o.span.column) for o in submission.overrides] == [
        ("syslog_name", "postfix/submission", 4, 6),
        ("smtpd_relay_restrictions", "permit_sasl_authenticated, reject", 6, 8),
        ("smtpd_tls_security_level", "encrypt", 7, 5),
    ]
    relay = submission.override("smtpd_relay_restrictions")
    line = SUBMISSION.splitlines()[5]
    assert line[relay.value_span.column - 1:relay.value_span.end_column - 1] == "permit_sasl_authenticated, reject"
    assert submission.span.line == 3 and submission.chroot_span.line == 3


def test_chroot_column_default_depends_on_version():
    master = read_master_cf(SUBMISSION, "master.cf")
    loopback = master.services[2]
    assert loopback.chroot == "-"
    assert not loopback.chrooted((3, 7)) and loopback.chrooted((2, 11))
    assert master.services[0].chrooted((3, 7))


@pytest.mark.parametrize("text, message", [
    ("smtp inet n - y - -\n", "needs 8 fields"),
    ("smtp tcp n - y - - smtpd\n", "not a service type"),
    ("smtp inet n - y - - smtpd -o\n", "not followed by name=value"),
    ("smtp inet n - y - - smtpd -o nothing\n", "is not name=value"),
    ("smtp inet n - y - - smtpd -o {a = b\n", "not closed"),
])
def test_malformed_lines_are_reported(text, message):
    master = read_master_cf(text, "master.cf")
    assert [d.code for d in master.diagnostics][:1] == ["MP707"]
    assert message in master.diagnostics[0].message
    assert master.diagnostics[0].span.line == 1


def test_debian_stock_master_cf_reads_clean():
    if not STOCK.exists():
        missing_prerequisite(f"Debian's stock master.cf ({STOCK}, from the postfix package) is not installed")
    master = read_master_cf(STOCK.read_text(), str(STOCK))
    assert master.diagnostics == ()
    assert [s.label for s in master.smtpd_services] == ["smtp/inet"]
    assert master.smtpd_services[0].chrooted()
