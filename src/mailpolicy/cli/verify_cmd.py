"""`mailpolicy verify FILE`: run the policy's expect lines against a real, throwaway Postfix."""

from __future__ import annotations

from pathlib import Path

import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import exit_if_unreadable, format_option, print_diagnostics, warnings_option
from mailpolicy.compiler import compile_policy
from mailpolicy.sandbox import SandboxUnavailable, sandbox_available
from mailpolicy.verify import render_table, server_versions, verify_compilation


@click.command("verify", epilog=exit_codes.EXIT_CODES_HELP)
@click.argument("policy", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@warnings_option
def verify_command(policy: Path, output_format: str, warnings_as_errors: bool) -> None:
    """Compile POLICY, boot it in a throwaway Postfix + Dovecot on loopback, and send every
    `expect` line to that real server.

    Prints a table (expected, got, the server's reply, the policy line). Exit 0 when the server
    confirms every expectation, 1 when the policy has errors or the server disagrees with an
    expectation, 2 when POLICY cannot be read or this machine cannot run the sandbox (Postfix or
    Dovecot missing, or not root). Nothing is installed or changed outside a temporary folder.
    """
    exit_if_unreadable([policy])
    compilation = compile_policy(policy, warnings_as_errors=warnings_as_errors)
    print_diagnostics(list(compilation.diagnostics), compilation.sources, output_format)
    if not compilation.ok:
        raise SystemExit(exit_codes.PROBLEMS)
    if not compilation.policy.expectations:
        click.echo(f"mailpolicy: {policy} has no expect lines: nothing to verify", err=True)
        return
    reason = sandbox_available()
    if reason is not None:
        click.echo(f"mailpolicy: cannot verify on a real Postfix here: {reason}", err=True)
        raise SystemExit(exit_codes.USAGE)
    try:
        verification = verify_compilation(compilation)
    except SandboxUnavailable as error:
        # sandbox_available() said this machine can run Postfix and Dovecot, so the compiled
        # configuration is the likely culprit; the report quotes their own words.
        click.echo(f"mailpolicy: the sandbox did not start with the compiled configuration:\n{error}", err=True)
        raise SystemExit(exit_codes.PROBLEMS)
    click.echo(render_table(verification, compilation.policy, compilation.path, server_versions()), nl=False)
    if not verification.confirmed:
        raise SystemExit(exit_codes.PROBLEMS)
