"""Debian's stock configuration (apt-get install postfix): the audit reports only real findings."""

from __future__ import annotations

from pathlib import Path

from mailpolicy.audit.run import audit_config
from mailpolicy.importer.run import import_config
from mailpolicy.postfix.main_cf import read_main_cf
from tests.postfix_support import missing_prerequisite

DEBIAN = Path(__file__).resolve().parents[1] / "fixtures" / "debian"
INSTALLED = Path("/etc/postfix")


def test_stock_configuration_reports_only_its_host_name():
    audit = audit_config(DEBIAN)
    assert [(d.code, d.severity.value, d.span.line) for d in audit.diagnostics] == [("MP208", "warning", 26)]
    assert audit.ok
    assert [view.label for view in audit.context.views] == ["smtp/inet"]


def test_stock_configuration_imports_with_its_parameters_as_set_lines():
    imported = import_config(DEBIAN)
    statements = [line for line in imported.text.splitlines() if line and not line.startswith("#")]
    # localhost and the loopback networks are what a policy keeps unless it says `only`.
    # `hostname vm` is written as main.cf says it: the compile refuses it there (MP208) until it is
    # fully qualified, where leaving it out would be MP216 (docs/language.md#hostname).
    assert statements[:5] == ["postfix 3.7", "hostname vm", "local domains vm, localhost.localdomain",
                              "trusted networks [::ffff:127.0.0.0]/104",
                              "relay only trusted, others try later"]
    assert "set alias_maps = hash:/etc/aliases" in statements
    # Two things the compiled import changes, each announced: the relay list loses
    # permit_sasl_authenticated (SASL is off: it matched nobody), and `vm` is refused until qualified.
    found = [(d.code, d.message.split(":")[0].split(" =")[0]) for d in imported.diagnostics]
    assert found == [("MP709", "smtpd_relay_restrictions"), ("MP709", "myhostname")], found


def _stock_installed() -> bool:
    """Tell whether /etc/postfix holds Debian's stock main.cf (the same parameters as the fixture)."""
    if not (INSTALLED / "main.cf").is_file():
        return False
    names = set(read_main_cf((INSTALLED / "main.cf").read_text(), "main.cf").parameters)
    return names == set(read_main_cf((DEBIAN / "main.cf").read_text(), "main.cf").parameters)


def test_installed_configuration_reports_nothing_but_a_host_name():
    # The machine's own stock /etc/postfix (scripts/test installs Debian's package when it is
    # missing): a fully qualified host name gives no finding at all, a short one MP208.
    if not _stock_installed():
        missing_prerequisite("/etc/postfix does not hold Debian's stock main.cf")
    audit = audit_config(INSTALLED)
    assert {d.code for d in audit.diagnostics} <= {"MP208"}
