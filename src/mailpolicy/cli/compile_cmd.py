"""`mailpolicy compile POLICY -o DIR`: write main.cf and the sender map, or nothing at all."""

from __future__ import annotations

from pathlib import Path

import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import format_option, print_diagnostics, warnings_option
from mailpolicy.compiler import compile_policy
from mailpolicy.output.atomic import write_files


@click.command("compile")
@click.argument("policy", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build"), show_default=True, help="Folder to write main.cf and the sender map into.")
@format_option
@warnings_option
def compile_command(policy: Path, output_dir: Path, output_format: str, warnings_as_errors: bool) -> None:
    """Compile POLICY into OUTPUT/main.cf and OUTPUT/<sender map>.

    Nothing is written when the policy has errors; the files are written to temporaries and
    renamed into place together, so a failure leaves the previous files as they were.
    """
    compilation = compile_policy(policy, warnings_as_errors=warnings_as_errors)
    print_diagnostics(list(compilation.diagnostics), compilation.sources, output_format)
    if not compilation.ok:
        raise SystemExit(exit_codes.PROBLEMS)
    try:
        written = write_files(output_dir, compilation.outputs)
    except OSError as error:
        click.echo(f"mailpolicy: cannot write to {output_dir}: {error.strerror or error}", err=True)
        raise SystemExit(exit_codes.USAGE)
    if output_format == "text":
        for path in written:
            click.echo(f"wrote {path}", err=True)
