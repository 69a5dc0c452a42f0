"""Audit checks on hand-written main.cf / master.cf folders: each finding at its file, line and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.audit.files import ConfigUnreadable
from mailpolicy.audit.run import audit_config
from mailpolicy.cli import cli
from tests.audit.config_folder import BASE, SASL, STOCK_SMTPD
from tests.audit.config_folder import config_folder as folder


def findings(path: Path, **options) -> list[tuple[str, str, int, int]]:
    """Return (code, file name, line, column) of every diagnostic, in report order."""
    return [(d.code, Path(d.span.path).name, d.span.line, d.span.column) if d.span else (d.code, "", 0, 0)
            for d in audit_config(path, **options).diagnostics]


def test_clean_configuration_has_no_findings(tmp_path):
    assert findings(folder(tmp_path, BASE)) == []


def test_unknown_restriction_on_a_continuation_line_is_located_there(tmp_path):
    main = BASE + "smtpd_recipient_restrictions =\n    permit_mynetworks,\n    reject_unauth_destinaton\n"
    assert ("MP316", "main.cf", 7, 5) in findings(folder(tmp_path, main))


def test_overridden_definition_points_at_both(tmp_path):
    main = BASE + "mynetworks = 127.0.0.0/8\n"
    audit = audit_config(folder(tmp_path, main))
    [overridden] = [d for d in audit.diagnostics if d.code == "MP701"]
    assert overridden.span.line == 3 and overridden.related[0].span.line == 5


def test_undefined_reference_and_unexpandable_value(tmp_path):
    main = BASE + "smtpd_banner = $myhostnme ESMTP\nsmtpd_helo_restrictions = ${broken\n"
    found = audit_config(folder(tmp_path, main)).diagnostics
    undefined = [d for d in found if d.code == "MP708"]
    assert [(d.span.line, d.severity.value) for d in undefined] == [(5, "warning"), (6, "error")]
    assert "`$myhostname`" in undefined[0].hint


def test_main_cf_line_postfix_refuses(tmp_path):
    assert ("MP710", "main.cf", 5, 1) in findings(folder(tmp_path, BASE + "this line has no equals sign\n"))


def test_master_cf_override_is_noted_and_its_findings_point_into_master_cf(tmp_path):
    master = STOCK_SMTPD + "submission inet n - y - - smtpd\n  -o mynetworks=0.0.0.0/0\n"
    found = findings(folder(tmp_path, BASE, master))
    assert ("MP704", "master.cf", 3, 6) in found
    assert ("MP302", "master.cf", 3, 17) in found


def test_folder_without_master_cf_is_audited_with_a_note(tmp_path):
    assert findings(folder(tmp_path, BASE, master_cf=None)) == [("MP706", "", 0, 0)]


def test_main_cf_path_reads_master_cf_beside_it(tmp_path):
    master = STOCK_SMTPD + "submission inet n - y - - smtpd -o smtpd_sasl_auth_enable=yes\n"
    found = findings(folder(tmp_path, BASE, master) / "main.cf")
    assert ("MP315", "master.cf", 2, 36) in found


def test_missing_configuration_raises(tmp_path):
    with pytest.raises(ConfigUnreadable):
        audit_config(tmp_path / "nowhere")
    with pytest.raises(ConfigUnreadable):
        audit_config(tmp_path)  # a folder without main.cf


def test_login_map_entries_are_checked_in_the_map_file(tmp_path):
    senders = "# owners\nalice@example0.com alice\nbad@ bob\nbob@elsewhere.test bob\nroot  root\n"
    audit = audit_config(folder(tmp_path, SASL, senders=senders))
    found = {(d.code, Path(d.span.path).name, d.span.line) for d in audit.diagnostics}
    assert found == {("MP201", "senders", 3), ("MP314", "senders", 4)}
    assert any(s.path.endswith("senders") for s in audit.sources)  # so the text report shows its lines


def test_unreadable_login_map_is_a_warning_at_the_map(tmp_path):
    assert findings(folder(tmp_path, SASL)) == [("MP705", "main.cf", 8, 27)]


def test_login_map_without_mismatch_and_the_reverse(tmp_path):
    without_check = SASL.replace("smtpd_sender_restrictions = reject_sender_login_mismatch\n", "")
    assert ("MP317", "main.cf", 8, 1) in findings(folder(tmp_path, without_check, senders="a@example0.com a\n"))
    without_map = SASL.replace("smtpd_sender_login_maps = hash:/etc/postfix/senders\n", "")
    assert ("MP318", "main.cf", 8, 29) in findings(folder(tmp_path, without_map))


def test_sasl_socket_outside_private(tmp_path):
    main = SASL.replace("private/auth", "auth-client")
    assert ("MP312", "main.cf", 7, 19) in findings(folder(tmp_path, main, senders="a@example0.com a\n"))


def test_absolute_sasl_path_is_fine_without_chroot(tmp_path):
    main = SASL.replace("private/auth", "/var/spool/postfix/private/auth")
    assert findings(folder(tmp_path, main, "smtp inet n - n - - smtpd\n", senders="a@example0.com a\n")) == []


def test_implicit_mynetworks_below_compatibility_level_2(tmp_path):
    main = "myhostname = mx.example0.com\ncompatibility_level = 0\n"
    assert ("MP711", "main.cf", 2, 1) in findings(folder(tmp_path, main))
    assert findings(folder(tmp_path, "myhostname = mx.example0.com\ncompatibility_level = 3.6\n")) == []


def test_parameter_names_are_checked_against_the_target_version(tmp_path):
    main = BASE + "smtpd_relay_restrictions = reject_unauth_destination\n"
    assert findings(folder(tmp_path, main), version="3.7") == []
    assert ("MP403", "main.cf", 5, 1) in findings(folder(tmp_path, main), version="2.9")


def test_non_fqdn_hostname_is_a_warning(tmp_path):
    audit = audit_config(folder(tmp_path, BASE.replace("mx.example0.com", "vm")))
    assert [(d.code, d.severity.value) for d in audit.diagnostics] == [("MP208", "warning")]


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


def test_warnings_as_errors(tmp_path):
    path = folder(tmp_path, BASE.replace("mx.example0.com", "vm"))
    assert run("audit", str(path)).exit_code == 0
    assert run("audit", str(path), "-W").exit_code == 1


def test_a_finding_of_one_service_only_names_it(tmp_path):
    master = STOCK_SMTPD + "submission inet n - y - - smtpd\n  -o smtpd_sender_restrictions=\n"
    audit = audit_config(folder(tmp_path, SASL, master, senders="a@example0.com a\n"))
    [unused] = [d for d in audit.diagnostics if d.code == "MP317"]
    assert unused.message.startswith("submission/inet: ") and unused.span.line == 8


def test_open_relay_through_a_master_cf_override_points_into_master_cf(tmp_path):
    master = STOCK_SMTPD + "submission inet n - y - - smtpd\n  -o mynetworks=0.0.0.0/0\n"
    audit = audit_config(folder(tmp_path, BASE, master))
    [relay] = [d for d in audit.diagnostics if d.code == "MP301"]
    assert relay.message.startswith("submission/inet: open relay")
    assert (Path(relay.span.path).name, relay.span.line, relay.span.column) == ("master.cf", 3, 17)


def test_loopback_only_services_are_not_searched_for_relays(tmp_path):
    master = STOCK_SMTPD + "127.0.0.1:10025 inet n - n - - smtpd -o mynetworks=0.0.0.0/0\n"
    assert "MP301" not in {d.code for d in audit_config(folder(tmp_path, BASE, master)).diagnostics}


def test_smtpd_that_cannot_start(tmp_path):
    main = BASE + "smtpd_relay_restrictions = permit_mynetworks, permit, reject_unauth_destination\n"
    assert ("MP712", "main.cf", 5, 1) in findings(folder(tmp_path, main))


def test_network_on_a_continuation_line_after_a_comment_is_located_there(tmp_path):
    main = BASE.replace("mynetworks = 127.0.0.0/8 [::1]/128\n",
                        "mynetworks =\n    127.0.0.0/8,\n# the office\n    10.1.0.0/24, 0.0.0.0/0\n")
    assert findings(folder(tmp_path, main)) == [("MP301", "main.cf", 6, 18), ("MP302", "main.cf", 6, 18)]


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
