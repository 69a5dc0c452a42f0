"""The `mailpolicy` command: one module per subcommand, registered on one click group."""

from __future__ import annotations

import gc
import sys

import click

from mailpolicy import __version__
from mailpolicy.cli.colour import COLOUR_CHOICES, set_colour_mode
from mailpolicy.cli.exit_codes import EXIT_CODES_HELP, INTERNAL_ERROR, USAGE
from mailpolicy.cli.lazy import LazyGroup


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(__version__, prog_name="mailpolicy")
@click.option("--color", "--colour", type=click.Choice(COLOUR_CHOICES), default="auto", show_default=True,
              expose_value=False, is_eager=True, callback=set_colour_mode,
              help="Colour diagnostics and diffs: auto colours a terminal unless NO_COLOR is set to a non-empty value.")
def cli() -> None:
    """Compile .mailpolicy files into a safe Postfix main.cf and sender login map.

    \b
    Examples:
      mailpolicy check site.mailpolicy              diagnostics only (pre-commit, CI)
      mailpolicy check policies/ --format sarif     every *.mailpolicy under a folder, for code scanning
      mailpolicy compile site.mailpolicy -o build/  write build/main.cf and the sender map
      mailpolicy compile site.mailpolicy -o build/ --check --diff   fail on drift, show it
      mailpolicy diff site.mailpolicy --against /etc/postfix         what deploying would change
      mailpolicy audit /etc/postfix                 check a configuration in use
      mailpolicy codes MP301                        what a diagnostic code means
    """


def _register() -> None:
    """Register every subcommand lazily: its module is imported only when it runs.

    One line per command: name, module, function, and its docstring's first paragraph, which
    `mailpolicy --help` lists without importing the module (tests/perf/test_lazy_cli.py checks
    that the two agree). `cli.add_command(command)` also still works, but imports at start-up.
    """
    cli.add_lazy_command("compile", "mailpolicy.cli.compile_cmd", "compile_command",
                         "Compile each POLICY into main.cf and its sender map.")
    cli.add_lazy_command("check", "mailpolicy.cli.check_cmd", "check_command",
                         "Check each policy FILE and print all diagnostics together; write nothing.")
    cli.add_lazy_command("verify", "mailpolicy.cli.verify_cmd", "verify_command",
                         "Compile POLICY, boot it in a throwaway Postfix + Dovecot on loopback, and send every "
                         "`expect` line to that real server.")
    cli.add_lazy_command("audit", "mailpolicy.cli.audit_cmd", "audit_command",
                         "Audit the Postfix configuration at PATH (a folder such as /etc/postfix, or a main.cf).")
    cli.add_lazy_command("import", "mailpolicy.cli.import_cmd", "import_command",
                         "Print the policy that the Postfix configuration at PATH (a folder or a main.cf) means.")
    cli.add_lazy_command("diff", "mailpolicy.cli.diff_cmd", "diff_command",
                         "Show what deploying POLICY would change: parameter by parameter, restriction lists entry "
                         "by entry, sender login map entries added and removed.")
    cli.add_lazy_command("fmt", "mailpolicy.cli.fmt_cmd", "fmt_command",
                         "Format each FILE in the canonical layout, keeping its comments.")
    cli.add_lazy_command("deploy", "mailpolicy.cli.deploy_cmd", "deploy_command",
                         "Install the compiled BUILD folder into Postfix's configuration folder, and reload Postfix.")
    cli.add_lazy_command("codes", "mailpolicy.cli.codes_cmd", "codes_command",
                         "List every diagnostic code, or explain CODE (MP301, mp301 or its name, open-relay).")
    cli.add_lazy_command("explain", "mailpolicy.cli.explain_cmd", "explain_command",
                         "Explain POLICY: each restriction list with every entry's reason and source line, then "
                         "the decision table (client x sender ownership x local/remote recipient) the simulator "
                         "computes.")


_register()


def main() -> None:
    """Run the command line; an unexpected exception exits with the internal-error code, not a bare traceback."""
    # A compile builds a large graph of small objects without cycles (a million owners are
    # several million objects) and exits. The cyclic collector would walk that graph again
    # each time it grows by a quarter, doubling the run time; reference counting still frees
    # everything that is not a cycle, and the process is short-lived.
    gc.disable()
    try:
        cli.main(standalone_mode=True)
    except SystemExit:
        # Interpreter shutdown still runs full collections over every object left (the parser,
        # the classes, the policy): a tenth of `check`'s run time, to find cycles the exit frees
        # anyway. Frozen objects are skipped by those collections; atexit handlers and stream
        # flushes still run as usual.
        gc.freeze()
        raise
    except OSError as error:
        # Output that cannot be written (a full disk, a closed pipe) is an I/O error, not a bug.
        try:
            click.echo(f"mailpolicy: {error.strerror or error}", err=True)
        except OSError:
            pass
        sys.exit(USAGE)
    except Exception as error:  # noqa: BLE001  # pragma: no cover - the last guard, tested through a fault injection
        click.echo(f"mailpolicy: internal error: {type(error).__name__}: {error}\n"
                   "This is a bug in mailpolicy; please report it with the input that caused it.", err=True)
        sys.exit(INTERNAL_ERROR)
