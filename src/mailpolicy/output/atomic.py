"""Write a set of files so that a failure, or a kill at any instant, never loses the previous set.

One file is replaced atomically by writing a temporary file in the same folder (same file
system), fsyncing it and renaming it over the old one. A *set* of files cannot be renamed at
once, so a write is a small transaction with a journal:

1. stage: every new file is written to a temporary and fsynced; every old file that will be
   replaced or removed gets a backup, a hard link to the same inode (a copy where links fail);
2. commit: `.mailpolicy-journal` (written atomically) lists each file, its temporary and whether
   it has a backup. From here on the journal says the folder may be mixed;
3. apply: removals, then renames, `main.cf` last (it names the other files, and is what a deploy
   step reloads Postfix for), then the journal and the backups are deleted.

A failure before the journal leaves every old file untouched (only stray temporaries, removed by
the next write). A failure while applying is rolled back at once. A kill while applying leaves
the journal: the next write into the folder first rolls back (`recover`), putting each backup
back in place, so the folder again holds exactly the previous set; `compile --check` reports it.
A lock on the folder (flock) keeps two writers from interleaving.

Everything goes through `OutputFolder` (output/folder.py): one descriptor for the folder, plain
names relative to it, fchmod on open temporaries. The journal is read as hostile input
(output/journal.py). After the renames each written name must still be the inode compile wrote:
a temporary swapped for a symlink by someone who can write the folder is caught (MP614) and
the previous files are put back, instead of "wrote build/main.cf" over an attacker's link.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Iterable, Mapping

from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.output.folder import (
    DEFAULT_MODE, KEEPABLE_USER_MODE, RESERVED_PREFIX, TEMP_NAME, OutputFolder, Refused, is_output_name, new_file_mode,
)
from mailpolicy.output.journal import BACKUP_PREFIX, JOURNAL, backup_name, encode, read_journal
from mailpolicy.output.marker import encoded_chunks

__all__ = ["BACKUP_PREFIX", "COMMIT_LAST", "JOURNAL", "RESERVED_PREFIX", "TEMP_PREFIX", "interrupted", "recover",
           "recover_in", "replace_file", "write_files", "write_into"]

TEMP_PREFIX = RESERVED_PREFIX
# Renamed last: main.cf refers to the map files by path, so it is the one that makes a new set live.
COMMIT_LAST = "main.cf"


def write_files(folder: Path, files: dict[str, str], remove: Iterable[str] = (),
                modes: Mapping[str, int] | None = None) -> list[Path]:
    """Write `files` (name -> text) into `folder` and delete `remove`, all or nothing; return the paths written.

    `modes` gives the mode of a file that does not exist yet (less the umask; default 0644).
    Raises OSError, ValueError (a name that is not a plain output name) or folder.Refused.
    """
    remove = [name for name in remove if name not in files]
    _check_names((*files, *remove))
    with OutputFolder.open(folder, create=True) as out, out.locked():
        recover_in(out)
        write_into(out, files, remove, modes)
    return [folder / name for name in files]


def write_into(out: OutputFolder, files: dict[str, str], remove: Iterable[str] = (),
               modes: Mapping[str, int] | None = None) -> None:
    """Do `write_files` in a folder already open and locked (and recovered) by the caller."""
    remove = [name for name in remove if name not in files]
    _check_names((*files, *remove))
    entries: list[dict] = []
    written: dict[str, int] = {}  # name -> descriptor of its temporary, open until the renames are checked
    try:
        _apply(out, files, remove, modes, entries, written)
    finally:
        for fd in written.values():
            os.close(fd)


def _apply(out: OutputFolder, files: dict[str, str], remove: list[str], modes: Mapping[str, int] | None,
           entries: list[dict], written: dict[str, int]) -> None:
    try:
        for name in sorted(remove) + sorted(files, key=lambda n: (n == COMMIT_LAST, n)):
            entries.append(_stage(out, name, files.get(name), (modes or {}).get(name, DEFAULT_MODE), written))
        out.fsync()
        _write_journal(out, entries)
    except BaseException:
        _roll_back(out, entries)  # nothing was renamed yet: this only deletes what was staged
        raise
    try:
        for entry in entries:
            if entry["temp"] is None:
                out.unlink(entry["name"])
                continue
            _check_ours(out, entry["temp"], entry["name"], written[entry["name"]])
            out.replace(entry["temp"], entry["name"])
        out.fsync()
        for entry in entries:
            if entry["temp"] is not None:
                _check_ours(out, entry["name"], entry["name"], written[entry["name"]])
    except BaseException:
        _roll_back(out, entries)
        raise
    out.unlink(JOURNAL)
    out.fsync()
    _discard(out, entries)


def replace_file(path: Path, text: str) -> None:
    """Replace one file the user named atomically, keeping its permission bits (never set-id or sticky bits)."""
    with OutputFolder.parent_of(path) as out:
        mode = out.kept_mode(path.name, KEEPABLE_USER_MODE)
        temp, _, fd = out.write_temp(encoded_chunks(text), new_file_mode() if mode is None else mode)
        try:
            _check_ours(out, temp, path.name, fd)
            out.replace(temp, path.name)
        except BaseException:
            out.unlink(temp, missing_ok=True)
            raise
        finally:
            os.close(fd)
        out.fsync()


def interrupted(folder: Path) -> bool:
    """Tell whether a write into `folder` was killed after its commit point (its journal is left)."""
    try:
        return (folder / JOURNAL).lstat() is not None
    except OSError:
        return False


def recover(folder: Path) -> list[str]:
    """Roll back an interrupted write: put every backup back, delete what was new; return the names restored.

    Raises folder.Refused (MP611) for a journal that is not one mailpolicy wrote here: nothing is done then.
    """
    with OutputFolder.open(folder) as out:
        if out is None:
            return []
        with out.locked():
            return recover_in(out)


def recover_in(out: OutputFolder) -> list[str]:
    """Do `recover` in a folder already open and locked by the caller."""
    entries = read_journal(out)
    restored: list[str] = []
    if entries is not None:
        # Check every backup before touching anything: a journal is acted on whole or not at all.
        for entry in entries:
            info = out.lstat(entry["backup"]) if entry["backup"] else None
            if info is not None and not stat.S_ISREG(info.st_mode):
                raise Refused(cat.JOURNAL_REFUSED, out.path / JOURNAL,
                              f"{out.path / JOURNAL} names the backup {entry['backup']}, which is not a regular file; "
                              "nothing in the journal was acted on",
                              hint="look at the folder; delete the journal if no compile was killed while writing it")
        restored = _restore(out, entries)
        out.unlink(JOURNAL)
        out.fsync()
    _discard(out, [])
    return restored


def _restore(out: OutputFolder, entries: list[dict]) -> list[str]:
    """Put each backup back and delete each file the write created (only if it is still what it wrote)."""
    for entry in entries:
        if entry["backup"]:
            if out.lstat(entry["backup"]) is not None:
                out.replace(entry["backup"], entry["name"])
        elif entry["sha256"] and _digest(out, entry["name"]) == entry["sha256"]:
            out.unlink(entry["name"])  # new in the interrupted write; a file someone made since stays
    out.fsync()
    return [entry["name"] for entry in entries]


def _roll_back(out: OutputFolder, entries: list[dict]) -> None:
    """Undo a write that failed in this process: the same as recovery, from the entries in memory."""
    _restore(out, entries)
    out.unlink(JOURNAL, missing_ok=True)
    out.fsync()
    _discard(out, entries)


def _check_names(names: Iterable[str]) -> None:
    for name in names:
        if not is_output_name(name):
            raise ValueError(f"{name!r} cannot be an output file name")


def _check_ours(out: OutputFolder, name: str, target: str, fd: int) -> None:
    """Raise Refused (MP614) unless the entry `name` is still the file this write made (open as `fd`)."""
    if not out.is_file_of(name, fd):
        raise Refused(cat.OUTPUT_RACED, out.path / target,
                      f"{out.path / target} was being written when someone else replaced it (or its temporary) "
                      "in the folder; the previous files were put back",
                      hint=f"find who else writes into {out.path}; write to a folder only you can change")


def _stage(out: OutputFolder, name: str, text: str | None, new_mode: int, written: dict[str, int]) -> dict:
    """Write the new content to a temporary and link a backup of the old file; return the journal entry."""
    entry: dict = {"name": name, "temp": None, "backup": None, "sha256": None}
    if text is not None:
        kept = out.kept_mode(name)  # lstat: a symlink's target never lends its mode
        mode = new_file_mode(new_mode) if kept is None else kept
        entry["temp"], entry["sha256"], written[name] = out.write_temp(encoded_chunks(text), mode)
    if out.lstat(name) is not None:
        entry["backup"] = backup_name(name)
        out.unlink(entry["backup"], missing_ok=True)
        try:
            out.link(name, entry["backup"])
        except OSError:  # a file system without hard links: a copy, read and written by descriptor
            data = out.read(name)
            temp, _, fd = out.write_temp([data or b""], out.kept_mode(name) or 0o600)
            os.close(fd)
            out.replace(temp, entry["backup"])
    return entry


def _digest(out: OutputFolder, name: str) -> str | None:
    try:
        data = out.read(name)
    except (OSError, Refused):
        return None
    return None if data is None else hashlib.sha256(data).hexdigest()


def _write_journal(out: OutputFolder, entries: list[dict]) -> None:
    temp, _, fd = out.write_temp([encode(entries)], new_file_mode(0o600))
    try:
        _check_ours(out, temp, JOURNAL, fd)
        out.replace(temp, JOURNAL)
    finally:
        os.close(fd)
    out.fsync()


def _discard(out: OutputFolder, entries: list[dict]) -> None:
    """Delete temporaries and backups: those of `entries`, and strays a killed write left behind."""
    names = {e[key] for e in entries for key in ("temp", "backup") if e[key]}
    try:
        names.update(n for n in out.names() if n.startswith(BACKUP_PREFIX) or TEMP_NAME.fullmatch(n))
    except OSError:
        pass
    for name in names:
        try:
            out.unlink(name, missing_ok=True)
        except OSError:
            pass
