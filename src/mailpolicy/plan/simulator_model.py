"""Build the simulator's model from a compiled plan: its parameters and its sender login map."""

from __future__ import annotations

from mailpolicy.plan.model import ConfigPlan
from mailpolicy.simulate.config import Host
from mailpolicy.simulate.decide import PostfixModel
from mailpolicy.simulate.lookup import FoldedTable


def plan_tables(plan: ConfigPlan) -> dict[str, FoldedTable]:
    """Return the tables a plan writes, by the reference main.cf uses for them."""
    tables = {table.reference: FoldedTable(table.entries) for table in plan.tables}
    # Rows `check --db` read: keys lower case already (database/rows.py folds them as smtpd does).
    tables.update({reference: FoldedTable(rows) for reference, rows in plan.database_rows.items()})
    if plan.sender_map is None:
        return tables
    # The map file holds `address<TAB>owner, owner`; Postfix splits owners at commas or spaces.
    # The plan's own dictionary is the table, not a copy: its keys are lower case already.
    return {**tables, plan.sender_map.reference: FoldedTable(plan.sender_map.owners)}


def model_from_plan(plan: ConfigPlan, host: Host = Host()) -> PostfixModel:
    """Return the model of the main.cf and sender map a plan compiles to."""
    return PostfixModel.from_parameters(plan.values(), plan_tables(plan), plan.version, host)
