"""A FIFO put where a file is expected, which cannot hang the suite if the code under test waits on it.

The package opens every file it reads with O_NONBLOCK (load/files.py, output/folder.py,
deploy/build.py): opening a FIFO returns at once and fstat refuses it. Were O_NONBLOCK lost,
open(2) would wait for a writer forever, and the test, then the whole run, would hang. `bounded_fifo`
makes the FIFO and watches it: past the bound, it opens the FIFO's write end (non-blocking, so it
succeeds only while a reader waits), which releases the stuck reader with an empty file, and the
test fails saying why.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

BOUND = 10.0  # seconds a test may take with its FIFO before a waiting reader counts as stuck
_NONBLOCK = os.O_NONBLOCK  # the guard's own, whatever a test does to os.O_NONBLOCK


@contextlib.contextmanager
def bounded_fifo(path: Path, bound: float = BOUND) -> Iterator[Path]:
    """Make a FIFO at `path` for the body; fail (instead of hanging) if something waits to read it past `bound`."""
    os.mkfifo(path)
    done = threading.Event()
    released: list[Path] = []

    def watch() -> None:
        if done.wait(bound):
            return
        while not done.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | _NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO:  # ENXIO: no reader waits (yet)
                    return
                done.wait(0.05)
                continue
            os.close(fd)  # the reader's open returns; its read sees the end of the file
            released.append(path)
            return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield path
    finally:
        done.set()
        watcher.join()
        if released:
            raise AssertionError(f"reading the FIFO {path} waited for a writer for over {bound:g} s (released by "
                                 "opening its write end): was O_NONBLOCK lost?")
