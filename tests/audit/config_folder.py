"""Write a Postfix configuration folder for audit and import tests."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import write_files

STOCK_SMTPD = "smtp inet n - y - - smtpd\n"
BASE = """\
myhostname = mx.example0.com
mydestination = $myhostname, example0.com, localhost
mynetworks = 127.0.0.0/8 [::1]/128
compatibility_level = 3.6
"""
SASL = BASE + """\
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sender_login_maps = hash:/etc/postfix/senders
smtpd_sender_restrictions = reject_sender_login_mismatch
"""


def config_folder(tmp_path: Path, main_cf: str, master_cf: str | None = STOCK_SMTPD, **files: str) -> Path:
    """Write main.cf, master.cf (unless None) and other files (name=text) into tmp_path; return it."""
    master = {} if master_cf is None else {"master.cf": master_cf}
    return write_files(tmp_path, {"main.cf": main_cf, **master, **files})
