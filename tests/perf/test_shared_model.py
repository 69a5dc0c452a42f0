"""The simulator checks of one compile share one model of the plan; another plan gets its own."""

from __future__ import annotations

import gc

from mailpolicy.analyze import AnalysisContext
from mailpolicy.analyze import simulation
from tests.helpers import compile_text

POLICY = ("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\nsasl dovecot private/auth\n"
          "relay only authenticated\nallow user bob as bob@example0.com\n")


def test_one_model_per_plan(tmp_path, monkeypatch) -> None:
    built = []
    real = simulation.model_from_plan
    monkeypatch.setattr(simulation, "model_from_plan", lambda plan: built.append(plan) or real(plan))
    first = compile_text(tmp_path, POLICY)
    ctx = AnalysisContext(first.policy, first.plan)
    assert simulation.model_of(ctx) is simulation.model_of(ctx)
    assert built.count(first.plan) == 1  # by the compile itself, then reused
    second = compile_text(tmp_path, POLICY.replace("bob", "amy"), name="other.mailpolicy")
    other = simulation.model_of(AnalysisContext(second.policy, second.plan))
    assert other is not simulation.model_of(ctx)
    assert other.login_maps is not None


def test_the_model_goes_with_its_plan(tmp_path) -> None:
    compilation = compile_text(tmp_path, POLICY)
    simulation.model_of(AnalysisContext(compilation.policy, compilation.plan))
    assert simulation._last_model[1] is not None
    del compilation
    gc.collect()
    assert simulation._last_model == [None, None]
