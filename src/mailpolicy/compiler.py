"""The pipeline, start to end: load -> build the model -> plan -> analyze -> emit."""

from __future__ import annotations

import os

import attrs

from mailpolicy.analyze import AnalysisContext, analyze
from mailpolicy.diagnostics import Diagnostic, finalize, has_errors
from mailpolicy.emit.main_cf import render_main_cf
from mailpolicy.emit.provenance import Provenance
from mailpolicy.emit.sender_map import render_sender_map
from mailpolicy.frozen import frozen
from mailpolicy.model.build import build_policy
from mailpolicy.model.loader import load_policy
from mailpolicy.model.policy import Policy
from mailpolicy.plan import ConfigPlan, plan_config
from mailpolicy.source import SourceFile

MAIN_CF = "main.cf"


@frozen
class Compilation:
    """What compiling one policy produced: diagnostics always, output files only when clean."""

    path: str
    sources: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    policy: Policy | None = None
    plan: ConfigPlan | None = None
    outputs: dict[str, str] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def compile_policy(path: str | os.PathLike, *, warnings_as_errors: bool = False) -> Compilation:
    """Compile the policy at `path`; never raises for bad input, reports it as diagnostics."""
    path = str(path)
    loaded = load_policy(path)
    diagnostics = list(loaded.diagnostics)
    if has_errors(diagnostics) and not loaded.statements:
        return Compilation(path, loaded.sources, finalize(diagnostics, warnings_as_errors))
    policy, problems = build_policy(loaded)
    diagnostics.extend(problems)
    # The statements are a third of a large compile's memory and the policy holds what they said.
    sources = loaded.sources
    del loaded
    plan = plan_config(policy)
    diagnostics.extend(analyze(AnalysisContext(policy, plan)))
    ordered = finalize(diagnostics, warnings_as_errors)
    if has_errors(ordered):
        return Compilation(path, sources, ordered, policy, plan)
    return Compilation(path, sources, ordered, policy, plan, emit(plan, path))


def emit(plan: ConfigPlan, path: str) -> dict[str, str]:
    """Render every output file of a plan: name in the output folder -> text."""
    provenance = Provenance(path)
    outputs = {MAIN_CF: render_main_cf(plan, provenance)}
    if plan.sender_map is not None:
        outputs[plan.sender_map.filename] = render_sender_map(plan.sender_map, provenance)
    return outputs
