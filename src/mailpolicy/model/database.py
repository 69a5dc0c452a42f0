"""A PostgreSQL database the policy's maps query, and the owners kept in one of its tables, validated.

`database maildb postgresql://postfix@127.0.0.1:5432/mail password "maildb.password"` names the
server; the password is read from the file (named relative to the policy, in its folder), never
written in the policy, in main.cf or in any message. `owners from maildb table sender_owners`
says the table (or view) holds one row per (address, login) in columns `address` and `login`:
the shape Postfix's pgsql_table(5) query `SELECT login FROM sender_owners WHERE address='%s'`
answers smtpd_sender_login_maps with. `aliases from` (columns `address`, `destination`),
`mailboxes from` (`address`) and `hosted domains from` (`domain`) do the same for
virtual_alias_maps, virtual_mailbox_maps and virtual_mailbox_domains (`COLUMNS`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import attrs

from mailpolicy.diagnostics import Diagnostic, Related
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.load.files import read_bytes
from mailpolicy.parse import statements as st
from mailpolicy.source import Span

# An SQL identifier mailpolicy writes into a query unquoted: a plain name, optionally schema-qualified.
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?")
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_HOST = re.compile(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]")
MAX_PASSWORD_BYTES = 1024


@frozen
class Database:
    """A PostgreSQL server and database; `password` is the secret itself (kept out of repr)."""

    name: str
    host: str
    port: int
    dbname: str
    user: str
    password: str = attrs.field(repr=False)
    span: Span


@frozen
class DatabaseTable:
    """`KIND from DATABASE table TABLE`: owners, aliases, mailboxes or hosted domains kept in a table."""

    database: Database
    table: str
    span: Span
    kind: str = "owners"  # owners | aliases | mailboxes | domains


# What each kind's table holds: its key column, and what a lookup answers (a column, or a constant).
COLUMNS = {"owners": ("address", "login"), "aliases": ("address", "destination"),
           "mailboxes": ("address", "'OK'"), "domains": ("domain", "domain")}


class DatabaseBuilder:
    """Collect `database` and `owners from` statements, reporting each problem at its word."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self._databases: dict[str, Database] = {}
        self._tables: list[tuple[st.Statement, str, str]] = []

    def database(self, s: st.Database) -> None:
        name = s.name.text
        if not _NAME.fullmatch(name):
            self.diagnostics.append(cat.INVALID_DATABASE.at(s.name.span, f"`{name}` is not a database name",
                                                            hint="a name of lower-case letters, digits, - and _"))
            return
        earlier = self._databases.get(name)
        if earlier is not None:
            self.diagnostics.append(cat.DUPLICATE_STATEMENT.at(
                s.name.span, f"database `{name}` is already stated", hint="keep one of the two lines",
                related=(Related(earlier.span, "first stated here"),)))
            return
        parsed = _connection(s.url, self.diagnostics)
        password = _password(s.password, self.diagnostics)
        if parsed is None or password is None:
            return
        host, port, dbname, user = parsed
        self._databases[name] = Database(name, host, port, dbname, user, password, s.span)

    def table(self, s, kind: str) -> None:
        """An `owners from`, `aliases from`, `mailboxes from` or `hosted domains from` line."""
        table = s.table.text
        if not _IDENTIFIER.fullmatch(table):
            self.diagnostics.append(cat.INVALID_DATABASE.at(
                s.table.span, f"`{table}` is not a table name mailpolicy writes into a query",
                hint="a lower-case name (letters, digits, _), optionally schema.name; a view gives any schema this shape"))
            return
        self._tables.append((s, table, kind))

    def finish(self) -> tuple[tuple[Database, ...], tuple[DatabaseTable, ...]]:
        tables = []
        for statement, table, kind in self._tables:
            database = self._databases.get(statement.database.text)
            if database is None:
                self.diagnostics.append(cat.UNKNOWN_DATABASE.at(
                    statement.database.span, f"no `database {statement.database.text} ...` line names this database",
                    hint="add `database NAME postgresql://USER@HOST/DBNAME password \"FILE\"`"))
                continue
            tables.append(DatabaseTable(database, table, statement.span, kind))
        return tuple(self._databases.values()), tuple(tables)


def _connection(word: st.Word, diagnostics: list[Diagnostic]) -> tuple[str, int, str, str] | None:
    def refuse(message: str) -> None:
        diagnostics.append(cat.INVALID_DATABASE.at(
            word.span, message, hint="write postgresql://USER@HOST[:PORT]/DBNAME (the password is read from its file)"))

    try:
        url = urlsplit(word.text)
        port = url.port or 5432
    except ValueError as error:
        refuse(f"`{word.text}` is not a PostgreSQL address: {error}")
        return None
    if url.scheme not in ("postgresql", "postgres") or not url.hostname or not url.username:
        refuse(f"`{word.text}` is not postgresql://USER@HOST[:PORT]/DBNAME")
        return None
    if url.password is not None:
        refuse("the address holds a password, which would be written where anyone reading the policy sees it")
        return None
    if url.query or url.fragment:
        refuse("connection options after `?` are not supported")
        return None
    dbname, user, host = unquote(url.path.lstrip("/")), unquote(url.username), url.netloc.rpartition("@")[2]
    host = host.rsplit(":", 1)[0] if url.port else host
    # pgsql_table(5) reads `user = ...` and `dbname = ...` as the rest of the line: a name with
    # space, `#`, `=` or a control character would not be what the server checks.
    for part, value in (("database", dbname), ("user", user)):
        if not value or not re.fullmatch(r"[A-Za-z0-9_.-]{1,63}", value):
            refuse(f"the {part} name `{value}` is empty or holds characters other than letters, digits, _ . -")
            return None
    if not _HOST.fullmatch(host):
        refuse(f"`{host}` is not a host name or address")
        return None
    return host.strip("[]") if ":" in host else host, port, dbname, user


def _password(word: st.Word, diagnostics: list[Diagnostic]) -> str | None:
    """Read the password file named relative to the policy, inside its folder; never show its content."""
    folder = Path(os.path.dirname(os.path.abspath(word.span.path)))
    relative = word.text
    if os.path.isabs(relative) or ".." in Path(relative).parts or not relative:
        diagnostics.append(cat.INVALID_DATABASE.at(
            word.span, f"the password file `{relative}` must be named relative to the policy, inside its folder",
            hint="keep the password file beside the policy (and out of version control)"))
        return None
    data, problem = read_bytes(folder / relative, relative, word.span)
    if problem is not None:
        diagnostics.append(problem)
        return None
    text = data.decode("utf-8", "replace").rstrip("\r\n")
    # Postfix's cfg_parser trims a value's surrounding blanks: such a password could never be sent.
    if len(data) > MAX_PASSWORD_BYTES or not text or text != text.strip() or any(not ch.isprintable() for ch in text):
        # The content is never quoted: a message would print the secret.
        diagnostics.append(cat.INVALID_DATABASE.at(
            word.span, f"`{relative}` must hold one line: the password (at most {MAX_PASSWORD_BYTES} bytes, "
                       "printable characters, no blank at either end)", hint="write the password alone on the file's first line"))
        return None
    return text
