"""Check `set` lines that would fight the policy: managed parameters and repeated names."""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.parse.registry import managed_parameters
from mailpolicy.plan.config import MANAGED

# Which statement decides each managed parameter, for the hint.
_MANAGED_BY = {name: " / ".join(kind.name for kind in kinds) for name, kinds in managed_parameters().items()}


def check_managed_settings(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Refuse a `set` of a parameter a statement manages, pointing at the statement too."""
    for setting in ctx.policy.settings:
        if setting.name not in MANAGED:
            continue
        planned = ctx.plan.parameter(setting.name)
        related = ()
        if planned is not None and planned.source is not None:
            related = (Related(planned.source, f"{setting.name} is decided here"),)
        yield cat.MANAGED_PARAMETER.at(
            setting.name_span, f"{setting.name} is managed by the policy; `set` may not change it",
            hint=f"use the `{_MANAGED_BY[setting.name]}` statement instead", related=related)


def check_duplicate_settings(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Refuse a parameter set twice: main.cf would silently keep the last one."""
    first: dict[str, object] = {}
    for setting in ctx.policy.settings:
        if setting.name in first:
            yield cat.DUPLICATE_SET.at(setting.name_span, f"{setting.name} is already set",
                                       hint="keep one of the two lines",
                                       related=(Related(first[setting.name], "first set here"),))
        else:
            first[setting.name] = setting.span
