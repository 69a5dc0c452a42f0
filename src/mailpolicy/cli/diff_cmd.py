"""`mailpolicy diff POLICY --against /etc/postfix|main.cf|-`: what deploying the policy would change, by meaning."""

from __future__ import annotations

import json
import posixpath
import sys
from pathlib import Path

import attrs
import click

from mailpolicy.audit.files import table_path
from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import exit_if_unreadable, print_diagnostics
from mailpolicy.compiler import MAIN_CF, compile_policy
from mailpolicy.load import loader
from mailpolicy.load.loader import read_named_file
from mailpolicy.maincf.compare import (
    MapChange,
    ParameterChange,
    SemanticDiff,
    compare_map,
    compare_parameters,
    deployed_map_path,
    read_map_entries,
)
from mailpolicy.output.folder import read_inside
from mailpolicy.plan.model import ConfigPlan
from mailpolicy.postfix.main_cf import MainCf, read_main_cf


@click.command("diff")
@click.argument("policy", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--against", "against", required=True, metavar="FOLDER|MAIN.CF|-",
              help="What is deployed: a Postfix folder (its main.cf and sender map), a main.cf, "
                   "or - for `postconf -n` output on stdin.")
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="Print the differences for people or as JSON.")
def diff_command(policy: Path, against: str, output_format: str) -> None:
    """Show what deploying POLICY would change: parameter by parameter, restriction lists entry
    by entry, sender login map entries added and removed.

    Exit 0 when the deployed configuration already says what the policy says, 1 when it differs
    (or the policy has errors), 2 when the deployed files cannot be read.
    """
    exit_if_unreadable([policy])
    compilation = compile_policy(policy)
    if not compilation.ok:
        print_diagnostics(list(compilation.diagnostics), compilation.sources, "text")
        raise SystemExit(exit_codes.PROBLEMS)
    deployed, folder = _read_deployed(against)
    beside = Path(against).parent if folder is None and against != "-" else None
    result = semantic_diff(deployed, folder, compilation.plan, beside)
    if output_format == "json":
        click.echo(json.dumps(_as_json(result, deployed.path, compilation.path), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(result, deployed.path, compilation.path), nl=False)
    raise SystemExit(exit_codes.OK if result.empty else exit_codes.PROBLEMS)


def semantic_diff(deployed: MainCf, folder: Path | None, plan: ConfigPlan,
                  beside: Path | None = None) -> SemanticDiff:
    """Compare `deployed` (and, given its folder, its sender map source) with `plan`.

    Given a main.cf file instead of a folder, the map source is looked for beside it under its own
    name: where `compile -o build/` writes it (build/main.cf, build/controlled_envelope_senders).
    """
    changes, unrelated = compare_parameters(deployed, plan)
    notes: list[str] = []
    sender_map: MapChange | None = None
    path = deployed_map_path(deployed, plan)
    if folder is None and beside is not None and plan.sender_map is not None:
        source = beside / posixpath.basename(path or plan.sender_map.path)
        if source.is_file():
            try:
                sender_map = _compare_source(beside, source, plan)
            except OSError:
                pass  # unreadable or leading outside: the note below says it was not compared
            else:
                return attrs.evolve(semantic_diff(deployed, None, plan), sender_map=sender_map, notes=())
    if folder is None:
        if plan.sender_map is not None:
            notes.append("sender login map not compared: give --against the folder that holds it")
    elif path is None:
        if plan.sender_map is not None:
            sender_map = compare_map({}, plan.sender_map, "(no sender login map deployed)")
    else:
        source = table_path(deployed, folder, path)
        try:
            # Only a table really inside the folder: a copied or committed folder could name, or link
            # to, any file this user can read, and the diff prints a table's keys (output/folder.py).
            sender_map = _compare_source(folder, source, plan)
        except OSError as error:
            notes.append(f"sender login map not compared: cannot read {source}: {error.strerror or error}")
    return SemanticDiff(tuple(changes), sender_map, tuple(notes), unrelated)


def _compare_source(folder: Path, source: Path, plan: ConfigPlan) -> MapChange:
    """Compare a map source inside `folder` with the policy's sender map (OSError when unreadable)."""
    text = read_inside(folder, source, loader.MAX_FILE_BYTES).decode("utf-8", "replace")
    return compare_map(read_map_entries(text), plan.sender_map, str(source))


def _read_deployed(against: str) -> tuple[MainCf, Path | None]:
    if against == "-":
        limit = loader.MAX_FILE_BYTES
        data = sys.stdin.buffer.read(limit + 1)  # bytes: postconf output need not be UTF-8
        if len(data) > limit:
            click.echo(f"mailpolicy: standard input is over the limit of {limit:,} bytes", err=True)
            raise SystemExit(exit_codes.USAGE)
        return read_main_cf(data.decode("utf-8", "replace"), "postconf -n (stdin)"), None
    given = Path(against)
    folder = given if given.is_dir() else None
    path = given / MAIN_CF if folder else given
    try:
        # A main.cf in a folder given must be in it; a main.cf named directly is read as named.
        data = read_inside(folder, path, loader.MAX_FILE_BYTES) if folder else read_named_file(path)
        text = data.decode("utf-8", "replace")
    except OSError as error:
        click.echo(f"mailpolicy: cannot read {path}: {error.strerror or error}", err=True)
        raise SystemExit(exit_codes.USAGE)
    return read_main_cf(text, str(path)), folder


def render_text(result: SemanticDiff, deployed: str, policy: str) -> str:
    """Return the differences as lines a reviewer reads: what deploying the policy adds and removes."""
    lines = [f"--- deployed: {deployed}", f"+++ policy:   {policy}"]
    for change in result.parameters:
        lines.extend(_parameter_lines(change))
    if result.sender_map is not None and not result.sender_map.empty:
        lines.extend(_map_lines(result.sender_map))
    lines.extend(f"note: {note}" for note in result.notes)
    count = len(result.parameters) + (len(_map_lines(result.sender_map)) - 1 if result.sender_map
                                      and not result.sender_map.empty else 0)
    summary = "no differences" if result.empty else f"{count} difference{'s' if count != 1 else ''}"
    if result.empty and result.notes:
        summary = "no differences in what was compared (see the notes)"
    if result.unrelated:
        summary += f"; {result.unrelated} other deployed parameter{'s' if result.unrelated != 1 else ''} " \
                   "not managed by the policy"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _parameter_lines(change: ParameterChange) -> list[str]:
    where = f" ({change.deployed_at.short})" if change.deployed_at else ""
    default = f"Postfix's default, {change.default or '(empty)'}"
    old = change.deployed if change.deployed is not None else f"not set ({default})"
    new = change.policy if change.policy is not None else f"unset by the policy ({default})"
    if not change.is_list:
        return [f"~ {change.name}{where}: {old or '(empty)'} -> {new or '(empty)'}"]
    header = f"~ {change.name}{where}"
    if change.deployed is None or change.policy is None:
        header += ": " + (old if change.deployed is None else new)
    lines = [header]
    lines.extend(f"    - {entry} removed from {change.name}" for entry in change.removed)
    lines.extend(f"    + {entry} added to {change.name}" for entry in change.added)
    if change.reordered:
        lines.append(f"    order: {change.deployed or '(empty)'} -> {change.policy or '(empty)'}")
    return lines


def _map_lines(table: MapChange) -> list[str]:
    lines = [f"~ sender login map {table.source}"]
    lines.extend(f"    + {key} owned by {', '.join(owners)}" for key, owners in table.added)
    lines.extend(f"    - {key} (owned by {', '.join(owners)}) removed" for key, owners in table.removed)
    lines.extend(f"    ~ {key} owners: {', '.join(old)} -> {', '.join(new)}" for key, old, new in table.changed)
    return lines


def _as_json(result: SemanticDiff, deployed: str, policy: str) -> dict:
    def where(span):
        return {"file": span.path, "line": span.line} if span else None

    return {
        "deployed": deployed,
        "policy": policy,
        "parameters": [{
            "name": c.name, "deployed": c.deployed, "policy": c.policy, "removed": list(c.removed),
            "added": list(c.added), "reordered": c.reordered, "deployed_at": where(c.deployed_at),
            "policy_at": where(c.policy_at)} for c in result.parameters],
        "sender_map": None if result.sender_map is None else {
            "source": result.sender_map.source,
            "added": [{"key": k, "owners": list(o)} for k, o in result.sender_map.added],
            "removed": [{"key": k, "owners": list(o)} for k, o in result.sender_map.removed],
            "changed": [{"key": k, "deployed": list(a), "policy": list(b)} for k, a, b in result.sender_map.changed],
        },
        "notes": list(result.notes),
        "unrelated_parameters": result.unrelated,
        "differences": not result.empty,
    }
