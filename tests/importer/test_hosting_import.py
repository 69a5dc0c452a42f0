"""Import of hosted domains, aliases and backup MX: statements where they say exactly what main.cf does, `set` otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

from mailpolicy.compiler import compile_policy
from mailpolicy.importer.run import import_config

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "hosted"


def statements(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_a_hosting_server_imports_as_the_hosting_statements(tmp_path: Path) -> None:
    imported = import_config(FIXTURE)
    lines = statements(imported.text)
    assert lines[3:10] == [
        "hosted domains example1.com, example2.org",
        "deliver to lmtp private/dovecot-lmtp",
        "backup mx for partner.example",
        "mailboxes alice@example1.com, bob@example1.com, carol@example2.org, dave@partner.example",
        "alias info@example1.com to alice@example1.com, bob@example1.com",
        "alias @example2.org to carol@example2.org",
        # carol's entry to herself is left to the compiler, which writes it beside the catch-all
        "alias bob.old@example1.com to bob@elsewhere.test",
    ]
    assert not any(line.startswith("set ") for line in lines)
    assert imported.diagnostics == ()
    policy = tmp_path / "imported.mailpolicy"
    policy.write_text(imported.text, encoding="utf-8")
    compiled = compile_policy(policy)
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    aliases = compiled.outputs["virtual_aliases"]
    assert "carol@example2.org\tcarol@example2.org\n" in aliases


def _copy(tmp_path: Path, **replace: str) -> Path:
    folder = tmp_path / "etc"
    shutil.copytree(FIXTURE, folder)
    main_cf = (folder / "main.cf").read_text()
    for old, new in replace.items():
        main_cf = main_cf.replace(old, new)
    (folder / "main.cf").write_text(main_cf)
    return folder


def test_what_the_statements_cannot_say_stays_a_set_line(tmp_path: Path) -> None:
    # A transport other than lmtp:unix, and an alias table the audit may not read (outside the
    # folder): each group stays as it was written, so the import means the same.
    folder = _copy(tmp_path, **{"lmtp:unix:private/dovecot-lmtp": "lmtp:inet:127.0.0.1:24",
                                "hash:/etc/postfix/virtual_aliases": "hash:/srv/elsewhere/virtual_aliases"})
    lines = statements(import_config(folder).text)
    assert "set virtual_transport = lmtp:inet:127.0.0.1:24" in lines
    assert "set virtual_mailbox_domains = example1.com, example2.org" in lines
    assert "set virtual_alias_maps = hash:/srv/elsewhere/virtual_aliases" in lines
    assert not any(line.startswith(("hosted domains", "alias ")) for line in lines)
    assert "backup mx for partner.example" in lines and "mailboxes dave@partner.example" in lines


def test_an_alias_target_that_is_no_address_keeps_the_table_as_set(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "virtual_aliases").write_text("info@example1.com alice\n")  # a bare local name
    lines = statements(import_config(folder).text)
    assert "set virtual_alias_maps = hash:/etc/postfix/virtual_aliases" in lines
