"""Read the rows of the policy's database tables, read-only, as Postfix's pgsql client will see them.

`mailpolicy check --db` proves the policy with the rows as they are now. psycopg 3 (the maintained
PostgreSQL driver; optional extra `mailpolicy[db]`) is imported only here, so a policy without a
database, and every other command, starts without it. The session is read-only (`SET TRANSACTION
READ ONLY` through psycopg's `read_only`), and the rows come as one text the server joins, so a
million owners cost one pass over about 40 MB.

What Postfix answers (src/global/dict_pgsql.c): the lookup key is folded to lower case before the
query (DICT_FLAG_FOLD_FIX), and PostgreSQL compares text case-sensitively, so a row whose address
has a capital letter is never found; the values of several rows for one key are joined with
commas. The table built here answers exactly that.
"""

from __future__ import annotations

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model.database import COLUMNS

CONNECT_TIMEOUT = 10


def read_owner_rows(tables) -> tuple[dict[str, dict[str, str]], list[Diagnostic]]:
    """Return reference -> {key: value} for each planned pgsql table, and why some could not be read."""
    try:
        import psycopg
    except ImportError:
        span = tables[0].source.span if tables else None
        return {}, [cat.DATABASE_UNREADABLE.at(span, "`check --db` needs psycopg 3, which is not installed",
                                               hint="pip install 'mailpolicy[db]'")]
    found: dict[str, dict[str, str]] = {}
    problems: list[Diagnostic] = []
    unreachable_databases: set[str] = set()
    for table in tables:
        owners = table.source
        database = owners.database
        if database.name in unreachable_databases:
            continue  # one error per database that refused the connection, at its first table
        try:
            with psycopg.connect(host=database.host, port=database.port, dbname=database.dbname, user=database.user,
                                 password=database.password, connect_timeout=CONNECT_TIMEOUT) as connection:
                connection.read_only = True  # psycopg: every transaction is SET TRANSACTION READ ONLY
                rows, unreachable = _rows(connection, owners.table, *COLUMNS[owners.kind])
        except psycopg.Error as error:
            if isinstance(error, psycopg.OperationalError):
                unreachable_databases.add(database.name)
            # The driver's message names host, user and database, never the password.
            problems.append(cat.DATABASE_UNREADABLE.at(
                owners.span, f"cannot read {owners.table} of database {database.name}: "
                             f"{str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}",
                hint="check the address, the password file and that the role may SELECT from the table"))
            continue
        found[table.reference] = rows
        key = COLUMNS[owners.kind][0]
        if unreachable:
            problems.append(cat.DATABASE_ROWS_UNREACHABLE.at(
                owners.span, f"{unreachable:,} row(s) of {owners.table} have a {key} with a capital letter or "
                             "surrounding space: Postfix looks keys up in lower case, so those rows are never found",
                hint=f"store them in lower case (UPDATE {owners.table} SET {key} = lower(trim({key})))"))
    return found, problems


def _rows(connection, table: str, key: str, value: str) -> tuple[dict[str, str], int]:
    owners: dict[str, str] = {}
    unreachable = 0
    # The server joins the rows into one text (fields split by U+001F, rows by U+001E, characters
    # no address or login holds): one value crosses the driver instead of a million row objects,
    # and Python splits it in one pass (measured: about ten times faster than iterating a cursor).
    # `table` passed the identifier check of model/database.py (a plain or schema-qualified name).
    query = (f"SELECT string_agg({key} || chr(31) || {value}, chr(30)) FROM {table} "
             f"WHERE {key} IS NOT NULL AND {value} IS NOT NULL")
    with connection.cursor() as cursor:
        (text,) = cursor.execute(query).fetchone()
    for row in text.split("\x1e") if text else ():
        address, _, login = row.partition("\x1f")
        if address != address.lower() or address != address.strip():
            unreachable += 1
            continue
        earlier = owners.get(address)
        owners[address] = login if earlier is None else f"{earlier}, {login}"
    return owners, unreachable
