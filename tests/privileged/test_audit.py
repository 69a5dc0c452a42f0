"""audit reports a deployed main.cf (or an smtpd -o override) that sets a privileged parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.audit.run import audit_config
from mailpolicy.diagnostics import Severity
from tests.audit.config_folder import BASE, STOCK_SMTPD, config_folder

CASES = [
    # (main.cf line, severity of MP412 or None, words the message must hold)
    ("daemon_directory = /home/mallory/bin", Severity.WARNING, "program"),
    ("import_environment = MAIL_CONFIG LD_PRELOAD=/tmp/x.so", Severity.WARNING, "environment"),
    ("mail_owner = mallory", Severity.WARNING, "user"),
    ("queue_directory = /home/mallory/spool", Severity.WARNING, "as root"),
    ("mail_owner = postfix", Severity.NOTE, "default"),
    ("daemon_directory = /usr/lib/postfix/sbin", Severity.NOTE, "default"),
    ("readme_directory = no", None, ""),
    ("smtpd_banner = $myhostname ESMTP", None, ""),
]


@pytest.mark.parametrize(("line", "severity", "words"), CASES, ids=[case[0] for case in CASES])
def test_privileged_main_cf_lines(tmp_path: Path, line: str, severity, words: str) -> None:
    found = [d for d in audit_config(config_folder(tmp_path, BASE + line + "\n")).diagnostics if d.code == "MP412"]
    if severity is None:
        assert found == []
        return
    (diagnostic,) = found
    assert diagnostic.severity is severity
    assert (diagnostic.span.line, diagnostic.span.column) == (len(BASE.splitlines()) + 1, 1)
    assert words in diagnostic.message


def test_an_smtpd_override_is_reported_in_master_cf(tmp_path: Path) -> None:
    master = STOCK_SMTPD.rstrip("\n") + " -o import_environment=LD_PRELOAD=/tmp/x.so\n"
    found = [d for d in audit_config(config_folder(tmp_path, BASE, master)).diagnostics if d.code == "MP412"]
    assert [Path(d.span.path).name for d in found] == ["master.cf"]
    assert found[0].severity is Severity.WARNING
