"""MP323 on a deployed configuration: the check core's sender rewriting check (checks/sender_rewriting.py).

The live cases tests/corpus/audit_attacks/*masquerade* show the forgery and the safe exception on
Postfix 3.7; these pin which daemon's value the audit reads and when it says nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.audit.run import audit_config

MAIN = """\
compatibility_level = 3.6
mynetworks = 127.0.0.1/32
myhostname = mx.example0.com
mydestination = example0.com
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sender_login_maps = hash:/etc/postfix/senders
smtpd_sender_restrictions = reject_sender_login_mismatch
"""
SMTP = "smtp      inet  n       -       y       -       -       smtpd"


def audit(tmp_path: Path, main: str, master: str = SMTP, senders: str = "ceo@example0.com boss\n"):
    (tmp_path / "main.cf").write_text(MAIN + main)
    (tmp_path / "master.cf").write_text(master + "\n")
    (tmp_path / "senders").write_text(senders)
    return [d for d in audit_config(tmp_path).diagnostics if d.code == "MP323"]


def test_masquerade_domains_in_main_cf_is_reported_at_its_line(tmp_path) -> None:
    (found,) = audit(tmp_path, "masquerade_domains = example0.com\n")
    assert found.is_error and (Path(found.span.path).name, found.span.line) == ("main.cf", 10)
    assert "<ceo@masq.example0.com> has no owner" in found.message and "<ceo@example0.com>" in found.message


def test_an_smtpd_o_masquerade_domains_is_not_what_cleanup_runs_with(tmp_path) -> None:
    # cleanup reads masquerade_domains (src/cleanup/cleanup_init.c), smtpd never: its -o changes nothing.
    assert audit(tmp_path, "", SMTP + " -o masquerade_domains=example0.com") == []


@pytest.mark.parametrize("main", [
    "masquerade_domains = example0.com\nmasquerade_exceptions = ceo\n",
    "masquerade_domains = example0.com\nmasquerade_classes = envelope_recipient\n",
    "masquerade_domains = !sub.example0.com, example0.com\nmasquerade_exceptions = ceo\n",
])
def test_masquerading_that_leaves_owned_senders_alone_is_not_reported(tmp_path, main) -> None:
    assert audit(tmp_path, main) == []


def test_without_a_login_check_there_is_nothing_to_undo(tmp_path) -> None:
    # Any client may use <ceo@example0.com> itself: masquerading gives it nothing more.
    main = "masquerade_domains = example0.com\nsmtpd_sender_restrictions = permit\n"
    assert audit(tmp_path, main) == []


def test_a_sender_canonical_pattern_is_judged_like_the_compiled_policy(tmp_path) -> None:
    main = "recipient_delimiter = +\nsender_canonical_maps = regexp:{ {/^bob\\+(.*)@(.*)$$/ $$1@$$2} }\n"
    (found,) = audit(tmp_path, main, senders="ceo@example0.com ceo\nbob@example0.com bob\n")
    assert found.is_error and found.span.line == 11
    assert "logged in as bob can send as <ceo@example0.com>" in found.message, found.message


def test_a_cleanup_o_sender_canonical_table_is_noted_where_it_is_written(tmp_path) -> None:
    master = SMTP + "\ncleanup   unix  n       -       y       -       0       cleanup -o sender_canonical_maps=hash:/etc/postfix/canonical"
    (found,) = audit(tmp_path, "", master)
    assert Path(found.span.path).name == "master.cf" and found.span.line == 2, found
