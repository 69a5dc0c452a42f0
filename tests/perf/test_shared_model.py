"""The simulator checks of one compile share one model of the plan, kept by its analysis context."""

from __future__ import annotations

import gc
import weakref

from mailpolicy.analyze import AnalysisContext, analyze
from mailpolicy.analyze import context as analysis
from tests.helpers import compile_text

POLICY = ("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\nsasl dovecot private/auth\n"
          "relay only authenticated\nallow user bob as bob@example0.com\n")


def test_one_model_per_context(tmp_path, monkeypatch) -> None:
    built = []
    real = analysis.model_from_plan
    monkeypatch.setattr(analysis, "model_from_plan", lambda plan: built.append(plan) or real(plan))
    first = compile_text(tmp_path, POLICY)
    assert built.count(first.plan) == 1  # every check of the compile read the one model
    ctx = AnalysisContext(first.policy, first.plan)
    analyze(ctx)
    assert ctx.model() is ctx.model() and built.count(first.plan) == 2
    second = compile_text(tmp_path, POLICY.replace("bob", "amy"), name="other.mailpolicy")
    other = AnalysisContext(second.policy, second.plan).model()
    assert other is not ctx.model()
    assert other.login_maps is not None


def test_the_model_goes_with_its_context(tmp_path) -> None:
    compilation = compile_text(tmp_path, POLICY)
    model = weakref.ref(AnalysisContext(compilation.policy, compilation.plan).model())
    gc.collect()
    assert model() is None
