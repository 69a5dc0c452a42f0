"""The database statements: each refusal at its word, and the secret never in a message or main.cf."""

from __future__ import annotations

from pathlib import Path

from mailpolicy.compiler import compile_policy

CASE = Path(__file__).resolve().parents[1] / "cases" / "database" / "statements.mailpolicy"


def test_each_database_refusal_is_located() -> None:
    compiled = compile_policy(CASE)
    found = sorted((d.code, d.span.line, d.span.column) for d in compiled.diagnostics)
    assert found == [("MP209", 6, 10), ("MP227", 7, 16), ("MP227", 8, 17), ("MP227", 9, 63), ("MP227", 10, 26),
                     ("MP228", 11, 13), ("MP380", 12, 1)]
    # The password in the refused address is not repeated by the message about it.
    assert all("secret" not in d.message for d in compiled.diagnostics)


def test_the_table_file_holds_the_password_and_main_cf_names_it(tmp_path: Path) -> None:
    (tmp_path / "db.password").write_text("pw with spaces & #\n")
    (tmp_path / "p.mailpolicy").write_text(
        "hostname mx.example0.com\nsasl dovecot private/auth\nsender map lmdb:/etc/postfix/maps/owners\n"
        "allow user alice as alice@example0.com\n"
        "database main postgresql://mail_reader@[2001:db8::5]:6432/mail password \"db.password\"\n"
        "owners from main table mail.sender_owners\n")
    compiled = compile_policy(tmp_path / "p.mailpolicy")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    # The policy's own map first, then the database's: smtpd takes the first table that answers.
    assert compiled.plan.values()["smtpd_sender_login_maps"] == (
        "lmdb:/etc/postfix/maps/owners, pgsql:/etc/postfix/maps/main-mail-sender_owners.cf")
    table = compiled.outputs["main-mail-sender_owners.cf"]
    assert "hosts = inet:[2001:db8::5]:6432\nuser = mail_reader\npassword = pw with spaces & #\ndbname = mail\n" in table
    assert "query = SELECT login FROM mail.sender_owners WHERE address = '%s'\n" in table
    assert "pw with spaces" not in compiled.outputs["main.cf"]


def test_a_missing_password_file_is_an_error_at_its_name(tmp_path: Path) -> None:
    (tmp_path / "p.mailpolicy").write_text(
        "hostname mx.example0.com\ndatabase main postgresql://u@127.0.0.1/mail password \"nope.password\"\n")
    (problem,) = [d for d in compile_policy(tmp_path / "p.mailpolicy").diagnostics if d.code == "MP104"]
    assert (problem.span.line, problem.span.column) == (2, 54)


def test_a_password_file_that_is_a_folder_is_an_error_at_its_name(tmp_path: Path) -> None:
    # read_bytes opened the folder and os.fdopen raised IsADirectoryError: `mailpolicy: Is a
    # directory`, exit 2, no place (found writing the sixth mutation run's tests, docs/mutation.md).
    (tmp_path / "secrets").mkdir()
    (tmp_path / "p.mailpolicy").write_text(
        "hostname mx.example0.com\ndatabase main postgresql://u@127.0.0.1/mail password \"secrets\"\n")
    (problem,) = [d for d in compile_policy(tmp_path / "p.mailpolicy").diagnostics if d.code == "MP104"]
    assert (problem.span.line, problem.span.column, problem.message) == (2, 54, "secrets is not a regular file")
