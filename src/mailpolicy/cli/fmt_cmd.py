"""`mailpolicy fmt FILE...`: rewrite policy files in the canonical layout; --check and --diff write nothing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import print_diagnostics, use_colour
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.fmt import format_text
from mailpolicy.load.files import read_source
from mailpolicy.output.atomic import replace_file
from mailpolicy.output.diff import colourise, unified_diff
from mailpolicy.source import SourceFile


@click.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would be reformatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print what would change as a unified diff.")
def fmt_command(files: tuple[Path, ...], check: bool, show_diff: bool) -> None:
    """Format each FILE in the canonical layout, keeping its comments.

    Statements are written with single spaces, `, ` between list items and quotes only where
    needed; no line moves, so the compiled output (which cites policy lines) stays the same.
    A file with syntax errors is left as it is and its errors are printed. Formatting twice
    changes nothing.
    """
    diagnostics: list[Diagnostic] = []
    sources: list[SourceFile] = []
    exit_code = exit_codes.OK
    changed = unchanged = 0
    for path in files:
        # A symlinked policy is formatted where it really lives, as `check` and `compile` read
        # it: the link stays a link and its target gets the new text.
        real = Path(os.path.realpath(path))  # a symlink loop stays a path, refused when read (ELOOP)
        source, problems = read_source(real, str(path), None)
        if source is None:
            diagnostics.extend(problems)
            exit_code = exit_codes.USAGE
            continue
        result = format_text(source.text, str(path))
        if result.text is None:
            sources.append(source)
            diagnostics.extend(result.diagnostics)
            exit_code = max(exit_code, exit_codes.PROBLEMS)
            continue
        if result.text.encode("utf-8") == real.read_bytes():  # bytes: a CRLF or a BOM is a change
            unchanged += 1
            continue
        changed += 1
        if show_diff:
            diff = unified_diff(source.text, result.text, str(path), "formatted")
            click.echo(colourise(diff) if use_colour(sys.stdout) else diff, nl=False)
        if check or show_diff:
            click.echo(f"would reformat {path}", err=True)
            if check:
                exit_code = max(exit_code, exit_codes.PROBLEMS)
            continue
        try:
            replace_file(real, result.text)
        except OSError as error:
            click.echo(f"mailpolicy: cannot write {path}: {error.strerror or error}", err=True)
            exit_code = exit_codes.USAGE
            continue
        click.echo(f"reformatted {path}", err=True)
    print_diagnostics(diagnostics, sources, "text")
    verb = "would be reformatted" if check or show_diff else "reformatted"
    click.echo(f"{changed} file{'s' if changed != 1 else ''} {verb}, {unchanged} unchanged", err=True)
    raise SystemExit(exit_code)
