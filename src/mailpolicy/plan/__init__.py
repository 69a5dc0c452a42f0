"""The plan stage: decide every Postfix parameter the policy needs, in a fixed order, with reasons."""

from mailpolicy.plan.config import ConfigPlan, Entry, MapEntry, Parameter, SenderMapPlan, plan_config

__all__ = ["ConfigPlan", "Entry", "MapEntry", "Parameter", "SenderMapPlan", "plan_config"]
