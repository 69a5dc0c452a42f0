"""`diff --against`: what deploying a policy would change, by meaning (maincf/compare.py compares)."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import BinaryIO

import attrs

from mailpolicy.audit.files import table_path
from mailpolicy.compiler import MAIN_CF
from mailpolicy.load import files
from mailpolicy.load.files import read_named_file
from mailpolicy.maincf.compare import (
    MapChange,
    SemanticDiff,
    compare_map,
    compare_parameters,
    deployed_map_path,
    read_map_entries,
)
from mailpolicy.maincf.service_compare import compare_services
from mailpolicy.emit.master_cf import MASTER_CF
from mailpolicy.output.folder import read_inside
from mailpolicy.postfix.master_cf import read_master_cf
from mailpolicy.plan.model import ConfigPlan
from mailpolicy.postfix.main_cf import MainCf, read_main_cf


class Unreadable(Exception):
    """The deployed configuration `--against` names cannot be read; the message says why."""


def semantic_diff(deployed: MainCf, folder: Path | None, plan: ConfigPlan,
                  beside: Path | None = None) -> SemanticDiff:
    """Compare main.cf and the sender map (`_main_cf_diff`), and master.cf's services when the policy states some."""
    result = _main_cf_diff(deployed, folder, plan, beside)
    if not plan.services:
        return result
    if folder is None:
        note = "master.cf services not compared: give --against the folder that holds master.cf"
        return attrs.evolve(result, notes=(*result.notes, note))
    try:
        text = read_inside(folder, folder / MASTER_CF, files.MAX_FILE_BYTES).decode("utf-8", "replace")
    except OSError as error:
        # No master.cf is a folder deploy cannot merge into either: every stated service is new.
        text = ""
        if not isinstance(error, FileNotFoundError):
            note = f"master.cf services not compared: cannot read {folder / MASTER_CF}: {error.strerror or error}"
            return attrs.evolve(result, notes=(*result.notes, note))
    changes = compare_services(read_master_cf(text, str(folder / MASTER_CF)), plan.services)
    return attrs.evolve(result, services=changes)


def _main_cf_diff(deployed: MainCf, folder: Path | None, plan: ConfigPlan,
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
                return attrs.evolve(_main_cf_diff(deployed, None, plan), sender_map=sender_map, notes=())
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
    text = read_inside(folder, source, files.MAX_FILE_BYTES).decode("utf-8", "replace")
    return compare_map(read_map_entries(text), plan.sender_map, str(source))


def read_deployed(against: str, stdin: BinaryIO) -> tuple[MainCf, Path | None]:
    """Read what `--against` names: a Postfix folder's main.cf, a main.cf, or `-` for `postconf -n` on stdin.

    Returns the main.cf and the folder (None unless a folder was named); raises Unreadable saying why not.
    """
    if against == "-":
        limit = files.MAX_FILE_BYTES
        data = stdin.read(limit + 1)  # bytes: postconf output need not be UTF-8
        if len(data) > limit:
            raise Unreadable(f"standard input is over the limit of {limit:,} bytes")
        return read_main_cf(data.decode("utf-8", "replace"), "postconf -n (stdin)"), None
    given = Path(against)
    folder = given if given.is_dir() else None
    path = given / MAIN_CF if folder else given
    try:
        # A main.cf in a folder given must be in it; a main.cf named directly is read as named.
        data = read_inside(folder, path, files.MAX_FILE_BYTES) if folder else read_named_file(path)
        text = data.decode("utf-8", "replace")
    except OSError as error:
        raise Unreadable(f"cannot read {path}: {error.strerror or error}") from error
    return read_main_cf(text, str(path)), folder
