"""Every example's `expect` lines, sent to a real Postfix running the compiled example."""

from __future__ import annotations

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.verify import render_table, verify_compilation
from tests.conftest import REPO

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

EXAMPLES = sorted((REPO / "examples").glob("*.mailpolicy"))


def test_there_are_examples_with_expectations() -> None:
    assert len(EXAMPLES) >= 3
    for path in EXAMPLES:
        assert compile_policy(path).policy.expectations, f"{path.name} has no expect lines"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_expect_line_of_the_example_holds_on_the_real_server(path) -> None:
    compilation = compile_policy(path)
    assert compilation.ok, [str(d) for d in compilation.diagnostics]
    # A policy with owners in a database has its rows beside it (examples/NAME.sql).
    rows = path.with_suffix(".sql")
    verification = verify_compilation(compilation, rows=rows if rows.exists() else None)
    table = render_table(verification, compilation.policy, compilation.path, "Postfix")
    # Every line ran; with services, once on each service it is about (examples/phones.mailpolicy).
    assert {o.expectation for o in verification.outcomes} == set(compilation.policy.expectations)
    if compilation.plan.services:
        assert verification.probes and all(p.ok for p in verification.probes), table
    assert verification.confirmed, table
    # Each verdict is the server's own: a 2xx RCPT reply or a permanent 5xx refusal.
    for outcome in verification.outcomes:
        code = outcome.attempt.code
        assert (200 <= code < 300) if outcome.expectation.accept else (500 <= code < 600), table
