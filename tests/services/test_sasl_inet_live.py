"""`sasl dovecot inet:HOST:PORT` compiles as written and verify logs in through the sandbox's own Dovecot."""

from __future__ import annotations

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.verify import verify_compilation
from tests.conftest import REPO

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]


def test_a_policy_with_dovecot_over_tcp_verifies() -> None:
    compilation = compile_policy(REPO / "tests" / "cases" / "services" / "sasl-over-inet.mailpolicy")
    assert compilation.ok, [str(d) for d in compilation.diagnostics]
    assert compilation.plan.parameter("smtpd_sasl_path").value == "inet:127.0.0.1:12345"
    verification = verify_compilation(compilation)
    assert verification.confirmed
    assert verification.outcomes[0].attempt.code == 250  # alice logged in and sent as her address
    assert any("in place of `inet:127.0.0.1:12345`" in note for note in verification.inputs.notes)
