"""The hosting statements: what they compile to, and each refusal at its word (tests/cases/hosted holds the goldens)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy

CASES = Path(__file__).resolve().parents[1] / "cases" / "hosted"
REPO = Path(__file__).resolve().parents[2]


def codes_at(path: Path) -> list[tuple[str, int, int]]:
    compiled = compile_policy(path)
    return sorted((d.code, d.span.line, d.span.column) for d in compiled.diagnostics)


@pytest.mark.parametrize("case, expected", [
    ("two-classes", [("MP370", 4, 16), ("MP370", 7, 15), ("MP373", 7, 15)]),
    ("no-delivery", [("MP371", 3, 16), ("MP378", 3, 30)]),
    ("recipients", [("MP225", 9, 48), ("MP226", 11, 7), ("MP372", 6, 31), ("MP373", 7, 15), ("MP375", 8, 7)]),
    ("lmtp-paths", [("MP374", 6, 5), ("MP374", 7, 5), ("MP376", 5, 17)]),
    ("lmtp-relative", [("MP377", 6, 17), ("MP379", 7, 7), ("MP379", 8, 7)]),
])
def test_each_refusal_is_located(case: str, expected: list) -> None:
    assert codes_at(CASES / f"{case}.mailpolicy") == expected


def test_the_hosted_example_compiles_to_tables_beside_main_cf() -> None:
    compiled = compile_policy(REPO / "examples" / "hosted.mailpolicy")
    assert compiled.ok, compiled.diagnostics
    values = compiled.plan.values()
    assert values["virtual_mailbox_domains"] == "example1.com, example2.org"
    assert values["virtual_transport"] == "lmtp:unix:private/dovecot-lmtp"
    assert values["virtual_mailbox_maps"] == "hash:/etc/postfix/virtual_mailboxes"
    assert values["virtual_alias_maps"] == "hash:/etc/postfix/virtual_aliases"
    assert values["relay_domains"] == "partner.example"
    assert values["relay_recipient_maps"] == "hash:/etc/postfix/relay_recipients"
    aliases = compiled.outputs["virtual_aliases"]
    assert "info@example1.com\talice@example1.com, bob@example1.com\n" in aliases
    # The catch-all of example2.org would take carol's own mail without her entry (virtual(5)).
    assert "@example2.org\tcarol@example2.org\n" in aliases and "carol@example2.org\tcarol@example2.org\n" in aliases
    assert "alice@example1.com\talice@example1.com" not in aliases  # no catch-all in example1.com
    assert compiled.outputs["relay_recipients"].endswith("dave@partner.example\tOK\n")
    mailboxes = compiled.outputs["virtual_mailboxes"]
    assert "dave@partner.example" not in mailboxes and "carol@example2.org\tOK\n" in mailboxes


def test_the_tables_follow_the_sender_maps_type_and_folder(tmp_path: Path) -> None:
    policy = tmp_path / "p.mailpolicy"
    policy.write_text("hostname mx.example0.com\nsender map lmdb:/etc/postfix/maps/owners\nhosted domains example1.com\n"
                      "mailboxes Alice@Example1.com\ndeliver to lmtp private/lmtp\nalias info@example1.com to alice@example1.com\n")
    compiled = compile_policy(policy)
    assert compiled.ok, compiled.diagnostics
    assert compiled.plan.values()["virtual_mailbox_maps"] == "lmdb:/etc/postfix/maps/virtual_mailboxes"
    assert "alice@example1.com\tOK\n" in compiled.outputs["virtual_mailboxes"]  # keys folded, as postmap does


def test_a_backup_mx_domain_is_not_refused_as_someone_elses_but_a_public_suffix_is(tmp_path: Path) -> None:
    policy = tmp_path / "p.mailpolicy"
    policy.write_text("hostname mx.example0.com\nbackup mx for partner.example, co.uk\n"
                      "mailboxes a@partner.example, b@co.uk\n")
    found = [(d.code, d.span.column) for d in compile_policy(policy).diagnostics if d.code == "MP324"]
    assert found == [("MP324", 32)]


@pytest.mark.parametrize(("setting", "warned"), [
    # simple-nixos-mailserver lists its domains in a file the compiler does not read: no claim either way.
    ("set virtual_mailbox_domains = /nix/store/7vnqm1b2mgx1q2s3g9c0hrz1bk4d3ynm-vhosts", False),
    ("set virtual_mailbox_domains = ldap:/etc/postfix/vdomains.cf", False),
    ("set virtual_alias_domains = example7.com", False),
    ("set relay_domains = $mydestination", False),
    ("set virtual_alias_domains = example8.com", True),
])
def test_an_alias_is_not_called_unreceived_when_a_set_domain_list_may_name_its_domain(
        tmp_path: Path, setting: str, warned: bool) -> None:
    policy = tmp_path / "p.mailpolicy"
    policy.write_text(f"hostname mx.example0.com\n{setting}\nalias sales@example7.com to alice@example0.com\n")
    codes = [d.code for d in compile_policy(policy).diagnostics]
    assert ("MP375" in codes) is warned, codes
