"""Print diagnostics in the format the user asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import click

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics.catalogue import is_detail
from mailpolicy.diagnostics.render_text import render_text
from mailpolicy.source import SourceFile
from mailpolicy.cli.colour import use_colour

FORMATS = ("text", "json", "github", "sarif")

format_option = click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
    help="How to print diagnostics: for people, as JSON, as GitHub Actions annotations, or as SARIF 2.1.0 "
         "(code scanning).")
warnings_option = click.option(
    "--warnings-as-errors", "-W", is_flag=True, help="Treat warnings as errors (exit 1).")
verbose_option = click.option(
    "--verbose", "-v", is_flag=True,
    help="Also print the notes of detail (master.cf -o overrides, smtp_ client settings); "
         "machine formats always carry them.")


def line_lookup(sources: Iterable[SourceFile]):
    """Return a function that finds a line of any source file read."""
    by_path = {s.path: s for s in sources}

    def line_of(path: str, line: int) -> str | None:
        source = by_path.get(path)
        return source.line_text(line) if source else None

    return line_of


def print_diagnostics(diagnostics: list[Diagnostic], sources: Iterable[SourceFile], output_format: str,
                      *, verbose: bool = True) -> None:
    """Print diagnostics: text goes to stderr, machine formats to stdout (the text without detail unless verbose)."""
    # The machine formats are imported when asked for: `check` in a pre-commit hook prints text.
    if output_format == "json":
        from mailpolicy.diagnostics.render_json import render_json

        click.echo(render_json(diagnostics), nl=False)
    elif output_format == "sarif":
        from mailpolicy.diagnostics.render_sarif import render_sarif

        click.echo(render_sarif(diagnostics), nl=False)
    elif output_format == "github":
        from mailpolicy.diagnostics.render_github import render_github

        click.echo(render_github(diagnostics), nl=False)
    else:
        hidden = [] if verbose else [d for d in diagnostics if is_detail(d)]
        shown = [d for d in diagnostics if d not in hidden] if hidden else diagnostics
        if shown:
            click.echo(render_text(shown, line_lookup(sources), colour=use_colour()), nl=False, err=True)
        if hidden:
            click.echo(f"{len(hidden)} note(s) of detail not shown ({', '.join(sorted({d.code for d in hidden}))}: "
                       "master.cf -o overrides, smtp_ client settings); --verbose shows them", err=True)


def unreadable(path: Path) -> str | None:
    """Say why a policy file cannot be read at all (an I/O problem, exit 2), or None."""
    try:
        with open(path, "rb"):
            return None
    except FileNotFoundError:
        return f"no such file: {path}"
    except IsADirectoryError:
        return f"{path} is a folder, not a policy file"
    except OSError as error:
        return f"cannot read {path}: {error.strerror or error}"


def exit_if_unreadable(paths: Iterable[Path]) -> None:
    """Exit 2 naming every policy file that cannot be read, before anything is compiled."""
    messages = [message for message in map(unreadable, paths) if message]
    for message in messages:
        click.echo(f"mailpolicy: {message}", err=True)
    if messages:
        from mailpolicy.cli.exit_codes import USAGE

        raise SystemExit(USAGE)
