"""Stand a throwaway PostgreSQL in for the policy's database during `verify --database ROWS.sql`.

The policy's database is another machine's (or holds real users): verify loads the rows given in
ROWS.sql into a private PostgreSQL on loopback and points the sandbox's pgsql_table files at it,
with the role's own fresh password, so the real Postfix's real pgsql client answers
smtpd_sender_login_maps from those rows. Everything else in the files (the query) is the compiled one.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import attrs

from mailpolicy.compiler import Compilation
from mailpolicy.emit.provenance import Provenance
from mailpolicy.emit.sql_tables import render_sql_table
from mailpolicy.sandbox.postgres import PostgresSandbox
from mailpolicy.verify.inputs import SandboxInputs


class RowsRefused(ValueError):
    """The rows file could not be loaded (its SQL failed, or the policy names several databases)."""


@contextlib.contextmanager
def database_stand_in(compilation: Compilation, inputs: SandboxInputs, rows: Path) -> Iterator[SandboxInputs]:
    """Yield the sandbox inputs with every pgsql table answered by a throwaway PostgreSQL loaded from `rows`."""
    tables = compilation.plan.sql_tables
    databases = {t.source.database.name: t.source.database for t in tables}
    if len(databases) != 1:
        raise RowsRefused(f"the policy names {len(databases)} databases; verify stands in for exactly one")
    (database,) = databases.values()
    with PostgresSandbox(database.dbname, database.user) as server:
        try:
            server.sql(rows.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise RowsRefused(f"{rows} could not be loaded: {error}") from error
        server.grant_reading()
        stand_in = attrs.evolve(database, host=server.host, port=server.port, password=server.password)
        provenance = Provenance(compilation.path)
        maps = {table.path: render_sql_table(attrs.evolve(table, source=attrs.evolve(table.source, database=stand_in)),
                                             provenance) for table in tables}
        note = (f"database: a throwaway PostgreSQL on loopback, loaded from {rows.name}, stands in for "
                f"{database.name} (postgresql://{database.user}@{database.host}:{database.port}/{database.dbname})")
        yield attrs.evolve(inputs, maps={**inputs.maps, **maps}, notes=(*inputs.notes, note))
