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
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from mailpolicy.output.marker import encoded_chunks

RESERVED_PREFIX = ".mailpolicy-"
TEMP_PREFIX = RESERVED_PREFIX
JOURNAL = ".mailpolicy-journal"
BACKUP_PREFIX = ".mailpolicy-backup-"
# Renamed last: main.cf refers to the map files by path, so it is the one that makes a new set live.
COMMIT_LAST = "main.cf"


def write_files(folder: Path, files: dict[str, str], remove: Iterable[str] = ()) -> list[Path]:
    """Write `files` (name -> text) into `folder` and delete `remove`, all or nothing; return the paths written."""
    remove = [name for name in remove if name not in files]
    for name in (*files, *remove):
        if name.startswith(RESERVED_PREFIX) or "/" in name or name in ("", ".", ".."):
            raise ValueError(f"{name!r} cannot be an output file name")
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        _recover(folder)
        entries: list[dict] = []
        try:
            for name in sorted(remove) + sorted(files, key=lambda n: (n == COMMIT_LAST, n)):
                entries.append(_stage(folder, name, files.get(name)))
            _fsync_folder(folder)
            _write_journal(folder, entries)
        except BaseException:
            _recover(folder)  # nothing was renamed yet: this only deletes what was staged
            raise
        try:
            for entry in entries:
                if entry["temp"] is None:
                    os.unlink(folder / entry["name"])
                else:
                    os.replace(folder / entry["temp"], folder / entry["name"])
            _fsync_folder(folder)
        except BaseException:
            _recover(folder)
            raise
        (folder / JOURNAL).unlink()
        _fsync_folder(folder)
        _discard(folder, entries)
    return [folder / name for name in files]


def replace_file(path: Path, text: str) -> None:
    """Replace one file atomically, keeping its permissions."""
    entry = _stage(path.parent, path.name, text, backup=False)
    try:
        os.replace(path.parent / entry["temp"], path)
    except BaseException:
        _discard(path.parent, [entry])
        raise
    _fsync_folder(path.parent)


def interrupted(folder: Path) -> bool:
    """Tell whether a write into `folder` was killed after its commit point (its journal is left)."""
    return (folder / JOURNAL).exists()


def recover(folder: Path) -> list[str]:
    """Roll back an interrupted write: put every backup back, delete what was new; return the names restored."""
    if not folder.is_dir():
        return []
    with _locked(folder):
        return _recover(folder)


def _recover(folder: Path) -> list[str]:
    journal = folder / JOURNAL
    restored: list[str] = []
    if journal.exists():
        entries = json.loads(journal.read_text(encoding="utf-8"))["entries"]
        for entry in entries:
            target = folder / entry["name"]
            if entry["backup"]:
                backup = folder / entry["backup"]
                if backup.exists():
                    os.replace(backup, target)
            elif entry["sha256"] and _digest(target) == entry["sha256"]:
                target.unlink()  # new in the interrupted write; a file someone made since stays
            restored.append(entry["name"])
        _fsync_folder(folder)
        journal.unlink()
        _fsync_folder(folder)
    _discard(folder, [])
    return restored


def _stage(folder: Path, name: str, text: str | None, backup: bool = True) -> dict:
    """Write the new content to a temporary and link a backup of the old file; return the journal entry."""
    target = folder / name
    entry: dict = {"name": name, "temp": None, "backup": None, "sha256": None}
    if text is not None:
        digest = hashlib.sha256()
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=folder)
        entry["temp"] = os.path.basename(temp)
        # surrogateescape: bytes of a base main.cf that are not UTF-8 go back to disk as they came.
        with os.fdopen(fd, "wb") as handle:
            for chunk in encoded_chunks(text):
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        entry["sha256"] = digest.hexdigest()
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o644
        os.chmod(temp, mode)
    if backup and (target.exists() or target.is_symlink()):
        entry["backup"] = BACKUP_PREFIX + name
        copy = folder / entry["backup"]
        copy.unlink(missing_ok=True)
        try:
            os.link(target, copy, follow_symlinks=False)
        except OSError:
            shutil.copy2(target, copy, follow_symlinks=False)
    return entry


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _write_journal(folder: Path, entries: list[dict]) -> None:
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "entries": entries}, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, folder / JOURNAL)
    _fsync_folder(folder)


def _discard(folder: Path, entries: list[dict]) -> None:
    """Delete temporaries and backups: those of `entries`, and strays a killed write left behind."""
    names = {e[key] for e in entries for key in ("temp", "backup") if e[key]}
    with contextlib.suppress(OSError):
        names.update(p.name for p in folder.iterdir()
                     if p.name.startswith(BACKUP_PREFIX) or (p.name.startswith(TEMP_PREFIX) and p.name.endswith(".tmp")))
    for name in names:
        (folder / name).unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    # flock on the folder itself: no lock file to leave behind; best effort where unsupported.
    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    # The renames are durable only once the folder itself is synced (POSIX).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
