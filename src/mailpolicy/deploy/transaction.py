"""Back up what a deploy replaces, install the new files, and put the old ones back on failure.

Before anything in the configuration folder changes, every file the deploy will replace (main.cf,
master.cf, map sources and their indexed files) is copied into a backup folder with a manifest
that also lists the files that did not exist (deleted again on a rollback). The backup folder is
kept after a successful deploy, so the previous configuration can always be found and copied
back by hand; its path is printed.

New files are staged beside their targets (same file system) and renamed into place one by one,
main.cf last, since it names the others. Between the first rename and the end of the deploy a
journal, `.mailpolicy-deploy-journal`, names the backup folder: a deploy killed in that window
is rolled back by the next deploy into the folder before it does anything else.
The whole deploy holds an exclusive flock on the configuration folder, the lock `compile` takes
on a folder it writes into, so neither a second deploy nor a compile can interleave with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

JOURNAL = ".mailpolicy-deploy-journal"
STAGE_PREFIX = ".mailpolicy-deploy-"
MANIFEST = "manifest.json"
BACKUPS = "mailpolicy-backups"


class Busy(RuntimeError):
    """Raised when another deploy (or a compile) holds the configuration folder's lock."""


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive flock on `folder` itself, or raise Busy at once."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another deploy or compile is writing into {folder}; try again when it has finished") from None
        yield
    finally:
        os.close(fd)


def new_backup_folder(root: Path) -> Path:
    """Return a fresh folder under `root` named by the UTC time (a suffix when two deploys share a second)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        folder = root / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir(mode=0o700)  # map sources name every address and its owner
            return folder
        except FileExistsError:
            continue
    raise OSError(f"cannot make a backup folder under {root}")


def back_up(target: Path, names: list[str], backup: Path, build: Path) -> None:
    """Copy each existing file of `names` from `target` into `backup`, with a manifest of all of them."""
    existed = []
    for name in names:
        source = target / name
        if source.is_file():
            shutil.copy2(source, backup / name)
            existed.append(name)
    manifest = {"version": 1, "config_directory": str(target), "build": str(build),
                "replaced": existed, "created": [n for n in names if n not in existed]}
    _write_json(backup / MANIFEST, manifest)
    _fsync(backup)


def stage(target: Path, name: str, text: str) -> Path:
    """Write `text` to a new file beside `target/name` with that file's mode and owner; return its path."""
    fd, temp = tempfile.mkstemp(prefix=STAGE_PREFIX, dir=target)
    with os.fdopen(fd, "wb") as handle:
        _copy_ownership(target / name, handle.fileno())
        if _SECRET.search(text):
            _keep_secret(handle.fileno())
        handle.write(text.encode("utf-8", "surrogateescape"))
        handle.flush()
        os.fsync(handle.fileno())
    return Path(temp)


# A database table file (pgsql_table(5), model/database.py) holds the database password: it is
# installed 0640 root:postfix, never world-readable whatever the file it replaces allowed. smtpd,
# cleanup and trivial-rewrite open their tables as root, before they drop privileges
# (src/smtpd/smtpd.c pre_jail_init -> smtpd_check_init, src/cleanup/cleanup_init.c cleanup_pre_jail,
# src/trivial-rewrite/trivial-rewrite.c pre_jail_init -> resolve_init); the group is for proxymap.
_SECRET = re.compile(r"^password\s*=", re.M)


def _keep_secret(fd: int) -> None:
    with contextlib.suppress(KeyError, PermissionError):
        os.fchown(fd, 0, grp.getgrnam("postfix").gr_gid)
    os.fchmod(fd, 0o640)


# Never carried over: a set-id or sticky bit, or write access for group or others. Postfix's
# configuration is root's; a bit like that on the old file is a mistake or a plant, not a wish.
_NEVER_COPIED = stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX | stat.S_IWGRP | stat.S_IWOTH


def _copy_ownership(original: Path, fd: int) -> None:
    """Give the open staged file the old file's owner and mode, less the bits above."""
    try:
        info = os.lstat(original)  # the file itself: a link's target is not what is replaced
    except FileNotFoundError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        os.fchmod(fd, 0o644)  # Postfix's own files are world-readable; daemons read them as user postfix
        return
    with contextlib.suppress(PermissionError):
        os.fchown(fd, info.st_uid, info.st_gid)
    # After the chown, which may clear set-id bits on its own: the mode is set on the open file.
    os.fchmod(fd, stat.S_IMODE(info.st_mode) & ~_NEVER_COPIED)


def begin(target: Path, backup: Path) -> None:
    """Write the journal: from now on the folder may hold a mix, and the backup says how to undo it."""
    _write_json(target / JOURNAL, {"version": 1, "backup": str(backup)})
    _fsync(target)


def install(target: Path, staged: list[tuple[Path, str]]) -> None:
    """Rename each staged file over its target, in the order given."""
    for temp, name in staged:
        os.replace(temp, target / name)
    _fsync(target)


def finish(target: Path) -> None:
    """Remove the journal: the deploy is complete (or completely undone)."""
    (target / JOURNAL).unlink(missing_ok=True)
    _fsync(target)


def roll_back(target: Path, backup: Path) -> list[str]:
    """Put every backed-up file back and delete the ones the deploy created; return the names restored."""
    manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    for name in manifest["replaced"]:
        copy = stage_copy(backup / name, target)
        os.replace(copy, target / name)
    for name in manifest["created"]:
        (target / name).unlink(missing_ok=True)
    finish(target)
    return [*manifest["replaced"], *manifest["created"]]


def stage_copy(source: Path, target: Path) -> Path:
    """Copy `source` (contents, mode, times) to a new temporary in `target`; return it."""
    fd, temp = tempfile.mkstemp(prefix=STAGE_PREFIX, dir=target)
    os.close(fd)
    shutil.copy2(source, temp)
    with contextlib.suppress(PermissionError, FileNotFoundError):
        info = source.stat()
        os.chown(temp, info.st_uid, info.st_gid)
    return Path(temp)


def pending_backup(target: Path) -> Path | None:
    """Return the backup folder of a deploy killed midway, when its journal is still there."""
    try:
        journal = json.loads((target / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Path(journal["backup"])


def discard_staged(target: Path) -> None:
    """Delete staged files (and postmap's files of them) left in `target`."""
    with contextlib.suppress(OSError):
        for path in target.iterdir():
            if path.name.startswith(STAGE_PREFIX):
                path.unlink(missing_ok=True)


def _write_json(path: Path, data: dict) -> None:
    fd, temp = tempfile.mkstemp(prefix=STAGE_PREFIX, dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def _fsync(folder: Path) -> None:
    # Renames are durable only once the folder itself is synced (POSIX).
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
