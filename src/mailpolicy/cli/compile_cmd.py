"""`mailpolicy compile POLICY... -o DIR`: write main.cf and the sender map, check them, or show the diff.

One policy writes into DIR itself; several (or --per-host) write each into DIR/<policy name>/,
each folder all or nothing on its own. Every file written starts with a marker line holding a
hash of the rest (output/marker.py); a file edited by hand since, or not written by mailpolicy
at all, is never overwritten without --force.
"""

from __future__ import annotations

import sys
from pathlib import Path

import attrs
import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import (exit_if_unreadable, format_option, print_diagnostics, use_colour, verbose_option,
                                   warnings_option)
from mailpolicy.compiler import MAIN_CF, compile_policy
from mailpolicy.emit.master_cf import MASTER_CF
from mailpolicy.diagnostics import Diagnostic, has_errors, warnings_made_errors
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.emit.provenance import Provenance
from mailpolicy.frozen import mutable
from mailpolicy.maincf.master_merge import merge_master_cf, read_base_master
from mailpolicy.maincf.with_base import merge_and_prove, read_base
from mailpolicy.output.atomic import RESERVED_PREFIX, recover_in, write_into
from mailpolicy.output.diff import colourise, unified_diff
from mailpolicy.output.drift import State, drift_diagnostics, inspect, inspect_folder, refusal_diagnostics
from mailpolicy.output.folder import SENDER_MAP_MODE, OutputFolder, Refused
from mailpolicy.output.marker import add_marker
from mailpolicy.postfix.main_cf import MainCf
from mailpolicy.source import SourceFile


