"""The journal of a write in progress, `.mailpolicy-journal`, read as hostile input.

The journal tells the next compile which files to put back after a kill. It lives in a folder
that is often committed to git (docs/ci.md), so anyone with a commit can write one, and a git
checkout makes it owned by whoever runs compile. Every name in it is therefore checked before
anything is done: `name` must be a plain output name (no `/`, not `.`/`..`, not reserved), `temp`
a temporary's name, `backup` exactly the backup name of `name`, `sha256` 64 hex digits. The file
itself must be a regular file owned by the invoking user and not writable by group or others (so
another local user cannot plant one in a shared folder). Anything else refuses the whole journal
(MP611): nothing is restored, removed or deleted, and the journal stays for a person to look at.
Confined this way, a journal can only do what a commit to the folder could do anyway.
"""

from __future__ import annotations

import json
import os
import re
import stat

from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.output.folder import RESERVED_PREFIX, TEMP_NAME, OutputFolder, Refused, is_output_name

JOURNAL = ".mailpolicy-journal"
BACKUP_PREFIX = RESERVED_PREFIX + "backup-"
MAX_JOURNAL_BYTES = 1 << 20  # a journal lists a handful of files: a few hundred bytes
MAX_ENTRIES = 256
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEYS = {"name", "temp", "backup", "sha256"}


def backup_name(name: str) -> str:
    return BACKUP_PREFIX + name


def encode(entries: list[dict]) -> bytes:
    """Return the journal's bytes for `entries` (each: name, temp, backup, sha256)."""
    return json.dumps({"version": 1, "entries": entries}, indent=1).encode("utf-8")


def read_journal(folder: OutputFolder) -> list[dict] | None:
    """Return the entries of the folder's journal (None when there is none), or raise Refused (MP611)."""
    path = folder.path / JOURNAL
    try:
        with folder.open_regular(JOURNAL, MAX_JOURNAL_BYTES) as handle:
            if handle is None:
                return None
            info = os.fstat(handle.fileno())
            data = handle.read(MAX_JOURNAL_BYTES + 1)
    except Refused as refused:
        raise _refused(path, refused.message) from None
    if info.st_uid != os.geteuid():
        raise _refused(path, f"it is owned by uid {info.st_uid}, not by you (uid {os.geteuid()})")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _refused(path, f"it is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o})")
    if len(data) > MAX_JOURNAL_BYTES:
        raise _refused(path, f"it is over {MAX_JOURNAL_BYTES:,} bytes")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _refused(path, "it is not UTF-8") from None
    except json.JSONDecodeError as error:
        raise _refused(path, f"it is not JSON ({error.msg})", line=error.lineno) from None
    return _entries(path, document)


def _entries(path, document) -> list[dict]:
    if not isinstance(document, dict) or document.get("version") != 1 or set(document) != {"version", "entries"}:
        raise _refused(path, 'it is not {"version": 1, "entries": [...]}')
    entries = document["entries"]
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        raise _refused(path, f"its entries are not a list of at most {MAX_ENTRIES}")
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        problem = _entry_problem(entry, seen)
        if problem:
            raise _refused(path, f"entry {number} {problem}")
        seen.add(entry["name"])
    return entries


def _entry_problem(entry, seen: set[str]) -> str | None:
    """Say what is wrong with one entry, or None: only plain reserved names of this folder pass."""
    if not isinstance(entry, dict) or set(entry) != _KEYS:
        return f"is not an object with exactly the keys {', '.join(sorted(_KEYS))}"
    name, temp, backup, digest = (entry[key] for key in ("name", "temp", "backup", "sha256"))
    if not isinstance(name, str) or not is_output_name(name):
        return f"names {name!r}, which is not a file name mailpolicy writes (a plain name in the folder)"
    if name in seen:
        return f"names {name!r} a second time"
    if temp is not None and not (isinstance(temp, str) and TEMP_NAME.fullmatch(temp)):
        return f"has the temporary {temp!r}, which is not a name mailpolicy gives its temporaries"
    if backup is not None and backup != backup_name(name):
        return f"has the backup {backup!r}; the backup of {name!r} can only be {backup_name(name)!r}"
    if digest is not None and not (isinstance(digest, str) and _SHA256.fullmatch(digest)):
        return f"has the hash {digest!r}, which is not 64 lower-case hex digits"
    return None


def _refused(path, why: str, line: int = 1) -> Refused:
    return Refused(cat.JOURNAL_REFUSED, path,
                   f"{path} is not a journal mailpolicy wrote here: {why}; nothing in it was acted on",
                   hint="look at it (a journal in a commit or made by another user can point compile at other "
                        "files); delete it if no compile was killed while writing this folder", line=line)
