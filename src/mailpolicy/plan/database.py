"""Plan the pgsql_table(5) files the database statements compile to, and the map references that use them.

Postfix's pgsql client (src/global/dict_pgsql.c) reads `hosts`, `user`, `password`, `dbname` and
`query` from the file; a query with `%s` makes the table a "fixed" one, so smtpd looks up
`user@domain`, then `user`, then `@domain`, each folded to lower case (DICT_FLAG_FOLD_FIX), and
joins the values of several rows with commas: the same answers a hash map of the same rows gives.
"""

from __future__ import annotations

import posixpath

from mailpolicy.frozen import frozen
from mailpolicy.model.database import COLUMNS, DatabaseTable
from mailpolicy.model.policy import Policy
from mailpolicy.plan.model import WrittenTable


@frozen
class SqlTablePlan(WrittenTable):
    """One pgsql_table(5) file: where main.cf names it, the database table it reads and the query."""

    path: str
    source: DatabaseTable
    query: str
    parameter: str
    type: str = "pgsql"


# The main.cf parameter each kind of table answers.
PARAMETERS = {"owners": "smtpd_sender_login_maps", "aliases": "virtual_alias_maps",
              "mailboxes": "virtual_mailbox_maps", "domains": "virtual_mailbox_domains"}


def plan_sql_tables(policy: Policy, kinds: tuple[str, ...]) -> list[SqlTablePlan]:
    """Return one pgsql table per database table of these kinds, in the sender map's folder."""
    folder = posixpath.dirname(policy.sender_map.value[1])
    planned = []
    names: set[str] = set()
    for table in policy.database_tables:
        if table.kind not in kinds:
            continue
        name = f"{table.database.name}-{table.table.replace('.', '-')}.cf"
        if name in names:  # one table read as two kinds: one file each
            name = f"{table.database.name}-{table.kind}-{table.table.replace('.', '-')}.cf"
        names.add(name)
        key, value = COLUMNS[table.kind]
        # The key is quoted by Postfix: dict_pgsql.c escapes `%s` with PQescapeStringConn.
        query = f"SELECT {value} FROM {table.table} WHERE {key} = '%s'"
        planned.append(SqlTablePlan(posixpath.join(folder, name), table, query, PARAMETERS[table.kind]))
    return planned
