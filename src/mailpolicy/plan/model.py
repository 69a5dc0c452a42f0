"""The planned configuration: parameters with their values, reasons and sources."""

from __future__ import annotations

import posixpath

import attrs

from mailpolicy.frozen import frozen
from mailpolicy.source import Span


@frozen
class Entry:
    """One restriction in a restriction list, and why it stands where it stands."""

    name: str
    reason: str
    source: Span | None = None


@frozen
class Parameter:
    """One main.cf parameter. Restriction lists carry their entries; the value is derived from them."""

    name: str
    value: str
    reason: str
    source: Span | None = None
    entries: tuple[Entry, ...] | None = None
    managed: bool = True
    # The statement that decided the value, named without its line ("hostname", "allow user",
    # "set smtpd_tls_security_level"): main.cf cites this, so a line added above it in the
    # policy does not change main.cf. Empty for a value no statement decided.
    statement: str = ""

    @classmethod
    def restriction_list(cls, name: str, entries: tuple[Entry, ...], reason: str, source: Span | None,
                         statement: str = "") -> Parameter:
        return cls(name, ", ".join(e.name for e in entries), reason, source, entries, statement=statement)


@frozen
class MapEntry:
    """One key of the sender login map with every login that owns it."""

    key: str
    owners: tuple[str, ...]


class WrittenTable:
    """Where Postfix reads a table the compile writes: `type` and absolute `path` (of the subclass)."""

    type: str
    path: str

    @property
    def filename(self) -> str:
        return posixpath.basename(self.path)

    @property
    def reference(self) -> str:
        return f"{self.type}:{self.path}"


@frozen(eq=False)
class SenderMapPlan(WrittenTable):
    """The smtpd_sender_login_maps table: where Postfix reads it and what it holds.

    `owners` maps each key to its value in the map file (`login[, login...]`), `keys` lists them
    sorted. A million keys are a dictionary and a list, not a million objects: the map file is
    written from them and the simulator looks keys up in the very same dictionary.
    """

    type: str
    path: str
    keys: list[str]
    owners: dict[str, str]
    pairs: int  # distinct (key, login) pairs: fewer than the policy's ownerships when one repeats

    @property
    def entries(self) -> tuple[MapEntry, ...]:
        """Return every key with its owners, as objects (for small maps and tests)."""
        return tuple(MapEntry(key, self.owners_of(key)) for key in self.keys)

    def owners_of(self, key: str) -> tuple[str, ...]:
        """Return the logins that own a key, in the order the policy first names them."""
        return tuple(self.owners[key].split(", "))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SenderMapPlan):
            return NotImplemented
        return (self.type, self.path, self.keys, self.owners) == (other.type, other.path, other.keys, other.owners)

    __hash__ = None


@frozen(eq=False)
class TablePlan(WrittenTable):
    """One lookup table the compile writes beside main.cf: where Postfix reads it and what it holds."""

    type: str
    path: str
    entries: dict[str, str]   # key (lower case) -> value, in the order written
    parameter: str            # the main.cf parameter that names it
    about: str                # the header line that says what the table is for

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TablePlan):
            return NotImplemented
        return (self.type, self.path, self.entries, self.parameter) == (other.type, other.path, other.entries,
                                                                        other.parameter)

    __hash__ = None


@frozen
class ConfigPlan:
    """Every parameter to write, in output order, and the sender map if the policy has owners."""

    version: str
    parameters: tuple[Parameter, ...]
    sender_map: SenderMapPlan | None
    # The master.cf smtpd services the policy states (mailpolicy.plan.services.ServicePlan), if any.
    services: tuple = ()
    # The other tables written beside main.cf (mailboxes, aliases, relay recipients).
    tables: tuple[TablePlan, ...] = ()
    # The pgsql_table(5) files of `owners from` lines (plan/database.py SqlTablePlan).
    sql_tables: tuple = ()
    # `check --db`: the rows each pgsql table answers with now (reference -> key -> value), read-only.
    database_rows: dict = attrs.field(factory=dict, eq=False)
    # Checks ask for parameters by name once per `set` line and per finding: one lookup each.
    _by_name: dict[str, Parameter] = attrs.field(init=False, eq=False, repr=False)

    @_by_name.default
    def _index(self) -> dict[str, Parameter]:
        return {p.name: p for p in reversed(self.parameters)}  # the first of a name wins, as in a scan

    def parameter(self, name: str) -> Parameter | None:
        return self._by_name.get(name)

    def values(self) -> dict[str, str]:
        """Return the parameters as main.cf would hold them, name to value."""
        return {p.name: p.value for p in self.parameters}
