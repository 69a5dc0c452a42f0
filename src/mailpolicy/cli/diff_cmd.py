"""`mailpolicy diff POLICY --against /etc/postfix|main.cf|-`: what deploying the policy would change, by meaning."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mailpolicy.cli import exit_codes
from mailpolicy.cli.report import exit_if_unreadable, print_diagnostics
from mailpolicy.compiler import compile_policy
from mailpolicy.maincf.against import Unreadable, read_deployed, semantic_diff
from mailpolicy.maincf.compare import MapChange, ParameterChange, SemanticDiff


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
    try:
        deployed, folder = read_deployed(against, sys.stdin.buffer)
    except Unreadable as problem:
        click.echo(f"mailpolicy: {problem}", err=True)
        raise SystemExit(exit_codes.USAGE)
    beside = Path(against).parent if folder is None and against != "-" else None
    result = semantic_diff(deployed, folder, compilation.plan, beside)
    if output_format == "json":
        click.echo(json.dumps(_as_json(result, deployed.path, compilation.path), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(result, deployed.path, compilation.path), nl=False)
    raise SystemExit(exit_codes.OK if result.empty else exit_codes.PROBLEMS)


def render_text(result: SemanticDiff, deployed: str, policy: str) -> str:
    """Return the differences as lines a reviewer reads: what deploying the policy adds and removes."""
    lines = [f"--- deployed: {deployed}", f"+++ policy:   {policy}"]
    for change in result.parameters:
        lines.extend(_parameter_lines(change))
    if result.sender_map is not None and not result.sender_map.empty:
        lines.extend(_map_lines(result.sender_map))
    for change in result.services:
        lines.extend(_service_lines(change))
    lines.extend(f"note: {note}" for note in result.notes)
    count = len(result.parameters) + len(result.services) + (
        len(_map_lines(result.sender_map)) - 1 if result.sender_map and not result.sender_map.empty else 0)
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


def _service_lines(change) -> list[str]:
    where = f" ({change.deployed_at.path.rpartition('/')[2]}:{change.deployed_at.line})" if change.deployed_at else ""
    if change.dropped:
        head = f"- master.cf {change.endpoint}{where}: replaced by the policy's {change.kind} service"
    elif change.deployed_at is None:
        head = f"+ master.cf {change.endpoint}: service {change.kind} added"
    else:
        head = f"~ master.cf {change.endpoint}{where}: service {change.kind}"
    lines = [head]
    if not change.dropped:
        lines.extend(f"    - {setting}" for setting in change.removed)
        lines.extend(f"    + {setting}" for setting in change.added)
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
        "services": [{
            "kind": c.kind, "endpoint": c.endpoint, "deployed_at": where(c.deployed_at), "added": list(c.added),
            "removed": list(c.removed), "dropped": c.dropped} for c in result.services],
        "notes": list(result.notes),
        "unrelated_parameters": result.unrelated,
        "differences": not result.empty,
    }
