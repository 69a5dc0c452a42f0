"""Run one restriction, or one restriction list, for a request on its own, outside a whole SMTP session.

What the shading check asks (would this restriction reject, were it reached; where does this list
end) and what the proof asks when it groups requests that every restriction treats alike. All
parts of the request are known, as at RCPT TO with smtpd_delay_reject = yes (Postfix's default).
At each unknown (a DNS answer, a table's result) `choose` picks one of the outcomes, nominal first;
the default takes the nominal one.
"""

from __future__ import annotations

from mailpolicy.simulate.context import Chooser, Context, Outcome, Step
from mailpolicy.simulate.decide import ALL_PARTS, PostfixModel
from mailpolicy.simulate.request import Request
from mailpolicy.simulate.runner import Ended, Runner


def nominal(key: str, outcomes: tuple[Outcome, ...]) -> Outcome:
    """Take the nominal outcome at a choice point (nothing listed, nothing found)."""
    return outcomes[0]


def evaluate_alone(model: PostfixModel, request: Request, parameter: str, name: str, argument: str | None,
                   choose: Chooser = nominal) -> Outcome:
    """Return the outcome of restriction `name` (with `argument`) as an entry of `parameter`, on its own."""
    return _runner(model, request, choose).evaluate(Step(name, argument, parameter, 0, "x", "x"), 0)


def run_list_alone(model: PostfixModel, request: Request, parameter: str, words: tuple[str, ...],
                   choose: Chooser = nominal) -> Ended:
    """Return how the restriction list `words` (the value of `parameter`) ends for `request`, on its own."""
    return _runner(model, request, choose).run(parameter, words, "x", "x")


def _runner(model: PostfixModel, request: Request, choose: Chooser) -> Runner:
    ctx = Context(model, request, choose, ALL_PARTS)
    # A restriction class or a nested list runs through the context's runner (decide.run_nested).
    ctx.runner = Runner(ctx, [])
    return ctx.runner
