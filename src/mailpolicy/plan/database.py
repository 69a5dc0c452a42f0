"""Plan the pgsql_table(5) files the database statements compile to, and the map references that use them.

Postfix's pgsql client (src/global/dict_pgsql.c) reads `hosts`, `user`, `password`, `dbname` and
`query` from the file; a query with `%s` makes the table a "fixed" one, so smtpd looks up
`user@domain`, then `user`, then `@domain`, each folded to lower case (DICT_FLAG_FOLD_FIX), and
joins the values of several rows with commas: the same answers a hash map of the same rows gives.
"""

from __future__ import annotations

import posixpath

from mailpolicy.frozen import frozen
from mailpolicy.model.database import OwnersTable
from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import WrittenTable


@frozen
class SqlTablePlan(WrittenTable):
    """One pgsql_table(5) file: where main.cf names it, the database and the query."""

    path: str
    source: OwnersTable
    query: str
    parameter: str
    type: str = "pgsql"


def plan_sql_tables(policy: Policy) -> list[SqlTablePlan]:
    """Return one pgsql table per `owners from` line, in the sender map's folder."""
    folder = posixpath.dirname(policy.sender_map.value[1])
    planned = []
    for owners in policy.owner_tables:
        name = f"{owners.database.name}-{owners.table.replace('.', '-')}.cf"
        # The key is quoted by Postfix: dict_pgsql.c escapes `%s` with PQescapeStringConn.
        query = f"SELECT login FROM {owners.table} WHERE address = '%s'"
        planned.append(SqlTablePlan(posixpath.join(folder, name), owners, query, "smtpd_sender_login_maps"))
    return planned
