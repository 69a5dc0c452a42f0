"""Import: what each main.cf setting becomes, what is flagged, and that compiling the import refuses what the audit did.

What one folder imports to, with its warnings, is data: tests/cases/import/<case>/import.ref
(tests/cases/test_commands.py). What stays here compiles the import or calls the API."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.compiler import compile_policy
from mailpolicy.importer.run import import_config
from tests.audit.config_folder import BASE
from tests.audit.config_folder import config_folder as folder

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed"


def compile_import(path: Path, work: Path):
    imported = import_config(path)
    policy = work / "imported.mailpolicy"
    policy.write_text(imported.text, encoding="utf-8")
    return imported, compile_policy(policy)


def statements(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


# What compiling each seed fixture's import reports: the audit's own codes where the language can
# say the mistake (trusted networks, set names), the compiler's fix where it makes it impossible.
SEED_COMPILES = {
    # MP501: the import's own `expect reject anonymous ...` line fails, as it should on an open relay.
    "open_relay": {"MP301", "MP302", "MP305", "MP501", "MP703"},
    # MP360: no smtpd list checks owners there (the check is in smtp_sender_restrictions), so the
    # import keeps that with `allow forged senders from any client`, and the compile says what it costs.
    "misspelled_parameter": {"MP402", "MP360"},
    "absolute_sasl_path": {"MP311"},          # rewritten chroot-relative (the audit's MP310)
    "misordered_restrictions": {"MP307"},     # the `set smtpd_recipient_restrictions` keeps the order
    "missing_sender_map": {"MP315"},
    "fixed": set(),
}


@pytest.mark.parametrize("name", sorted(SEED_COMPILES))
def test_compiling_a_seed_import_reports_what_the_audit_did(name, tmp_path):
    imported, compiled = compile_import(SEED / name, tmp_path)
    assert {d.code for d in compiled.diagnostics} == SEED_COMPILES[name]


def test_open_relay_is_imported_as_is_and_flagged(tmp_path):
    imported, compiled = compile_import(SEED / "open_relay", tmp_path)
    lines = imported.text.splitlines()
    trusted = lines.index("trusted networks 0.0.0.0/0, [::fff:127.0.0.0]/104")
    assert lines[trusted - 2].startswith("# audit: error MP302 at line 8:")
    [everyone] = [d for d in compiled.diagnostics if d.code == "MP302"]
    assert everyone.span.line == trusted + 1
    assert "set smtpd_recipient_restrictions = permit_mynetworks, check_relay_domains" in lines


@pytest.mark.parametrize("main_cf_line, written", [
    ("myhostname = vm", "hostname vm"),                # kept as main.cf says it, refused at its line
    ("", "hostname CHANGE-ME"),                        # no myhostname at all: a placeholder
    ("myhostname = mx example0.com", "hostname CHANGE-ME"),  # not one plain word: a placeholder
])
def test_an_unqualified_or_missing_hostname_is_written_and_refused_at_its_line(tmp_path, main_cf_line, written):
    # A policy without `hostname` is refused (MP216) at line 1; the import writes the line the user
    # must edit instead, and the compile refuses it there (MP208, not fully qualified).
    main = BASE.replace("myhostname = mx.example0.com", main_cf_line)
    imported, compiled = compile_import(folder(tmp_path, main), tmp_path)
    lines = imported.text.splitlines()
    assert written in lines
    assert [(d.code, d.span.line) for d in compiled.diagnostics if d.severity.value == "error"] == \
        [("MP208", lines.index(written) + 1)]


def test_output_is_byte_identical_whatever_the_working_folder(tmp_path):
    path = folder(tmp_path, BASE)
    first = import_config(path).text
    here = os.getcwd()
    try:
        os.chdir(tmp_path)
        second = import_config(Path(".")).text
    finally:
        os.chdir(here)
    assert first == second


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli(tmp_path):
    path = folder(tmp_path, BASE)
    result = run("import", str(path))
    assert result.exit_code == 0 and result.stdout == import_config(path).text
    target = tmp_path / "site.mailpolicy"
    assert run("import", str(path), "-o", str(target)).exit_code == 0
    assert target.read_text() == result.stdout
    assert run("import", str(path), "-o", str(target)).exit_code == 2
    assert run("import", str(path), "-o", str(target), "--force").exit_code == 0
    assert run("import", str(path), "--format", "json").exit_code == 2
    assert run("import", str(tmp_path / "nowhere")).exit_code == 2


def test_debian_stock_configuration_imports_to_a_policy_that_compiles(tmp_path):
    # Debian's main.cf leaves smtpd_relay_restrictions at its default (permit_mynetworks,
    # permit_sasl_authenticated, defer_unauth_destination) with SASL off: only trusted networks relay.
    imported = import_config(Path(__file__).resolve().parents[1] / "fixtures" / "debian")
    # The default's defer_unauth_destination is kept: 454, not 554, for relay (live: tests/corpus/live).
    assert "relay only trusted, others try later" in statements(imported.text)
    policy = tmp_path / "debian.mailpolicy"
    # Debian's myhostname is the unqualified `vm`: the import writes it, the compile refuses that
    # line (MP208) and nothing else; with a full name the policy compiles.
    policy.write_text(imported.text)
    assert [d.code for d in compile_policy(policy).diagnostics if d.severity.value == "error"] == ["MP208"]
    policy.write_text(imported.text.replace("\nhostname vm\n", "\nhostname vm.example0.com\n"))
    compiled = compile_policy(policy)
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    relay = compiled.plan.parameter("smtpd_relay_restrictions")
    assert [e.name for e in relay.entries] == ["permit_mynetworks", "defer_unauth_destination"]
