"""The `mailpolicy` command: one module per subcommand, registered on one click group."""

from __future__ import annotations

import sys

import click

from mailpolicy import __version__
from mailpolicy.cli.exit_codes import EXIT_CODES_HELP, INTERNAL_ERROR


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(__version__, prog_name="mailpolicy")
def cli() -> None:
    """Compile .mailpolicy files into a safe Postfix main.cf and sender login map."""


def _register() -> None:
    from mailpolicy.cli import compile_cmd
    from mailpolicy.cli import check_cmd
    from mailpolicy.cli import verify_cmd
    from mailpolicy.cli import audit_cmd
    from mailpolicy.cli import import_cmd
    from mailpolicy.cli import diff_cmd
    from mailpolicy.cli import fmt_cmd

    cli.add_command(compile_cmd.compile_command)
    cli.add_command(check_cmd.check_command)
    cli.add_command(verify_cmd.verify_command)
    cli.add_command(audit_cmd.audit_command)
    cli.add_command(import_cmd.import_command)
    cli.add_command(diff_cmd.diff_command)
    cli.add_command(fmt_cmd.fmt_command)


_register()


def main() -> None:
    """Run the command line; an unexpected exception exits with the internal-error code, not a bare traceback."""
    try:
        cli.main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as error:  # pragma: no cover - the last guard, tested through a fault injection
        click.echo(f"mailpolicy: internal error: {type(error).__name__}: {error}\n"
                   "This is a bug in mailpolicy; please report it with the input that caused it.", err=True)
        sys.exit(INTERNAL_ERROR)
