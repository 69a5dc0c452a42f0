"""State what the proof assumes about tables kept in a database (MP380), unless `check --db` read them."""

from __future__ import annotations

from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat


def check_database_assumptions(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """Say, at each `owners from` line, what the sender-ownership reasoning takes the table to answer."""
    read = ctx.plan.database_rows
    for table in ctx.plan.sql_tables:
        if table.reference in read:
            continue
        source = table.source
        yield cat.OWNERS_IN_DATABASE.at(
            source.span, f"the rows of {rows_named(source)} are not read here: the proof assumes "
                         f"{database_assumption(source)} (as Postfix will look them up), and "
                         "`expect` lines that depend on them are left to `check --db` and `verify`",
            hint="run `mailpolicy check --db POLICY` to prove the policy with the rows as they are now")


def rows_named(source) -> str:
    """Return how a database table of the policy is named in a sentence: `domains in database maildb`."""
    return f"{source.table} in database {source.database.name}"


def database_assumption(source) -> str:
    """Return what the proof takes the rows of one of the policy's database tables to mean (MP380; explain)."""
    return _ASSUMED[source.kind]


_ASSUMED = {
    "owners": "each address it holds is owned by the logins of its rows",
    "aliases": "each address it holds is an alias of its rows' destinations, and a valid recipient",
    "mailboxes": "each address it holds is a mailbox, and a valid recipient",
    "domains": "each domain it holds is hosted here (delivered, never relayed)",
}
