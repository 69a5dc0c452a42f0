"""Write a set of files so that a failure leaves every old file as it was.

Each file is first written in full to a temporary file in the same folder (so the final rename
stays on one file system and is atomic), flushed and fsynced; only when all are written are
they renamed over the old ones. A crash before the renames leaves only stray temporaries,
which are removed; the old files are never opened for writing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".mailpolicy-"


def write_files(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write `files` (name -> text) into `folder`, all or nothing; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in files.items():
            fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=folder)
            staged.append((name, Path(temp)))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            target = folder / name
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            os.chmod(temp, mode)
    except BaseException:
        for _, temp in staged:
            temp.unlink(missing_ok=True)
        raise
    written = []
    for name, temp in staged:
        os.replace(temp, folder / name)
        written.append(folder / name)
    _fsync_folder(folder)
    return written


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
