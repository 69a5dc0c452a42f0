"""What every analysis pass reads: the policy and the configuration planned from it."""

from __future__ import annotations

from mailpolicy.frozen import frozen
from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import ConfigPlan


@frozen
class AnalysisContext:
    policy: Policy
    plan: ConfigPlan
