"""Audit checks on hand-written main.cf / master.cf folders: each finding at its file, line and column.

Most audit cases are data: tests/cases/audit/<case>/ holds the configuration and audit.ref what
`mailpolicy audit` prints (tests/cases/test_commands.py). What stays here needs the API, a
version the command line does not take, or a JSON/GitHub document read field by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.audit.files import ConfigUnreadable
from mailpolicy.audit.run import audit_config
from mailpolicy.cli import cli
from tests.audit.config_folder import BASE, SASL
from tests.audit.config_folder import config_folder as folder


def findings(path: Path, **options) -> list[tuple[str, str, int, int]]:
    """Return (code, file name, line, column) of every diagnostic, in report order."""
    return [(d.code, Path(d.span.path).name, d.span.line, d.span.column) if d.span else (d.code, "", 0, 0)
            for d in audit_config(path, **options).diagnostics]


def test_missing_configuration_raises(tmp_path):
    with pytest.raises(ConfigUnreadable):
        audit_config(tmp_path / "nowhere")
    with pytest.raises(ConfigUnreadable):
        audit_config(tmp_path)  # a folder without main.cf


def test_parameter_names_are_checked_against_the_target_version(tmp_path):
    main = BASE + "smtpd_relay_restrictions = reject_unauth_destination\n"
    assert findings(folder(tmp_path, main), version="3.7") == []
    assert ("MP403", "main.cf", 5, 1) in findings(folder(tmp_path, main), version="2.9")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_exit_codes_and_formats(tmp_path):
    (tmp_path / "clean").mkdir()
    (tmp_path / "broken").mkdir()
    clean = folder(tmp_path / "clean", BASE)
    broken = folder(tmp_path / "broken", BASE.replace("127.0.0.0/8", "0.0.0.0/0"))
    assert run("audit", str(clean)).exit_code == 0
    result = run("audit", str(broken), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [(d["code"], d["location"]["line"]) for d in document["diagnostics"]] == [("MP301", 3), ("MP302", 3)]
    github = run("audit", str(broken), "--format", "github")
    assert github.stdout.startswith("::error file=") and "line=3" in github.stdout
    assert run("audit", str(tmp_path / "missing")).exit_code == 2
    assert run("audit", str(clean), "--postfix", "9.9").exit_code == 2


@pytest.mark.parametrize("restriction, says, anyone", [
    # Measured on Postfix 3.7 (tests/e2e/test_simulator_fixes_live.py): with no login map a logged-in
    # client owns nothing, so these refuse every sender it uses.
    ("reject_sender_login_mismatch", "refuses every sender of every logged-in client", False),
    ("reject_authenticated_sender_login_mismatch", "refuses every sender of every logged-in client", False),
    ("reject_unauthenticated_sender_login_mismatch", "never rejects anything", True),
])
def test_mismatch_without_a_map_says_what_it_really_does(tmp_path, restriction, says, anyone):
    main = SASL.replace("smtpd_sender_login_maps = hash:/etc/postfix/senders\n", "").replace(
        "reject_sender_login_mismatch", restriction)
    audit = audit_config(folder(tmp_path, main))
    (finding,) = [d for d in audit.diagnostics if d.code == "MP318"]
    assert says in finding.message
    # "Any login may send as anyone" (MP315) only where nothing refuses a logged-in client.
    assert ("MP315" in {d.code for d in audit.diagnostics}) is anyone


def test_recipient_rewriting_the_client_steers_relays_at_its_main_cf_line(tmp_path):
    main = BASE + "smtpd_relay_restrictions = reject_unauth_destination\n" \
                  "recipient_canonical_maps = regexp:{{/^(.*)\\.at\\.(.*)@example0\\.com$$/ $$1@$$2}}\n"
    [relay] = [d for d in audit_config(folder(tmp_path, main)).diagnostics if d.code == "MP301"]
    assert relay.message.startswith("open relay") and "to <victim@gmail.test>" in relay.message
    assert (Path(relay.span.path).name, relay.span.line) == ("main.cf", 6)
    clean = BASE + "virtual_alias_maps = hash:/etc/postfix/virtual\n"
    audit = audit_config(folder(tmp_path, clean, virtual="postmaster@example0.com admin@elsewhere.test\n"))
    assert "MP301" not in {d.code for d in audit.diagnostics}
