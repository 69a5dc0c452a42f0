"""The audit reads lookup tables only inside the audited folder: main.cf cannot make it print any file."""

from __future__ import annotations

import os
from pathlib import Path

from mailpolicy.audit.run import audit_config
from mailpolicy.diagnostics.render_text import render_text

STOCK_MASTER = "smtp      inet  n       -       y       -       -       smtpd\n"
SECRET = "root:$6$secret-hash-line:19000:0:99999:7:::"


def _main_cf(maps: str) -> str:
    return ("mynetworks = 127.0.0.0/8\nsmtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\n"
            "smtpd_sasl_path = private/auth\n"
            f"smtpd_sender_login_maps = {maps}\n"
            "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\n"
            "smtpd_sender_restrictions = reject_sender_login_mismatch\n")


def _audit_text(folder: Path) -> tuple[str, list[str]]:
    audit = audit_config(folder)
    lines = {s.path: s for s in audit.sources}
    text = render_text(audit.diagnostics, lambda path, n: lines[path].line_text(n) if path in lines else None)
    return text, [d.code for d in audit.diagnostics]


def test_a_table_outside_the_folder_is_not_read_or_shown(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "shadow"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n")
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "main.cf").write_text(_main_cf(f"hash:{secret}"))
    (folder / "master.cf").write_text(STOCK_MASTER)
    text, codes = _audit_text(folder)
    assert "MP705" in codes
    assert "secret-hash-line" not in text


def test_a_symlink_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(SECRET + "\n")
    folder = tmp_path / "etc"
    folder.mkdir()
    os.symlink(secret, folder / "senders")
    (folder / "main.cf").write_text(_main_cf("hash:/etc/postfix/senders"))
    (folder / "master.cf").write_text(STOCK_MASTER)
    text, codes = _audit_text(folder)
    assert "MP705" in codes
    assert "secret-hash-line" not in text


def test_a_table_inside_the_folder_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "senders").write_text("jcricket@example0.com jimminey\n")
    (folder / "main.cf").write_text(_main_cf("hash:/etc/postfix/senders"))
    (folder / "master.cf").write_text(STOCK_MASTER)
    _, codes = _audit_text(folder)
    assert "MP705" not in codes
