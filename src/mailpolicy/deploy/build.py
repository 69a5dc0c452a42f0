"""Read a compiled build folder and refuse anything mailpolicy did not write or that was edited since.

A build is what `mailpolicy compile POLICY -o DIR` wrote: `main.cf` and the map sources, each
starting with a marker line whose hash covers the rest (output/marker.py). Deploy installs only
files whose hash still matches: a hand edit to build/ would otherwise go live without ever
having been checked by the compiler. The `master.cf` compile writes for `service` statements holds
only those services and is merged into the installed master.cf (deploy/run.py); any other
`master.cf` in a build is installed as it is, only with --privileged (MP630).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
# The largest file deploy reads is compile's own input limit (docs/security.md).
from mailpolicy.frozen import frozen
from mailpolicy.load.files import MAX_FILE_BYTES
from mailpolicy.output.atomic import RESERVED_PREFIX, interrupted
from mailpolicy.output.marker import is_intact, split_marker

MAIN_CF = "main.cf"
MASTER_CF = "master.cf"


@frozen
class Build:
    """The files of one compiled build: main.cf's text, master.cf's if any, and each map source by name."""

    folder: Path
    main_cf: str
    master_cf: str | None
    maps: dict[str, str]
    source: str  # the policy file named by main.cf's marker


def read_build(folder: Path) -> tuple[Build | None, list[Diagnostic]]:
    """Return the build in `folder`, or None and the reasons it cannot be deployed."""
    if not folder.is_dir():
        return None, [cat.DEPLOY_BAD_BUILD.at(None, f"{folder} is not a folder",
                                              hint="give the folder `mailpolicy compile POLICY -o DIR` wrote")]
    if not (folder / MAIN_CF).exists():
        hosts = sorted(p.name for p in folder.iterdir() if (p / MAIN_CF).is_file())
        hint = (f"this is a build of several policies: deploy one of {', '.join(f'{folder}/{h}' for h in hosts)}"
                if hosts else "compile first: mailpolicy compile POLICY -o " + str(folder))
        return None, [cat.DEPLOY_BAD_BUILD.at(None, f"{folder} holds no main.cf", hint=hint)]
    if interrupted(folder):
        return None, [cat.DEPLOY_BAD_BUILD.at(
            None, f"a compile into {folder} was killed midway; its files may be a mix of two builds",
            hint="run the compile again (it restores the previous files first), then deploy")]
    problems: list[Diagnostic] = []
    texts: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(RESERVED_PREFIX) or (path.is_dir() and not path.is_symlink()):
            continue  # compile's own temporaries and journal; a host folder of a multi-policy build
        text = _read(path, problems)
        if text is None:
            continue
        if split_marker(text)[0] is None:
            if path.name != MASTER_CF:
                problems.append(cat.DEPLOY_BAD_BUILD.at(
                    None, f"{path} was not written by mailpolicy (no marker line); deploy installs only compiled files",
                    hint="remove it from the build folder, or compile into a folder of its own"))
                continue
        elif not is_intact(text):
            problems.append(cat.DEPLOY_BAD_BUILD.at(
                None, f"{path} was edited since mailpolicy wrote it (its hash no longer matches)",
                hint="change the policy and compile again; an edit to build/ would go live unchecked"))
            continue
        texts[path.name] = text
    if problems or MAIN_CF not in texts:
        return None, problems
    main_cf = texts.pop(MAIN_CF)
    master_cf = texts.pop(MASTER_CF, None)
    marker, _ = split_marker(main_cf)
    return Build(folder, main_cf, master_cf, texts, marker.source if marker else folder.name), []


def _read(path: Path, problems: list[Diagnostic]) -> str | None:
    try:
        # O_NOFOLLOW: a build/master.cf linked to a root-only file must not be installed (or shown
        # whole by --dry-run) by a deploy running as root; O_NONBLOCK: a FIFO does not hang us.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise OSError(f"{path} is not a regular file")
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        reason = "it is a symbolic link" if path.is_symlink() else getattr(error, "strerror", None) or error
        problems.append(cat.DEPLOY_BAD_BUILD.at(None, f"cannot read {path}: {reason}",
                                                hint="a build holds only the regular files compile wrote"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(cat.DEPLOY_BAD_BUILD.at(None, f"{path} is larger than {MAX_FILE_BYTES} bytes"))
        return None
    return data.decode("utf-8", "surrogateescape")