@mutable
class _Run:
    """What every host's compile adds to: diagnostics and sources to print, and the worst outcome."""

    output_format: str
    warnings_as_errors: bool
    diagnostics: list[Diagnostic] = attrs.field(factory=list)
    sources: list[SourceFile] = attrs.field(factory=list)
    exit_code: int = exit_codes.OK

    def report(self, found: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        if self.warnings_as_errors:
            found = warnings_made_errors(found)
        self.diagnostics.extend(found)
        if has_errors(found):
            self.fail(exit_codes.PROBLEMS)

    def fail(self, code: int) -> None:
        self.exit_code = max(self.exit_code, code)

    def say(self, message: str) -> None:
        if self.output_format == "text":
            click.echo(message, err=True)


@click.command("compile")
@click.argument("policies", nargs=-1, required=True, metavar="POLICY...",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build"), show_default=True,
              help="Folder to write into; with several policies, the folder of their folders.")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if the output folder differs from what the policy compiles to.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print a unified diff of what compile would change (exit 0 unless --check).")
@click.option("--base", "base_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a complete main.cf: this main.cf with the policy's parameters merged into it.")
@click.option("--base-master", "base_master_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a complete master.cf: this master.cf with the policy's services in place of its own.")
@click.option("--force", is_flag=True,
              help="Overwrite files edited by hand since they were written, or not written by mailpolicy.")
@click.option("--per-host", is_flag=True,
              help="Write into OUTPUT/<policy name>/ even for a single policy.")
@format_option
@warnings_option
@verbose_option
def compile_command(policies: tuple[Path, ...], output_dir: Path, check: bool, show_diff: bool,
                    base_path: Path | None, base_master_path: Path | None, force: bool, per_host: bool,
                    output_format: str, warnings_as_errors: bool, verbose: bool) -> None:
    """Compile each POLICY into main.cf and its sender map.

    Nothing is written for a policy with errors. Files are written to temporaries and renamed
    into place under a journal, so a failure, or a kill, leaves the previous files (the next
    compile puts them back after a kill). Each file starts with a marker and a hash: compile
    refuses (MP602, MP605) to overwrite a file edited by hand or not written by mailpolicy,
    unless --force. --check and --diff write nothing; --check exits 1 on any difference (MP601).
    """
    if show_diff and output_format in ("json", "sarif"):
        raise click.UsageError(f"--diff prints the diff on stdout, where --format {output_format} prints too; "
                               "use --format text or github with --diff")
    exit_if_unreadable(policies)
    folders = _folders(policies, output_dir, per_host)
    base = _read_base(base_path) if base_path else None
    base_master = _read_base_master(base_master_path) if base_master_path else None
    run = _Run(output_format, warnings_as_errors)
    for policy, folder in folders.items():
        # A host's folder in OUTPUT is opened through OUTPUT, neither followed if a link.
        top = output_dir if folder != output_dir else None
        _compile_host(run, policy, folder, base, check=check, show_diff=show_diff, force=force, top=top,
                      base_master=base_master)
    print_diagnostics(run.diagnostics, run.sources, output_format, verbose=verbose)
    raise SystemExit(run.exit_code)


def _folders(policies: tuple[Path, ...], output_dir: Path, per_host: bool) -> dict[Path, Path]:
    """Return the output folder of each policy: OUTPUT itself, or OUTPUT/<stem> for each of several."""
    if len(policies) == 1 and not per_host:
        return {policies[0]: output_dir}
    folders: dict[Path, Path] = {}
    for policy in dict.fromkeys(policies):
        folder = output_dir / policy.stem
        clash = next((other for other, used in folders.items() if used == folder), None)
        if clash is not None:
            raise click.UsageError(f"{clash} and {policy} would both write into {folder}; rename one of them")
        folders[policy] = folder
    return folders


def _read_base(path: Path) -> MainCf:
    try:
        return read_base(path)
    except OSError as error:
        click.echo(f"mailpolicy: cannot read the base main.cf {path}: {error.strerror or error}", err=True)
        raise SystemExit(exit_codes.USAGE)


def _read_base_master(path: Path) -> tuple[Path, str]:
    try:
        return path, read_base_master(path)
    except OSError as error:
        click.echo(f"mailpolicy: cannot read the base master.cf {path}: {error.strerror or error}", err=True)
        raise SystemExit(exit_codes.USAGE)


def _compile_host(run: _Run, policy: Path, folder: Path, base: MainCf | None, *,
                  check: bool, show_diff: bool, force: bool, top: Path | None = None,
                  base_master: tuple[Path, str] | None = None) -> None:
    compilation = compile_policy(policy, warnings_as_errors=run.warnings_as_errors)
    run.sources.extend(compilation.sources)
    run.diagnostics.extend(compilation.diagnostics)
    if not compilation.ok:
        run.fail(exit_codes.PROBLEMS)
        return
    outputs = dict(compilation.outputs)
    source = Provenance(compilation.path).top_name
    if base is not None:
        _merge_base(run, compilation, base, outputs)
    if base_master is not None and outputs:
        if MASTER_CF not in outputs:
            click.echo(f"mailpolicy: {policy} states no `service`: --base-master has nothing to merge, "
                       "and no master.cf is written", err=True)
        else:
            outputs[MASTER_CF] = merge_master_cf(base_master[1], outputs[MASTER_CF], source)
    # From here on only the texts count: for a site with a million owners the policy and plan
    # are most of the memory, and writing (or comparing with) the old files needs as much again.
    del compilation
    wanted = {name: add_marker(outputs.pop(name), source) for name in list(outputs)}
    if not wanted:
        return  # the merge with the base failed (reported above)
    if not (check or show_diff):
        # `--base /etc/postfix/main.cf -o /etc/postfix` merges in place: the hand-made main.cf is
        # the base, every line of it is carried over, so replacing it is what was asked for.
        adopt = {MAIN_CF} if base is not None and _same_file(Path(base.path), folder / MAIN_CF) else set()
        if base_master is not None and _same_file(base_master[0], folder / MASTER_CF):
            adopt.add(MASTER_CF)
        _write_host(run, folder, wanted, source, force, adopt=adopt, top=top)
        return
    try:
        status = inspect_folder(folder, wanted, source, top=top)
    except Refused as refusal:
        run.report([refusal.diagnostic()])
        return
    except OSError as error:
        click.echo(f"mailpolicy: cannot read {error.filename or folder}: {error.strerror or error}", err=True)
        run.fail(exit_codes.USAGE)
        return
    if show_diff:
        _print_diffs(status, source)
    if check:
        run.sources.extend(SourceFile(str(f.path), f.old) for f in status.files if f.old is not None)
        run.report(drift_diagnostics(status, source))
    else:
        run.report(status.refused)  # a file --diff cannot show is one compile would refuse


def _merge_base(run: _Run, compilation, base: MainCf, outputs: dict[str, str]) -> None:
    """Replace the compiled main.cf in `outputs` by the base merged with it; empty `outputs` on errors."""
    merged = merge_and_prove(base, compilation.plan, Provenance(compilation.path))
    run.sources.extend(merged.sources)
    run.report(merged.diagnostics)
    if merged.text is None:
        outputs.clear()
        return
    outputs[MAIN_CF] = merged.text


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _write_host(run: _Run, folder: Path, wanted: dict[str, str], source: str, force: bool,
                adopt: set[str], top: Path | None = None) -> None:
    # One descriptor for the folder from the journal check to the last rename, all under its lock:
    # nothing checked here can be swapped for something else before it is used (output/folder.py).
    try:
        with OutputFolder.open(folder, create=True, top=top) as out, out.locked():
            restored = recover_in(out)
            if restored:
                run.say(f"restored the previous {', '.join(restored)} in {folder} after an interrupted write")
            status = inspect(out, folder, wanted, source)
            if status.refused:
                run.report(status.refused)
                return
            refused = [f for f in status.protected if f.name not in adopt]
            if refused and not force:
                run.sources.extend(SourceFile(str(f.path), f.old) for f in refused)
                run.report(refusal_diagnostics(refused))
                return
            changes = status.changes
            write_into(out, {f.name: f.new for f in changes if f.new is not None},
                       remove=[f.name for f in changes if f.state is State.STALE],
                       modes={name: SENDER_MAP_MODE for name in wanted if name != MAIN_CF})
    except Refused as refusal:
        run.report([refusal.diagnostic()])
        return
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        # os.replace names the temporary first and the target second: the target is the one to name.
        where = getattr(error, "filename2", None) or getattr(error, "filename", None) or folder
        if Path(where).name.startswith(RESERVED_PREFIX):
            where = folder  # a temporary's name says nothing to the user
        run.diagnostics.append(cat.WRITE_FAILED.at(None, f"cannot write to {where}: {reason}",
                                                   hint="check the folder and its permissions; "
                                                        "the previous files are as they were"))
        run.fail(exit_codes.USAGE)
        return
    for file in changes:
        run.say(f"removed {file.path}" if file.state is State.STALE else f"wrote {file.path}")
    if not changes:
        run.say(f"{folder}: unchanged")


def _print_diffs(status, source: str) -> None:
    colour = use_colour(sys.stdout)
    for file in status.changes:
        diff = unified_diff(file.old, file.new, str(file.path), f"compiled from {source}")
        click.echo(colourise(diff) if colour else diff, nl=False)
