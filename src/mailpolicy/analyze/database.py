"""State what the proof assumes about tables it cannot read: the policy's database tables (MP380), unless
`check --db` read them, and the login maps the site maintains (`owners from map`: MP334, MP338).

The compiler names a site's login map in smtpd_sender_login_maps and never reads it: its rows live
in MySQL, LDAP, PostgreSQL or a file the site keeps up to date. smtpd looks a MAIL FROM address up
in it as in any login map (`user@domain`, then `user` for a local domain, then `@domain`:
postconf(5) smtpd_sender_login_maps; smtpd_check.c check_sender_login_maps goes through
mail_addr_find), so the sender-ownership reasoning takes its answers as given: which addresses
have owners, and who they are, is the site's to decide, and `reject_sender_login_mismatch`
enforces whatever it answers.
"""

from __future__ import annotations

import posixpath
from typing import Iterator

from mailpolicy.analyze.context import AnalysisContext
from mailpolicy.checks.proxy_maps import ProxyApproval
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.model.values import SERVICE_OWNER_MAP_TYPES
from mailpolicy.postfix.table_refs import table_ref


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


MAP_ASSUMPTION = ("takes its answers as given: each address it answers for is owned by the logins it answers "
                  "with, one it does not answer for has no owner")


def map_path(reference: str) -> str:
    """Return the file a login map reference names: `proxy:ldap:/etc/postfix/x.cf` -> `/etc/postfix/x.cf`.

    A `tcp:` or `socketmap:` service names an endpoint, never a file the compile writes: it is
    returned as it is and clashes with none.
    """
    return table_ref(reference).name  # `owners from map` checked the reference (model/values.py)


def asked_whole_address(reference: str) -> bool:
    """Tell whether smtpd asks this login map for the whole address only (a `tcp:` or `socketmap:` service)."""
    return table_ref(reference).type in SERVICE_OWNER_MAP_TYPES


def check_owner_maps(ctx: AnalysisContext) -> Iterator[Diagnostic]:
    """State MP334 at each `owners from map` line; refuse one that names a file the compile writes (MP338)."""
    if not ctx.policy.owner_maps:
        return
    plan = ctx.plan
    written = {t.path: what for what, tables in (("the sender map", [plan.sender_map] if plan.sender_map else []),
                                                  ("a table the compile writes", plan.tables),
                                                  ("a pgsql table the compile writes", plan.sql_tables))
               for t in tables}
    refused = ProxyApproval(ctx).unapproved(ctx)
    for owner_map in ctx.policy.owner_maps:
        where = posixpath.normpath(map_path(owner_map.reference))
        clash = written.get(where)
        if clash is not None:
            yield cat.OWNER_MAP_OVERWRITTEN.at(
                owner_map.span, f"{owner_map.reference} is {clash} ({where}): the compile writes that file "
                                "from the policy, and deploying it would replace the site's map",
                hint="name the site's map by its own path, or move the policy's map with `sender map`")
            continue
        if ctx.policy.sasl is None:
            continue  # MP308 says the owners need SASL; the plan leaves the map out
        if owner_map.reference in refused:
            continue  # MP339 (checks/proxy_maps.py): smtpd stops before it would ask the map
        asked = (" (smtpd asks this service for the whole address only, never `user` or `@domain`)"
                 if asked_whole_address(owner_map.reference) else "")
        yield cat.OWNERS_IN_MAP.at(
            owner_map.span, f"{owner_map.reference} is the site's map and is not read here: the proof "
                            f"{MAP_ASSUMPTION}{asked}; `expect` lines that depend on it are left to `verify`",
            hint="`mailpolicy verify POLICY --owners-map REF=ROWS` runs the expect lines with those rows standing "
                 "in for it")
