"""`mailpolicy explain`: lists with reasons and source lines, the decision table, stable bytes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.explain import MAX_LOGINS

POLICY = """postfix 3.7
hostname mx.example0.com
local domains example0.com
trusted networks 10.1.0.0/16
sasl dovecot private/auth
relay authenticated or trusted
allow user jim as jim@example0.com
allow user bob as bob@example0.com
set smtpd_recipient_restrictions = permit_mynetworks, reject_rbl_client zen.example
"""


@pytest.fixture
def explain(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def run(text: str = POLICY):
        (tmp_path / "site.mailpolicy").write_text(text, encoding="utf-8")
        return CliRunner().invoke(cli, ["explain", "site.mailpolicy"])

    return run


def table(output: str) -> dict[tuple[str, str, str], str]:
    """Return (client, MAIL FROM, RCPT TO) -> cell of every row of the decision table."""
    rows = {}
    body = output.split("Decisions, simulated on the compiled main.cf (and sender map):\n\n", 1)[1]
    for line in body.splitlines()[1:]:
        if not line.startswith("  ") or line.startswith("  ..."):
            break
        client, sender, recipient, cell = [part.strip() for part in _columns(line)]
        rows[(client.split(" (")[0], sender.split(" <")[0], recipient.split(" <")[0])] = cell
    return rows


def _columns(line: str) -> list[str]:
    parts = [p for p in line.strip().split("  ") if p]
    return [parts[0], parts[1], parts[2], "  ".join(parts[3:])]


def test_every_list_entry_has_its_reason_and_line(explain) -> None:
    result = explain()
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" in out
    assert "  1. permit_mynetworks\n       rule 3: clients in mynetworks (the trusted networks) may relay, as stated " \
           "(site.mailpolicy:6)" in out
    assert "  3. reject_unauth_destination\n       rule 2: everyone else may send only to this server's own domains" in out
    assert "  2. reject_rbl_client zen.example\n       written by the author (site.mailpolicy:9)" in out
    assert "smtpd_client_restrictions = (not set: Postfix's default)" in out


def test_the_decision_table_covers_every_class(explain) -> None:
    rows = table(explain().stdout)
    assert rows[("anonymous", "unowned", "remote")].startswith("REJECT, reject_unauth_destination")
    assert rows[("anonymous", "unowned", "local")] == (
        "DEPENDS (the outcome depends on DNS list zen.example); else ACCEPT, no restriction: 250 2.1.5 Ok")
    assert rows[("anonymous", "owned by a login", "local")].endswith("Sender address rejected: not logged in")
    assert rows[("trusted", "unowned", "remote")].startswith("ACCEPT, permit_mynetworks (smtpd_relay_restrictions)")
    assert "else ACCEPT, permit_sasl_authenticated" in rows[("user jim", "own address", "remote")]
    assert rows[("user jim", "another's address", "remote")].endswith("not owned by user jim")
    assert rows[("user bob", "unowned", "local")].endswith("not owned by user bob")
    assert ("trusted (10.1.0.1)" in explain().stdout)


def test_the_bare_postmaster_row_shows_the_data_list_refusing_a_forged_owner(explain) -> None:
    out = explain().stdout
    assert "smtpd_data_restrictions = reject_sender_login_mismatch\n" in out
    rows = table(out)
    refused = rows[("anonymous", "owned by a login", "bare")]
    assert refused.startswith("REJECT, reject_sender_login_mismatch (smtpd_data_restrictions): 553 5.7.1 <")
    assert refused.endswith("@example0.com>: Sender address rejected: not logged in")
    assert rows[("user jim", "own address", "bare")] == "ACCEPT, no restriction: 250 2.1.5 Ok"


def test_the_output_is_the_same_every_time(explain) -> None:
    assert explain().stdout == explain().stdout


def test_many_logins_are_summarised(explain) -> None:
    owners = "".join(f"allow user u{i:03} as u{i:03}@example0.com\n" for i in range(MAX_LOGINS + 5))
    out = explain(POLICY + owners).stdout
    assert "  ... and 7 more logins, not shown" in out  # jim, bob and 15 more: 17 logins, 10 shown
    assert "user u007 (" in out and "user u008 (" not in out  # sorted: bob, jim, u000 ... u007


def test_errors_are_reported_and_exit_1(explain) -> None:
    result = explain(POLICY.replace("10.1.0.0/16", "0.0.0.0/0"))
    assert result.exit_code == 1
    assert "error[MP301]" in result.stderr and "error[MP302]" in result.stderr
    assert rows_accept_remote(result.stdout)


def rows_accept_remote(out: str) -> bool:
    return table(out)[("anonymous", "unowned", "remote")].startswith("ACCEPT, permit_mynetworks")


def test_an_unreadable_file_exits_2(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["explain", "missing.mailpolicy"])
    assert result.exit_code == 2 and "no such file: missing.mailpolicy" in result.stderr


def test_explain_states_what_the_proof_assumes_of_tables_it_cannot_read(explain) -> None:
    # Issue 13 point 6: an undecidable part of the proof is a stated assumption, in a note and here.
    result = explain(POLICY + "set relay_domains = pgsql:/etc/postfix/relay.cf\n")
    assert result.exit_code == 0, result.output
    tail = result.output.split("The open-relay proof holds only if these tables, which it cannot read, "
                               "answer as said:\n", 1)[1]
    assert tail == ("  - pgsql:/etc/postfix/relay.cf (relay_domains) lists only domains this server is a backup MX "
                    "for: mail for a domain it lists is relayed for any client (site.mailpolicy:10)\n")
    assert "The open-relay proof holds only if" not in explain().output
