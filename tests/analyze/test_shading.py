"""MP307: a rejection an earlier permit always beats, in compiled lists and in `set` lists."""

from __future__ import annotations

import pytest

from mailpolicy.postfix.restriction_lists import LOGGED_IN_LOGIN_CHECKS, LOGIN_MISMATCH_CHECKS
from tests.helpers import compile_text

HEAD = ("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\nsasl dovecot private/auth\n"
        "allow user jim as jim@example0.com\nrelay only authenticated\n")


def shaded(tmp_path, *sets: str):
    c = compile_text(tmp_path, HEAD + "".join(f"set {s}\n" for s in sets))
    return [d for d in c.diagnostics if d.code == "MP307"]


def test_the_seeds_misordered_list_is_refused_at_the_rejection(tmp_path) -> None:
    (d,) = shaded(tmp_path, "smtpd_recipient_restrictions = permit_sasl_authenticated, reject_sender_login_mismatch, "
                            "reject_unauth_destination")
    assert (d.span.line, d.span.column, d.span.end_column) == (7, 63, 91)  # reject_sender_login_mismatch
    assert "can never reject a logged-in client" in d.message and "permit_sasl_authenticated" in d.message
    (related,) = d.related
    assert (related.span.line, related.span.column) == (7, 36)


def test_everything_after_permit_is_dead(tmp_path) -> None:
    (d,) = shaded(tmp_path, "smtpd_client_restrictions = permit, reject_rbl_client zen.example")
    assert "reject_rbl_client in smtpd_client_restrictions can never reject any client" in d.message
    assert d.span.column == 41


def test_the_usual_orders_are_not_shading(tmp_path) -> None:
    assert shaded(tmp_path, "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, "
                            "reject_unauth_destination, reject_non_fqdn_sender",
                  "smtpd_helo_restrictions = permit_sasl_authenticated, reject_non_fqdn_helo_hostname",
                  "smtpd_client_restrictions = permit_auth_destination, reject") == []


def test_a_login_check_after_permit_mynetworks_still_checks_logged_in_clients(tmp_path) -> None:
    assert shaded(tmp_path, "smtpd_recipient_restrictions = permit_mynetworks, reject_sender_login_mismatch") == []


def test_restriction_classes_are_searched_too(tmp_path) -> None:
    (d,) = shaded(tmp_path, "smtpd_restriction_classes = strict", "strict = permit, reject",
                  "smtpd_recipient_restrictions = strict")
    assert d.span.line == 8 and "reject in strict" in d.message


def test_the_compiled_lists_shade_nothing(repo) -> None:
    from mailpolicy.compiler import compile_policy
    for path in sorted((repo / "examples").glob("*.mailpolicy")):
        assert not [d for d in compile_policy(path).diagnostics if d.code == "MP307"], path


def test_a_rejection_after_a_bare_permit_is_a_warning_that_does_not_refuse(tmp_path) -> None:
    # The list ends on purpose; relaying is proved on its own (MP301), so the dead entry opens nothing.
    c = compile_text(tmp_path, HEAD + "set smtpd_recipient_restrictions = permit, reject_unauth_destination\n")
    (d,) = [d for d in c.diagnostics if d.code == "MP307"]
    assert not d.is_error and c.ok and c.outputs


@pytest.mark.parametrize("check", sorted(LOGIN_MISMATCH_CHECKS))
def test_a_login_check_after_a_bare_permit_is_still_an_error(tmp_path, check: str) -> None:
    # Every one of the four: reject_unauthenticated_sender_login_mismatch was a warning here before,
    # when shading.py kept its own list of three (the ones that refuse logged-in clients).
    (d,) = shaded(tmp_path, f"smtpd_recipient_restrictions = permit, {check}")
    assert d.is_error and "can never reject any client" in d.message


@pytest.mark.parametrize("check", sorted(LOGIN_MISMATCH_CHECKS))
def test_after_permit_sasl_authenticated_only_a_check_of_logged_in_clients_is_shaded(tmp_path, check: str) -> None:
    # reject_unauthenticated_sender_login_mismatch never refuses a logged-in client (smtpd_check.c):
    # the permit before it takes nothing from it.
    found = shaded(tmp_path, f"smtpd_recipient_restrictions = permit_sasl_authenticated, {check}")
    if check in LOGGED_IN_LOGIN_CHECKS:
        (d,) = found  # "any client" for reject_authenticated_...: it rejects nobody else anyway
        assert "can never reject" in d.message and "permit_sasl_authenticated" in d.message and d.is_error
    else:
        assert found == []
