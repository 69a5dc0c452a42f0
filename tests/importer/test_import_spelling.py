"""Imported statements are spelled by the statement registry, exactly as `mailpolicy fmt` writes them.

src/mailpolicy/importer/spelling.py builds the syntax tree node of each imported line and lets
parse/registry.py render it (issue 12: one source of the language's words). These tests hold
that to account: every import of the corpus and of the import cases is already in fmt's layout,
a value that cannot stand bare comes back quoted and parses to the same value, and no importer
module writes a statement's keyword into a string of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mailpolicy.fmt.layout import format_text
from mailpolicy.importer import spelling as say
from mailpolicy.importer.run import import_config
from mailpolicy.parse import statements as st
from mailpolicy.parse.parser import parse_text
from mailpolicy.parse.registry import STATEMENTS
from tests.corpus.realworld_run import CORPUS, PROJECTS

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases" / "import"
FIXTURES = REPO / "tests" / "fixtures"
FOLDERS = ([CORPUS / p for p in PROJECTS] + [FIXTURES / "debian", FIXTURES / "hosted"]
           + sorted(p for p in (FIXTURES / "seed").iterdir() if (p / "main.cf").is_file())
           + sorted(p for p in CASES.iterdir() if (p / "main.cf").is_file()))
IMPORTER = REPO / "src" / "mailpolicy" / "importer"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_an_imported_policy_is_already_what_fmt_writes(folder: Path) -> None:
    text = import_config(folder).text
    formatted = format_text(text, "imported.mailpolicy")
    assert formatted.text is not None, formatted.diagnostics
    assert formatted.text == text
    statements = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(list(st.expanded(parse_text(text, "imported.mailpolicy").statements))) == len(statements)


def test_a_value_that_cannot_stand_bare_is_quoted_and_reads_back_the_same() -> None:
    line = say.tls("/etc/ssl/my cert.pem", "/etc/ssl/key,1.pem", None)
    assert line == 'tls certificate "/etc/ssl/my cert.pem" key "/etc/ssl/key,1.pem"'
    (statement,) = parse_text(line + "\n", "t.mailpolicy").statements
    assert isinstance(statement, st.Tls)
    assert (statement.certificate.text, statement.key.text) == ("/etc/ssl/my cert.pem", "/etc/ssl/key,1.pem")


def test_every_spelling_renders_the_statement_it_names() -> None:
    lines = [say.postfix("3.7"), say.hostname("mx.example0.com"), say.local_domains(["example0.com"], only=True),
             say.trusted_networks(["10.1.0.0/16"], only=False), say.sasl("dovecot", "private/auth"), say.chroot("off"),
             say.relay("only authenticated"), say.sender_map("hash:/etc/postfix/senders"),
             say.allow_user("jim", ["jim@example0.com"]), say.service("submission", ["192.0.2.1"]),
             say.hosted_domains(["example1.com"]), say.mailboxes(["a@example1.com"]),
             say.alias("b@example1.com", ["a@example1.com"]), say.deliver_lmtp("private/dovecot-lmtp"),
             say.backup_mx(["example2.net"]), say.set_parameter("biff", "no"),
             say.set_parameter("daemon_directory", "/usr/lib/postfix/sbin", privileged=True),
             say.expect_anonymous_refused("spam@relay-test.invalid", "victim@relay-test.invalid"),
             say.relay("only trusted", later=True),
             say.expect_anonymous_refused("spam@relay-test.invalid", "victim@relay-test.invalid", "defer")]
    parsed = parse_text("\n".join(lines) + "\n", "t.mailpolicy")
    assert not parsed.diagnostics
    assert [type(s) for s in st.expanded(parsed.statements)] == [
        st.PostfixVersion, st.Hostname, st.LocalDomains, st.TrustedNetworks, st.Sasl, st.Chroot, st.Relay,
        st.SenderMap, st.AllowUser, st.Service, st.HostedDomains, st.Mailboxes, st.Alias, st.DeliverLmtp,
        st.BackupMx, st.SetParameter, st.SetParameter, st.Expect, st.Relay, st.Expect]
    *_, later, deferred = st.expanded(parsed.statements)
    assert later.later and deferred.verdict.text == "defer"


def test_no_importer_module_spells_a_statement_itself() -> None:
    keywords = tuple(f"{kind.keyword} " for kind in STATEMENTS)
    spelled = []
    for module in sorted(IMPORTER.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = node.values[0].value
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                head = node.value
            else:
                continue
            if isinstance(head, str) and head.startswith(keywords):
                spelled.append(f"{module.name}:{node.lineno}: {head!r}")
    assert not spelled, spelled
