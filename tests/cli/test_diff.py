"""`mailpolicy diff POLICY --against ...`: differences by meaning, not by text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.audit.files import read_config
from mailpolicy.cli import cli
from tests.helpers import keyword_files, write_files

POLICY = """postfix 3.7
hostname mx.example0.com
local domains example0.com
trusted networks only 192.168.1.0/24
sasl dovecot private/auth
relay only authenticated
allow user jimminey as jcricket@example0.com
allow user ops as @example0.com
"""
MAP = "controlled_envelope_senders"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.mailpolicy").write_text(POLICY)

    def invoke(*args: str, stdin: str | None = None, **files: str):
        write_files(tmp_path, keyword_files(files))
        return CliRunner().invoke(cli, ["diff", "site.mailpolicy", *args], input=stdin)

    return invoke


def test_what_compile_writes_has_no_differences(run) -> None:
    assert CliRunner().invoke(cli, ["compile", "site.mailpolicy", "-o", "deployed"]).exit_code == 0
    result = run("--against", "deployed", **{"deployed__master.cf": "# stock\n"})
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("no differences\n")


def test_a_removed_permit_is_named_entry_by_entry(run) -> None:
    deployed = ("smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,\n"
                "    reject_unauth_destination\n")
    result = run("--against", "-", stdin=deployed)
    assert result.exit_code == 1
    assert "~ smtpd_relay_restrictions (postconf -n (stdin):1)\n" in result.stdout
    assert "    - permit_mynetworks removed from smtpd_relay_restrictions\n" in result.stdout
    assert "+ permit_sasl_authenticated" not in result.stdout, "an entry in both is no difference"


def test_restriction_order_is_a_difference_and_layout_is_not(run) -> None:
    deployed = ("smtpd_relay_restrictions = reject_unauth_destination permit_sasl_authenticated\n"
                "mynetworks = 192.168.1.0/24,\n\t127.0.0.0/8\n")
    result = run("--against", "main.cf", **{"main.cf": deployed})
    assert "    order: reject_unauth_destination permit_sasl_authenticated -> " \
           "permit_sasl_authenticated, reject_unauth_destination\n" in result.stdout
    assert "~ mynetworks (main.cf:2)\n    - 127.0.0.0/8 removed from mynetworks\n" in result.stdout
    assert "192.168.1.0/24 added" not in result.stdout


def test_scalars_and_defaults(run) -> None:
    result = run("--against", "-", stdin="smtpd_sasl_type = cyrus\nsmtpd_sasl_auth_enable=yes\n")
    assert "~ smtpd_sasl_type (postconf -n (stdin):1): cyrus -> dovecot\n" in result.stdout
    assert "smtpd_sasl_auth_enable" not in result.stdout
    assert "~ smtpd_sasl_path: not set (Postfix's default, smtpd) -> private/auth\n" in result.stdout


def test_a_managed_parameter_the_policy_leaves_unset_is_shown(run) -> None:
    (Path("site.mailpolicy")).write_text("postfix 3.7\nhostname mx.example0.com\nrelay nobody\n")
    result = run("--against", "-", stdin="smtpd_sasl_auth_enable = yes\nbiff = no\n")
    assert "~ smtpd_sasl_auth_enable (postconf -n (stdin):1): yes -> unset by the policy " \
           "(Postfix's default, no)\n" in result.stdout
    assert result.stdout.endswith("; 1 other deployed parameter not managed by the policy\n")


def test_sender_map_entries_added_removed_and_changed(run) -> None:
    files = {"etc__main.cf": f"smtpd_sender_login_maps = hash:/etc/postfix/{MAP}\n",
             f"etc__{MAP}": "# deployed\nJCricket@example0.com  bob\nold@example0.com\talice, carol\n"}
    result = run("--against", "etc", **files)
    assert result.exit_code == 1
    assert (f"~ sender login map etc/{MAP}\n"
            "    + @example0.com owned by ops\n"
            "    - old@example0.com (owned by alice, carol) removed\n"
            "    ~ jcricket@example0.com owners: bob -> jimminey\n") in result.stdout


def test_no_deployed_map_shows_every_entry_as_added(run) -> None:
    result = run("--against", "etc", **{"etc__main.cf": "biff = no\n"})
    assert "~ sender login map (no sender login map deployed)\n    + @example0.com owned by ops\n" in result.stdout


def test_an_unreadable_map_is_a_note_and_a_main_cf_alone_cannot_compare_it(run) -> None:
    result = run("--against", "etc", **{"etc__main.cf": f"smtpd_sender_login_maps = hash:/etc/postfix/{MAP}\n"})
    assert f"note: sender login map not compared: cannot read etc/{MAP}" in result.stdout
    alone = run("--against", "etc/main.cf")
    assert "note: sender login map not compared: give --against the folder that holds it" in alone.stdout


def test_json_output(run) -> None:
    result = run("--against", "-", "--format", "json", stdin="mynetworks = 0.0.0.0/0\n")
    data = json.loads(result.stdout)
    (mynetworks,) = [p for p in data["parameters"] if p["name"] == "mynetworks"]
    assert mynetworks["removed"] == ["0.0.0.0/0"] and mynetworks["added"] == ["192.168.1.0/24"]
    assert mynetworks["deployed_at"] == {"file": "postconf -n (stdin)", "line": 1}
    assert data["differences"] is True and data["sender_map"] is None


def test_unreadable_deployed_file_is_an_io_error(run) -> None:
    result = run("--against", "nowhere/main.cf")
    assert result.exit_code == 2 and "cannot read nowhere/main.cf" in result.stderr


def test_a_policy_with_errors_is_reported_not_compared(run) -> None:
    Path("site.mailpolicy").write_text("postfix 3.7\ntrusted networks 0.0.0.0/0\n")
    result = run("--against", "-", stdin="")
    assert result.exit_code == 1 and "MP302" in result.stderr and result.stdout == ""


def test_the_map_is_read_from_the_folder_by_the_audits_rule(run, tmp_path: Path) -> None:
    main_cf = f"config_directory = /srv/pf/\nsmtpd_sender_login_maps = hash:/srv/pf/./{MAP}\n"
    result = run("--against", "etc", **{"etc__main.cf": main_cf, f"etc__{MAP}": "old@example0.com alice\n"})
    assert f"~ sender login map etc/{MAP}\n" in result.stdout
    assert "    - old@example0.com (owned by alice) removed\n" in result.stdout
    # The same rule the audit reads tables by: outside config_directory is read where it is.
    files = read_config(tmp_path / "etc")
    assert files.table_path(f"/srv/pf/{MAP}") == tmp_path / "etc" / MAP
    assert files.table_path("/srv/pf/../shadow") == Path("/srv/shadow")


def test_a_deployed_main_cf_that_is_a_device_or_too_large_is_refused(run, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("--against", "/dev/zero")
    assert result.exit_code == 2 and "cannot read /dev/zero: /dev/zero is not a regular file" in result.stderr
    monkeypatch.setattr("mailpolicy.load.loader.MAX_FILE_BYTES", 4096)  # above the policy's own size
    result = run("--against", "-", stdin="biff = no\n" * 500)
    assert result.exit_code == 2 and "standard input is over the limit of 4,096 bytes" in result.stderr
