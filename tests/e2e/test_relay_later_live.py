"""`relay ..., others try later` on a real Postfix: relay is refused with 454, and `expect defer` holds."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from tests.e2e.live import verified_case

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

CASE = REPO / "tests" / "cases" / "checks" / "relay-others-try-later" / "site.mailpolicy"


def test_the_relay_guard_defers_and_every_expect_line_holds_on_the_real_server() -> None:
    verification, table = verified_case(CASE)
    deferred = [o for o in verification.outcomes if o.expectation.defer]
    assert deferred, table
    for outcome in deferred:
        # defer_unauth_destination: 454 4.7.1 "Relay access denied" (relay_domains_reject_code 554 made 4xx).
        assert outcome.attempt.code == 454 and "Relay access denied" in outcome.attempt.reply, table
    for outcome in verification.outcomes:
        if outcome.expectation.accept:
            assert 200 <= outcome.attempt.code < 300, table
