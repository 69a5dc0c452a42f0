"""`mailpolicy import PATH > site.mailpolicy`: the policy a Postfix configuration in use means."""

from __future__ import annotations

from pathlib import Path

import click

from mailpolicy.audit.files import ConfigUnreadable
from mailpolicy.cli import exit_codes
from mailpolicy.cli.audit_cmd import parse_version, postfix_option
from mailpolicy.cli.report import format_option, print_diagnostics, warnings_option
from mailpolicy.diagnostics import has_errors, warnings_made_errors
from mailpolicy.importer.run import import_config
from mailpolicy.output.atomic import replace_file


@click.command("import", epilog=exit_codes.EXIT_CODES_HELP)
@click.argument("path", type=click.Path(path_type=Path), metavar="PATH")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the policy to this file (all or nothing) instead of standard output.")
@click.option("--force", is_flag=True, help="Replace the --output file if it exists.")
@postfix_option
@format_option
@warnings_option
def import_command(path: Path, output: Path | None, force: bool, version: str, output_format: str,
                   warnings_as_errors: bool) -> None:
    """Print the policy that the Postfix configuration at PATH (a folder or a main.cf) means.

    What the policy statements manage becomes statements (trusted networks, relay, sasl,
    sender map, one `allow user` line per login of a readable sender login map); every other
    main.cf parameter becomes a `set` line. Unsafe values are imported as they are, so compiling
    the import refuses them as the audit does; what the language cannot say is commented and
    reported as a warning (MP709). Diagnostics go to standard error. Exit 1 when the audit
    of the imported configuration found errors (the policy is still written), or the import
    itself has errors.
    """
    version = parse_version(version)
    if output_format != "text" and output is None:
        click.echo(f"mailpolicy: --format {output_format} needs -o FILE: standard output carries the policy",
                   err=True)
        raise SystemExit(exit_codes.USAGE)
    if output is not None and output.exists() and not force:
        click.echo(f"mailpolicy: {output} exists; pass --force to replace it", err=True)
        raise SystemExit(exit_codes.USAGE)
    try:
        imported = import_config(path, version=version)
    except ConfigUnreadable as error:
        click.echo(f"mailpolicy: {error}", err=True)
        raise SystemExit(exit_codes.USAGE) from None
    diagnostics = list(imported.diagnostics)
    if warnings_as_errors:
        diagnostics = warnings_made_errors(diagnostics)
    print_diagnostics(diagnostics, imported.audit.sources, output_format)
    if has_errors(diagnostics):
        raise SystemExit(exit_codes.PROBLEMS)
    if output is None:
        click.echo(imported.text, nl=False)
    else:
        try:
            replace_file(output, imported.text)
        except OSError as error:
            click.echo(f"mailpolicy: cannot write {output}: {error.strerror or error}", err=True)
            raise SystemExit(exit_codes.USAGE) from None
    if output_format == "text":
        audit = imported.audit
        errors = sum(d.is_error for d in audit.diagnostics)
        found = (f"the audit found {errors} error{'s' if errors != 1 else ''} (`mailpolicy audit {path}`); "
                 "compile the import to see which the policy still has" if errors else "the audit found no errors")
        click.echo(f"imported {path}: {found}", err=True)
    if any(d.is_error for d in imported.audit.diagnostics):
        # The policy is written (keeping the unsafe values, flagged), but what was imported is
        # not safe as it stands: a pipeline must not read exit 0 as "all is well".
        raise SystemExit(exit_codes.PROBLEMS)
