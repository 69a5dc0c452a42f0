"""Names in `set` lines: parameters against the target version, restrictions inside restriction lists.

Each finding (MP401-MP405, MP316, MP702, MP703) and each place one must not fire is a case:
tests/cases/checks/<CODE>-<what>/ (tests/cases/test_commands.py). What stays here is the API."""

from __future__ import annotations

import pytest

from mailpolicy.checks.names import is_restriction_list


@pytest.mark.parametrize("name, expected", [
    ("smtpd_client_restrictions", True), ("smtpd_end_of_data_restrictions", True),
    ("smtp_recipient_restrictions", True), ("smtpd_relay_before_recipient_restrictions", False),
    ("smtpd_helo_required", False), ("freemail", False),
])
def test_which_parameters_hold_restriction_lists(name, expected) -> None:
    assert is_restriction_list(name, "3.7") is expected
    assert is_restriction_list("freemail", "3.7", frozenset({"freemail"}))
