"""The seed's five mistakes, each written as a policy, each refused with its own code at its line.

The cases live in tests/cases/seed-mistakes/; each file's header says which mistake of the seed
(shared/seed, "Securing a Postfix Smtp Server") it restates.
"""

from __future__ import annotations

from pathlib import Path


from mailpolicy.compiler import compile_policy

CASES = Path(__file__).resolve().parent / "cases" / "seed-mistakes"


def line_of(path: Path, needle: str) -> tuple[int, int]:
    """Return the 1-based (line, column) where `needle` first stands in a statement line."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("#") and needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path.name}")


def found(path: Path, **options) -> dict[tuple[str, int, int], str]:
    """Return (code, line, column) -> severity of every diagnostic of a compiled case."""
    compilation = compile_policy(path, **options)
    return {(d.code, d.span.line, d.span.column): d.severity.value for d in compilation.diagnostics}


def test_every_mistake_has_a_case() -> None:
    assert sorted(p.name for p in CASES.glob("*.mailpolicy")) == [
        "absolute-sasl-path.mailpolicy", "misordered.mailpolicy", "no-sender-map.mailpolicy",
        "open-relay.mailpolicy", "smtp-typo.mailpolicy"]


def test_open_relay_trusting_everyone_and_the_ffff_typo() -> None:
    path = CASES / "open-relay.mailpolicy"
    diagnostics = found(path)
    assert diagnostics[("MP302", *line_of(path, "0.0.0.0/0"))] == "error"
    assert diagnostics[("MP305", *line_of(path, "[::fff:127.0.0.0]/104"))] == "error"
    assert not compile_policy(path).outputs


def test_smtp_for_smtpd_typo() -> None:
    path = CASES / "smtp-typo.mailpolicy"
    diagnostics = found(path)
    assert diagnostics[("MP402", *line_of(path, "smtp_recipient_restrictions"))] == "error"
    assert diagnostics[("MP402", *line_of(path, "smtp_tls_security_level"))] == "note"
    assert not compile_policy(path).outputs


def test_absolute_sasl_path_outside_the_chroot() -> None:
    path = CASES / "absolute-sasl-path.mailpolicy"
    assert found(path)[("MP310", *line_of(path, "/var/run/dovecot/auth-client"))] == "error"


def test_no_sender_map_warns_and_fails_with_warnings_as_errors() -> None:
    path = CASES / "no-sender-map.mailpolicy"
    where = ("MP315", *line_of(path, "sasl dovecot"))
    assert found(path)[where] == "warning"
    assert found(path, warnings_as_errors=True)[where] == "error"
    assert not compile_policy(path, warnings_as_errors=True).outputs


def test_misordered_permit_before_reject_sender_login_mismatch() -> None:
    path = CASES / "misordered.mailpolicy"
    line, _ = line_of(path, "reject_sender_login_mismatch")
    assert "error" in {severity for (code, at, _), severity in found(path).items() if (code, at) == ("MP307", line)}
