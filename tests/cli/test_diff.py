"""`mailpolicy diff POLICY --against ...`: differences by meaning, not by text.

What diff prints for a deployed folder, file or standard input is data: tests/cases/diff/<case>/
(tests/cases/test_commands.py). What stays here compiles first, reads JSON or calls the API."""

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


def test_json_output(run) -> None:
    result = run("--against", "-", "--format", "json", stdin="mynetworks = 0.0.0.0/0\n")
    data = json.loads(result.stdout)
    (mynetworks,) = [p for p in data["parameters"] if p["name"] == "mynetworks"]
    assert mynetworks["removed"] == ["0.0.0.0/0"] and mynetworks["added"] == ["192.168.1.0/24"]
    assert mynetworks["deployed_at"] == {"file": "postconf -n (stdin)", "line": 1}
    assert data["differences"] is True and data["sender_map"] is None


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
    monkeypatch.setattr("mailpolicy.load.files.MAX_FILE_BYTES", 4096)  # above the policy's own size
    result = run("--against", "-", stdin="biff = no\n" * 500)
    assert result.exit_code == 2 and "standard input is over the limit of 4,096 bytes" in result.stderr
