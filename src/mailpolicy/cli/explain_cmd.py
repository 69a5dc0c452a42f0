"""`mailpolicy explain POLICY`: print the explanation of a compiled policy (mailpolicy/explain.py)."""

from __future__ import annotations

from pathlib import Path

import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import exit_if_unreadable, print_diagnostics
from mailpolicy.compiler import compile_policy
from mailpolicy.explain import explain


@click.command("explain", epilog=exit_codes.EXIT_CODES_HELP)
@click.argument("policy", type=click.Path(dir_okay=False, path_type=Path))
def explain_command(policy: Path) -> None:
    """Explain POLICY: each restriction list with every entry's reason and source line, then the
    decision table (client x sender ownership x local/remote recipient) the simulator computes.

    Diagnostics go to stderr. Exit 0 when the policy has no errors, 1 when it has (the
    explanation of what could be planned is still printed), 2 when POLICY cannot be read.
    """
    exit_if_unreadable([policy])
    compilation = compile_policy(policy)
    print_diagnostics(list(compilation.diagnostics), compilation.sources, "text")
    if compilation.plan is None:
        raise SystemExit(exit_codes.PROBLEMS)
    click.echo(explain(compilation), nl=False)
    if not compilation.ok:
        raise SystemExit(exit_codes.PROBLEMS)
