"""`mailpolicy check FILE...`: every diagnostic of every file, nothing written (pre-commit and CI)."""

from __future__ import annotations

from pathlib import Path

import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import exit_if_unreadable, format_option, print_diagnostics, verbose_option, warnings_option
from mailpolicy.compiler import Compilation
from mailpolicy.diagnostics import Diagnostic

SEVERITIES = ("error", "warning", "note")


@click.command("check", epilog=exit_codes.EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=click.Path(path_type=Path))
@click.option("--db", "read_database", is_flag=True,
              help="Read the rows of the policy's database tables (read-only) and prove the policy with them "
                   "as they are now; without it the proof states what it assumes they answer.")
@format_option
@warnings_option
@verbose_option
def check_command(files: tuple[Path, ...], read_database: bool, output_format: str, warnings_as_errors: bool,
                  verbose: bool) -> None:
    """Check each policy FILE and print all diagnostics together; write nothing.

    Every file goes through the same checks as `compile`. A FILE may be a folder: every
    *.mailpolicy under it that no other one includes. `-` reads one policy from stdin
    (shown as <stdin>; it cannot include files). Exit 0 when no file has an error, 1 when
    any has (warnings count with --warnings-as-errors), 2 when a FILE cannot be read.

    \b
    Examples:
      mailpolicy check site.mailpolicy
      mailpolicy check hosts/ --format sarif > mailpolicy.sarif
      git show HEAD:site.mailpolicy | mailpolicy check -
    """
    results = check_inputs(files, warnings_as_errors, read_database)
    diagnostics = list(dict.fromkeys(d for c in results for d in c.diagnostics))
    if output_format == "json":
        click.echo(render_check_json(results, diagnostics), nl=False)
    else:
        print_diagnostics(diagnostics, [s for c in results for s in c.sources], output_format, verbose=verbose)
        if output_format == "text" and not diagnostics:
            click.echo(f"{_files(len(results))} checked: no problems", err=True)
    if not all(c.ok for c in results):
        raise SystemExit(exit_codes.PROBLEMS)


def check_inputs(files: tuple[Path, ...], warnings_as_errors: bool, read_database: bool = False) -> list[Compilation]:
    """Compile every input: files as named, folders expanded, `-` from stdin (exit 2 if one cannot be read)."""
    from mailpolicy.inputs import compile_inputs, policies_in

    named: list[Path] = []
    for path in files:
        if str(path) == "-":
            continue
        if path.is_dir():
            found = policies_in(path)
            if not found:
                click.echo(f"mailpolicy: no *.mailpolicy file under {path}{_postfix_folder(path)}", err=True)
                raise SystemExit(exit_codes.USAGE)
            named.extend(found)
        else:
            named.append(path)
    exit_if_unreadable(named)
    folders = {str(p) for path in files if path.is_dir() for p in policies_in(path)}
    return compile_inputs(named, folders, any(str(path) == "-" for path in files), warnings_as_errors,
                          read_database)


def _postfix_folder(path: Path) -> str:
    if (path / "main.cf").is_file():
        return f" (it holds a Postfix main.cf: `mailpolicy audit {path}` checks that)"
    return ""


def render_check_json(results: list[Compilation], diagnostics: list[Diagnostic]) -> str:
    """Return the JSON of `render_json` (`diagnostics`, `summary`) plus `files`: one entry per FILE.

    A reader of the single-file shape reads this one unchanged; `files` adds each file's own
    verdict and counts, diagnostics of included files counted under the file that included them.
    """
    import json

    from mailpolicy.diagnostics.render_json import as_dict

    document = {
        "diagnostics": [as_dict(d) for d in diagnostics],
        "summary": _counts(diagnostics),
        "files": [{"file": c.path, "ok": c.ok, "summary": _counts(c.diagnostics)} for c in results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _counts(diagnostics) -> dict[str, int]:
    return {s: sum(1 for d in diagnostics if d.severity.value == s) for s in SEVERITIES}


def _files(count: int) -> str:
    return "1 file" if count == 1 else f"{count} files"
