"""Checks run once per kind of smtpd service: work counted, findings unchanged."""

from __future__ import annotations

from pathlib import Path

from mailpolicy.audit.files import read_config
from mailpolicy.audit.run import audit_config, audit_context

MAIN = ("mynetworks = 127.0.0.0/8\n"
        "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination\n")


def _folder(tmp_path: Path, services: str) -> Path:
    (tmp_path / "main.cf").write_text(MAIN)
    (tmp_path / "master.cf").write_text(services)
    return tmp_path


def test_alike_services_are_checked_once(tmp_path: Path) -> None:
    alike = "".join(f"127.0.0.1:{10000 + i} inet n - y - - smtpd\n" for i in range(1000))
    ctx = audit_context(read_config(_folder(tmp_path, alike + "smtp inet n - y - - smtpd\n")))
    calls = []
    list(ctx.per_service(lambda view: calls.append(view.label) or ()))
    # Two kinds: loopback-only services and the public one (reachability is part of the kind).
    assert len(calls) == 2 and len(ctx.views) == 1001


def test_a_service_with_its_own_override_is_its_own_kind(tmp_path: Path) -> None:
    services = ("smtp inet n - y - - smtpd\n" * 1
                + "submission inet n - y - - smtpd\n  -o smtpd_relay_restrictions=permit,reject_unauth_destination\n"
                + "2525 inet n - y - - smtpd\n")
    audit = audit_config(_folder(tmp_path, services))
    errors = [d for d in audit.diagnostics if d.severity.value == "error"]
    # The open relay is submission's alone: reported for it, never for the two alike services.
    assert errors and all(d.message.startswith("submission/inet") for d in errors)


def test_each_kind_of_service_gets_one_simulator_model_shared_by_the_checks(tmp_path: Path, monkeypatch) -> None:
    # Building a model expands every main.cf value (a 1,000-long `$name` chain took seconds each);
    # the open-relay, shading and class-loop checks all read the same one.
    from mailpolicy.simulate import PostfixModel

    built = []
    original = PostfixModel.from_parameters.__func__
    monkeypatch.setattr(PostfixModel, "from_parameters",
                        classmethod(lambda cls, *args, **kw: built.append(args) or original(cls, *args, **kw)))
    services = ("smtp inet n - y - - smtpd\n2525 inet n - y - - smtpd\n"
                "submission inet n - y - - smtpd\n  -o smtpd_relay_restrictions=permit,reject_unauth_destination\n")
    audit = audit_config(_folder(tmp_path, services))
    assert any(d.message.startswith("submission/inet") for d in audit.diagnostics)
    # Two kinds of -o values: the stock ones and submission's.
    assert len(built) == 2
