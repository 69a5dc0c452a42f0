"""`mailpolicy audit PATH`: check a Postfix configuration in use with the compiler's checks; write nothing."""

from __future__ import annotations

from pathlib import Path

import click

from mailpolicy.audit.files import ConfigUnreadable
from mailpolicy.audit.run import audit_config
from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import format_option, print_diagnostics, verbose_option, warnings_option
from mailpolicy.model import values

postfix_option = click.option(
    "--postfix", "version", default="3.7", show_default=True, metavar="VERSION",
    help="The Postfix version the server runs: parameter and restriction names are checked against it.")


def parse_version(version: str) -> str:
    """Return a supported MAJOR.MINOR version, or exit 2 saying why not."""
    try:
        return values.version(version)
    except values.ValueProblem as problem:
        click.echo(f"mailpolicy: --postfix {version}: {problem.message} ({problem.hint})", err=True)
        raise SystemExit(exit_codes.USAGE) from None


@click.command("audit", epilog=exit_codes.EXIT_CODES_HELP)
@click.argument("path", type=click.Path(path_type=Path), metavar="PATH")
@postfix_option
@format_option
@warnings_option
@verbose_option
def audit_command(path: Path, version: str, output_format: str, warnings_as_errors: bool, verbose: bool) -> None:
    """Audit the Postfix configuration at PATH (a folder such as /etc/postfix, or a main.cf).

    Reads main.cf, the master.cf beside it (every smtpd service, with its -o overrides) and the
    source of the sender login map, and runs the checks `check` runs on a policy: open relay,
    trusted networks, restriction order, parameter and restriction names, SASL socket path,
    sender login map. Diagnostics point at main.cf and master.cf lines. Nothing is written.
    """
    version = parse_version(version)
    refuse_policy(path, output_format)
    try:
        audit = audit_config(path, version=version, warnings_as_errors=warnings_as_errors)
    except ConfigUnreadable as error:
        click.echo(f"mailpolicy: {error}", err=True)
        raise SystemExit(exit_codes.USAGE) from None
    print_diagnostics(list(audit.diagnostics), audit.sources, output_format, verbose=verbose)
    if output_format == "text" and not audit.diagnostics:
        services = ", ".join(view.label for view in audit.context.views)
        click.echo(f"{path} audited ({services}): no problems", err=True)
    if not audit.ok:
        raise SystemExit(exit_codes.PROBLEMS)


def refuse_policy(path: Path, output_format: str) -> None:
    """Exit 1 with MP117 when PATH is a .mailpolicy file, not a Postfix configuration."""
    from mailpolicy.load.file_kind import policy_given_as_main_cf

    found = policy_given_as_main_cf(path)
    if found is not None:
        diagnostic, source = found
        print_diagnostics([diagnostic], [source], output_format)
        raise SystemExit(exit_codes.PROBLEMS)
