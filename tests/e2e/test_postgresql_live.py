"""Owners in PostgreSQL, on the real servers: Postfix's pgsql client, a throwaway PostgreSQL, `check --db`.

Each claim the compiler and `check --db` make about a pgsql table is shown on Postfix 3.7 with
postfix-pgsql against a PostgreSQL 15 started here (mailpolicy.sandbox.postgres): the file it
writes connects with the password read from the file beside the policy (the server checks it:
scram-sha-256 on loopback), smtpd answers from the rows, and a row Postfix can never find (an
address with a capital letter: dict_pgsql.c folds the key, PostgreSQL compares exactly) owns
nothing, as `check --db` says.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.sandbox.postgres import PostgresSandbox, database_available
from mailpolicy.sandbox import Sandbox
from mailpolicy.verify import render_table, sandbox_inputs, verify_compilation
from mailpolicy.verify.database import database_stand_in
from tests.conftest import REPO
from tests.postfix_support import missing_prerequisite

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

EXAMPLE = REPO / "examples" / "owners-in-postgresql.mailpolicy"
ROWS = REPO / "examples" / "owners-in-postgresql.sql"


@pytest.fixture(scope="module")
def database():
    reason = database_available()
    if reason is not None:
        missing_prerequisite(f"no throwaway PostgreSQL here: {reason}")  # under CI a failure, not a skip
    with PostgresSandbox("mail", "postfix") as server:
        server.sql(ROWS.read_text(encoding="utf-8"))
        server.sql("INSERT INTO sender_owners VALUES ('Carol@example1.com', 'carol')")
        server.grant_reading()
        yield server


def policy_for(folder: Path, server, extra: str = "", password: str | None = None) -> Path:
    """Write the example pointed at the throwaway server, with its password file, plus `extra` lines."""
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text(encoding="utf-8").replace("db.example0.com:5432", f"127.0.0.1:{server.port}")
    (folder / "site.mailpolicy").write_text(text + extra, encoding="utf-8")
    (folder / "maildb.password").write_text((password or server.password) + "\n", encoding="utf-8")
    return folder / "site.mailpolicy"


def codes(compilation) -> list[str]:
    return [d.code for d in compilation.diagnostics]


def test_without_the_rows_the_proof_states_its_assumptions(tmp_path, database) -> None:
    compiled = compile_policy(policy_for(tmp_path, database))
    assert compiled.ok
    assert codes(compiled).count("MP380") == 4  # domains, mailboxes, aliases, owners
    assert codes(compiled).count("MP381") == 3  # the verdicts only the rows decide


def test_check_db_decides_every_expectation_with_the_rows(tmp_path, database) -> None:
    compiled = compile_policy(policy_for(tmp_path, database), read_database=True)
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    assert "MP380" not in codes(compiled) and "MP381" not in codes(compiled)
    # The capitalised row: Postfix looks up carol@example1.com and PostgreSQL never matches it.
    (unreachable,) = [d for d in compiled.diagnostics if d.code == "MP383"]
    assert "1 row(s) of sender_owners" in unreachable.message


def test_check_db_refuses_an_expectation_the_rows_contradict(tmp_path, database) -> None:
    wrong = "expect accept user bob sending as alice@example1.com to friend@gmail.test\n"
    compiled = compile_policy(policy_for(tmp_path, database, wrong), read_database=True)
    assert not compiled.ok
    (failed,) = [d for d in compiled.diagnostics if d.code == "MP501"]
    assert failed.span.line == EXAMPLE.read_text().count("\n") + 1
    # Without the rows the same line is only an assumption, never a false error.
    assert compile_policy(tmp_path / "site.mailpolicy").ok


def test_a_wrong_password_is_reported_without_the_password(tmp_path, database) -> None:
    compiled = compile_policy(policy_for(tmp_path, database, password="not-the-password-42"), read_database=True)
    (problem,) = [d for d in compiled.diagnostics if d.code == "MP382"]
    assert "not-the-password-42" not in problem.message and "password authentication failed" in problem.message


def test_the_password_is_only_in_the_table_file(tmp_path, database) -> None:
    compiled = compile_policy(policy_for(tmp_path, database))
    assert database.password not in compiled.outputs["main.cf"]
    assert f"password = {database.password}\n" in compiled.outputs["maildb-sender_owners.cf"]
    assert all(database.password not in d.message for d in compiled.diagnostics)


def test_on_the_real_server_the_rows_decide_and_a_capitalised_row_owns_nothing(tmp_path, database) -> None:
    extra = ("expect reject user carol sending as carol@example1.com to friend@gmail.test\n"
             "expect accept anonymous sending as carol@example1.com to alice@example1.com\n")
    shutil.copy(ROWS, tmp_path / "rows.sql")
    rows = tmp_path / "rows.sql"
    rows.write_text(ROWS.read_text() + "INSERT INTO sender_owners VALUES ('Carol@example1.com', 'carol');\n")
    compiled = compile_policy(policy_for(tmp_path, database, extra))
    verification = verify_compilation(compiled, rows=rows)
    table = render_table(verification, compiled.policy, compiled.path, "Postfix")
    assert verification.confirmed, table
    replies = {o.expectation.span.line: o.attempt.reply for o in verification.outcomes}
    assert "not owned by user carol" in replies[max(replies) - 1], table
    assert "a throwaway PostgreSQL" in table


def test_an_alias_from_the_database_delivers_to_mailboxes_from_the_database(tmp_path, database) -> None:
    compiled = compile_policy(policy_for(tmp_path, database))
    with database_stand_in(compiled, sandbox_inputs(compiled), ROWS) as inputs, \
            Sandbox(inputs.main_cf, deliver=True, **inputs.sandbox_kwargs()) as sandbox:
        with sandbox.client("127.0.0.9") as client:
            client.ehlo("client.example")
            client.sendmail("friend@gmail.test", ["info@example1.com"], "Subject: from the table\r\n\r\nbody\r\n")
        for target in ("alice@example1.com", "bob@example1.com"):
            assert any("Subject: from the table" in m for m in sandbox.delivered(target)), sandbox.log()
