"""The import reads a sender list by the plan's own order, so the two cannot drift apart.

importer/sender_checks.py asks plan/sender_checks.py what the compile writes; these tests read every
list the plan writes (each check, each exemption) back and find it written as it is, and show what a
list in another order or with the old reject_unknown_address name becomes.
"""

from __future__ import annotations

import itertools

import pytest

from mailpolicy.importer.sender_checks import read_list
from mailpolicy.model.sender_checks import RESTRICTIONS, SenderCheck, SenderChecks
from mailpolicy.parse.statements import Forgers, SenderCheckKind, SenderExemption
from mailpolicy.plan.restrictions import LOGIN_CHECK
from mailpolicy.plan.sender_checks import first_check_entries, sender_check_entries
from mailpolicy.source import Span

HERE = Span("test", 1, 1)
CHECKS = [SenderCheck(kind, RESTRICTIONS[kind] + (" dbl.example=127.0.1.[2..9]" if kind is SenderCheckKind.LISTED_BY
                                                  else ""), HERE) for kind in SenderCheckKind]


def _written(scope: SenderChecks) -> tuple[str, ...]:
    return tuple(word for entry in sender_check_entries(scope) for word in entry.name.split(" "))


@pytest.mark.parametrize("unless", [None, *SenderExemption], ids=lambda u: getattr(u, "name", "none"))
@pytest.mark.parametrize("owners", [False, True])
def test_every_list_the_plan_writes_reads_back_as_written(unless, owners) -> None:
    for plain, exempted in itertools.product(range(len(CHECKS) + 1), range(1, len(CHECKS) + 1)):
        scope = SenderChecks(None, tuple(CHECKS[:plain]), tuple(CHECKS[-exempted:]) if unless else (), unless, HERE)
        written = (("reject_sender_login_mismatch",) if owners else ()) + _written(scope)
        reading = read_list(written)
        assert reading.kept(owners), written
        assert reading.unless is (unless if scope.exempted else None)
        assert [kind for kind, _ in reading.plain + reading.exempted] == [c.kind for c in scope.all]


def test_permits_in_the_other_order_and_the_old_name_are_what_the_compile_changes() -> None:
    reading = read_list(("reject_unknown_address", "permit_mynetworks", "permit_sasl_authenticated",
                         "reject_non_fqdn_sender"))
    assert reading.unless is SenderExemption.AUTHENTICATED_OR_TRUSTED
    assert not reading.kept(False)
    assert reading.compiled(False) == ["reject_unknown_sender_domain", "permit_sasl_authenticated",
                                       "permit_mynetworks", "reject_non_fqdn_sender"]


@pytest.mark.parametrize("forgers", [None, *Forgers], ids=lambda f: getattr(f, "name", "none"))
def test_checks_before_the_login_check_read_back_before_ownership(forgers) -> None:
    # plan/restrictions.py writes `before ownership` checks, the login check `allow forged senders`
    # chooses (LOGIN_CHECK), then the rest; the import reads each part back where it came from.
    guard = LOGIN_CHECK[forgers]
    for first in range(1, len(CHECKS)):
        scope = SenderChecks(None, tuple(CHECKS[first:]), (), None, HERE, tuple(CHECKS[:first]))
        before = tuple(w for e in first_check_entries(scope) for w in e.name.split(" "))
        written = before + ((guard,) if guard else ()) + _written(scope)
        reading = read_list(written)
        assert reading.kept(True, forgers), written
        if guard:  # without a login check in the list nothing marks where ownership stands
            assert [kind for kind, _ in reading.first] == [c.kind for c in scope.first]
            assert any("before ownership" in line for line in reading.statements())


@pytest.mark.parametrize("lists, forgers", [
    ("smtpd_sender_restrictions = reject_sender_login_mismatch", None),
    ("smtpd_recipient_restrictions = reject_authenticated_sender_login_mismatch, reject_unauth_destination",
     Forgers.ANONYMOUS),
    ("smtpd_sender_restrictions = permit_mynetworks", Forgers.ANY),
    # A login check inside a restriction class the list names is the list's (smtpd_check.c runs it).
    ("smtpd_restriction_classes = owners\\nowners = reject_sender_login_mismatch\\n"
     "smtpd_sender_restrictions = owners", None),
    ("smtpd_data_restrictions = reject_unauthenticated_sender_login_mismatch", None),
], ids=["every client", "logged-in only", "none", "in a class", "anonymous only: the stricter default"])
def test_import_reads_whom_main_cf_lets_forge(tmp_path, lists, forgers) -> None:
    from mailpolicy.audit.run import audit_config
    from mailpolicy.importer.forgery import main_forgers
    from mailpolicy.importer.statements import Translator
    from tests.audit.config_folder import SASL, config_folder

    main_cf = SASL.replace("smtpd_sender_restrictions = reject_sender_login_mismatch\n", "")
    ctx = audit_config(config_folder(tmp_path, main_cf + lists.replace("\\n", "\n") + "\n")).context
    assert main_forgers(Translator(ctx, ctx.views[0])) is forgers
