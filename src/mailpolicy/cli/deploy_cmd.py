"""`mailpolicy deploy BUILD --to DIR`: install a compiled build into a Postfix configuration folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import format_option, print_diagnostics, use_colour
from mailpolicy.deploy.run import deploy
from mailpolicy.output.diff import colourise, unified_diff


@click.command("deploy", epilog=exit_codes.EXIT_CODES_HELP)
@click.argument("build", type=click.Path(file_okay=False, path_type=Path))
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), default=Path("/etc/postfix"),
              show_default=True, help="Postfix's configuration folder (what `postfix -c` takes).")
@click.option("--dry-run", is_flag=True, help="Change nothing; print each step and the diff of every file.")
@click.option("--no-reload", is_flag=True, help="Install and check, but do not reload a running Postfix.")
@click.option("--backup-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the previous files under this folder [default: DIR/mailpolicy-backups].")
@click.option("--privileged", is_flag=True,
              help="Install a build that changes parameters Postfix uses as root (daemon_directory, ...; MP629).")
@format_option
def deploy_command(build: Path, target: Path, dry_run: bool, no_reload: bool, backup_dir: Path | None,
                   privileged: bool, output_format: str) -> None:
    """Install the compiled BUILD folder into Postfix's configuration folder, and reload Postfix.

    main.cf is merged (the build's parameters replace the deployed ones in place, every other line
    is kept, as with `compile --base`), master.cf is installed when the build has one, and each map
    is postmapped. Then `postfix check`, and `postfix reload` when Postfix runs (when it does not,
    the files are installed, checked and left for `postfix start`). Any failure puts the previous
    files back; they are kept in DIR/mailpolicy-backups/<UTC time>/ after a deploy too.

    \b
    Examples:
      mailpolicy compile site.mailpolicy -o build/
      mailpolicy deploy build/ --to /etc/postfix --dry-run
      mailpolicy deploy build/ --to /etc/postfix
    """
    outcome = deploy(build, target, dry_run=dry_run, reload=not no_reload, backup_root=backup_dir,
                     privileged=privileged)
    if dry_run:
        colour = use_colour(sys.stdout)
        for name, old, new in outcome.changes:
            diff = unified_diff(old, new, str(target / name), f"from {build / name}")
            click.echo(colourise(diff) if colour else diff, nl=False)
    if output_format == "text":
        for step in outcome.steps:
            click.echo(step, err=True)
    print_diagnostics(outcome.diagnostics, outcome.sources, output_format)
    raise SystemExit(outcome.exit_code)
