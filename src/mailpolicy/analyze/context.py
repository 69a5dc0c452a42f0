"""What every analysis pass reads: the policy and the configuration planned from it."""

from __future__ import annotations

import attrs

from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import ConfigPlan


@attrs.frozen
class AnalysisContext:
    policy: Policy
    plan: ConfigPlan
