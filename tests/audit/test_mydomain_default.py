"""mydomain's default as the audit's view reads it: mail_params.c check_mydomainname().

Postfix derives mydomain from myhostname (what follows its first dot, "localdomain" without one),
so `localhost.$mydomain` in mydestination names a domain of the configuration, not of the machine
the audit runs on (Zentyal's main.cf sets myhostname and leaves mydomain to this default).
"""

from __future__ import annotations

import subprocess

import pytest

from mailpolicy.audit.effective import ServiceView
from mailpolicy.postfix.main_cf import read_main_cf
from mailpolicy.postfix.master_cf import read_master_cf


def _view(main: str) -> ServiceView:
    master = read_master_cf("smtp inet n - y - - smtpd\n", "master.cf")
    return ServiceView(read_main_cf(main, "main.cf"), master.smtpd_services[0])


@pytest.mark.parametrize(("main", "expected"), [
    ("myhostname = mail.example0.com\n", "example0.com"),
    ("myhostname = mx.mail.example0.com\n", "mail.example0.com"),
    ("myhostname = vm\n", "localdomain"),
    ("myhostname = mail.example0.com\nmydomain = example1.com\n", "example1.com"),
    # The machine's name decides: the audit does not depend on the machine it runs on.
    ("", ""),
    ("myhostname = mail.$mydomain\n", ""),
])
def test_mydomain_follows_myhostname_as_postfix_derives_it(main: str, expected: str) -> None:
    assert _view(main).value("mydomain") == expected


def test_localhost_dot_mydomain_in_mydestination_expands_with_it() -> None:
    view = _view("myhostname = mail.example0.com\nmydestination = $myhostname, localhost.$mydomain, localhost\n")
    assert [w.text for w in view.words("mydestination")] == ["mail.example0.com", "localhost.example0.com", "localhost"]


@pytest.mark.parametrize("hostname", ["mail.example0.com", "mx.mail.example0.com", "vm"])
def test_postconf_derives_the_same(hostname: str, requires_postconf, tmp_path) -> None:
    (tmp_path / "main.cf").write_text(f"myhostname = {hostname}\n", encoding="utf-8")
    (tmp_path / "master.cf").write_text("smtp inet n - y - - smtpd\n", encoding="utf-8")
    found = subprocess.run(["postconf", "-c", str(tmp_path), "-h", "mydomain"], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert _view(f"myhostname = {hostname}\n").value("mydomain") == found
