"""`mailpolicy verify FILE`: run the policy's expect lines against a real, throwaway Postfix."""

from __future__ import annotations

from pathlib import Path

import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import exit_if_unreadable, format_option, print_diagnostics, warnings_option
from mailpolicy.compiler import compile_policy
from mailpolicy.sandbox import PortUnavailable, SandboxUnavailable, sandbox_available
from mailpolicy.sandbox.postgres import DatabaseUnavailable, database_available
from mailpolicy.sandbox.signals import Interrupted, unwinding_signals
from mailpolicy.verify import render_table, server_versions, verify_compilation
from mailpolicy.verify.database import RowsRefused


@click.command("verify", epilog=exit_codes.EXIT_CODES_HELP)
@click.argument("policy", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--database", "rows", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="An SQL file of rows: loaded into a throwaway PostgreSQL that stands in for the policy's "
                   "database (needed when the policy has `owners from`).")
@click.option("--owners-map", "owner_maps", multiple=True, metavar="REF=ROWS",
              help="A file of `ADDRESS LOGIN` lines standing in for the policy's `owners from map REF` "
                   "(needed for each such map: the sandbox cannot reach the site's directory or database).")
@format_option
@warnings_option
def verify_command(policy: Path, rows: Path | None, owner_maps: tuple[str, ...], output_format: str,
                   warnings_as_errors: bool) -> None:
    """Compile POLICY, boot it in a throwaway Postfix + Dovecot on loopback, and send every
    `expect` line to that real server.

    Prints a table (expected, got, the server's reply, the policy line). Exit 0 when the server
    confirms every expectation, 1 when the policy has errors or the server disagrees with an
    expectation, 2 when POLICY cannot be read or this machine cannot run the sandbox (Postfix or
    Dovecot missing, or not root). Nothing is installed or changed outside a temporary folder.
    Interrupted by SIGINT, SIGTERM or SIGHUP, it stops the sandbox, removes its folder and exits
    130, 143 or 129.
    """
    # SIGTERM and SIGHUP would otherwise end Python without any teardown, leaving root's
    # master, smtpd and Dovecot running (sandbox/signals.py).
    with unwinding_signals():
        try:
            _verify(policy, rows, owner_maps, output_format, warnings_as_errors)
        except Interrupted as interrupted:
            click.echo(f"mailpolicy: verify interrupted by {interrupted.name}; "
                       "any sandbox it started is stopped and removed", err=True)
            raise


def _verify(policy: Path, rows: Path | None, owner_maps: tuple[str, ...], output_format: str,
            warnings_as_errors: bool) -> None:
    exit_if_unreadable([policy])
    compilation = compile_policy(policy, warnings_as_errors=warnings_as_errors)
    print_diagnostics(list(compilation.diagnostics), compilation.sources, output_format)
    if not compilation.ok:
        raise SystemExit(exit_codes.PROBLEMS)
    if not compilation.policy.expectations:
        click.echo(f"mailpolicy: {policy} has no expect lines: nothing to verify", err=True)
        return
    from mailpolicy.verify.owner_maps import OwnerMapsRefused, missing_reason, parse_owner_maps, stand_in_rows

    try:
        given = parse_owner_maps(owner_maps)
        reason = missing_reason(compilation.policy, given)
        owner_rows = stand_in_rows(given) if reason is None else {}
    except OwnerMapsRefused as refused:
        reason = str(refused)
    if reason is not None:
        click.echo(f"mailpolicy: cannot verify on a real Postfix here: {reason}", err=True)
        raise SystemExit(exit_codes.USAGE)
    reason = sandbox_available()
    if reason is None and compilation.plan.sql_tables:
        reason = _database_reason(rows)
    elif reason is None and rows is not None:
        reason = f"--database {rows} was given, but the policy reads no database table"
    if reason is not None:
        click.echo(f"mailpolicy: cannot verify on a real Postfix here: {reason}", err=True)
        raise SystemExit(exit_codes.USAGE)
    try:
        verification = verify_compilation(compilation, rows=rows, owner_rows=owner_rows)
    except PortUnavailable as error:
        # Another local program raced for the port: nothing is known about the policy.
        click.echo(f"mailpolicy: cannot verify now: {error}", err=True)
        raise SystemExit(exit_codes.USAGE)
    except (DatabaseUnavailable, RowsRefused) as error:
        click.echo(f"mailpolicy: cannot verify with a stand-in database: {error}", err=True)
        raise SystemExit(exit_codes.USAGE)
    except SandboxUnavailable as error:
        # sandbox_available() said this machine can run Postfix and Dovecot, so the compiled
        # configuration is the likely culprit; the report quotes their own words.
        click.echo(f"mailpolicy: the sandbox did not start with the compiled configuration:\n{error}", err=True)
        raise SystemExit(exit_codes.PROBLEMS)
    click.echo(render_table(verification, compilation.policy, compilation.path, server_versions()), nl=False)
    if not verification.confirmed:
        raise SystemExit(exit_codes.PROBLEMS)


def _database_reason(rows: Path | None) -> str | None:
    """Say why the policy's database cannot be stood in for, or None when it can."""
    if rows is None:
        return ("the policy reads owners from a database: give `--database ROWS.sql`, the rows a throwaway "
                "PostgreSQL loads to stand in for it (verify never connects to the real one)")
    return database_available()
