"""Compare an output folder with what a policy compiles to, file by file, before anything is written."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Iterable


from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen
from mailpolicy.output.folder import OutputFolder, Refused, is_output_name
from mailpolicy.output.journal import JOURNAL, read_journal
from mailpolicy.output.marker import PREFIX, body_intact, encoded_chunks, split_marker_bytes
from mailpolicy.source import Span


class State(enum.Enum):
    """Where one output file stands."""

    CURRENT = "current"          # on disk exactly as it would be written
    MISSING = "missing"          # not on disk yet
    OUTDATED = "outdated"        # written by mailpolicy, untouched since, and the policy now says otherwise
    HAND_EDITED = "hand-edited"  # written by mailpolicy, then edited: its content no longer matches its hash
    FOREIGN = "foreign"          # not written by mailpolicy (no marker): a hand-made file
    STALE = "stale"              # written by mailpolicy from this policy, untouched, and no longer produced
    CONFLICTED = "conflicted"    # holds version-control conflict markers: a merge left both sides in it

    @property
    def protected(self) -> bool:
        """Tell whether overwriting a file in this state needs --force."""
        return self in (State.HAND_EDITED, State.FOREIGN, State.CONFLICTED)


@frozen
class FileStatus:
    """One file of the folder: its bytes on disk (None if missing) and the text compile would write.

    The bytes are kept, not the text: a map of a million owners is ~100 MB, and its decoded
    copy is needed only to show a diff or a drift diagnostic.
    """

    name: str
    path: Path
    state: State
    raw: bytes | None
    new: str | None

    @property
    def old(self) -> str | None:
        """Return the text on disk (undecodable bytes kept as surrogates), or None when there is no file."""
        return None if self.raw is None else self.raw.decode("utf-8", "surrogateescape")


@frozen
class FolderStatus:
    """Every output file of one folder, and whether an interrupted write left it mixed."""

    folder: Path
    files: tuple[FileStatus, ...]
    interrupted: bool
    # Files (and a journal) mailpolicy will not read or replace: a symlink, a FIFO, a file over the
    # limit, a journal naming files outside the folder. Any of them stops a write into the folder.
    refused: tuple[Diagnostic, ...] = ()

    @property
    def changes(self) -> tuple[FileStatus, ...]:
        """Return the files a compile would write or remove."""
        return tuple(f for f in self.files if f.state is not State.CURRENT)

    @property
    def protected(self) -> tuple[FileStatus, ...]:
        """Return the files a compile refuses to overwrite without --force."""
        return tuple(f for f in self.files if f.state.protected)

    @property
    def in_sync(self) -> bool:
        return not self.changes and not self.interrupted and not self.refused


def _same(raw: bytes, text: str) -> bool:
    """Tell whether `text`, written to disk, would be exactly `raw` (compared a slice at a time)."""
    view, offset = memoryview(raw), 0
    for chunk in encoded_chunks(text):
        if view[offset:offset + len(chunk)] != chunk:
            return False
        offset += len(chunk)
    return offset == len(raw)


def inspect_folder(folder: Path, wanted: dict[str, str], source: str, top: Path | None = None) -> FolderStatus:
    """Compare `folder` with `wanted` (name -> full text, marker included) compiled from policy `source`.

    Raises folder.Refused when the folder itself is refused (a symlink; as root, another user's);
    `top` as for OutputFolder.open.
    """
    with OutputFolder.open(folder, top=top) as out:
        return inspect(out, folder, wanted, source)


def inspect(out: OutputFolder | None, folder: Path, wanted: dict[str, str], source: str) -> FolderStatus:
    """Do `inspect_folder` in a folder already open (None: it does not exist yet)."""
    if out is None:
        return FolderStatus(folder, tuple(FileStatus(n, folder / n, State.MISSING, None, t) for n, t in wanted.items()),
                            False)
    files, refused = [], []
    for name, text in wanted.items():
        try:
            files.append(_status(out, name, text))
        except Refused as refusal:
            refused.append(refusal.diagnostic())
    files.extend(_stale(out, wanted, source))
    try:
        interrupted = read_journal(out) is not None
    except Refused as refusal:
        interrupted = False
        refused.append(refusal.diagnostic())
    return FolderStatus(folder, tuple(files), interrupted, tuple(refused))


def _status(out: OutputFolder, name: str, new: str) -> FileStatus:
    path = out.path / name
    raw = out.read(name)  # O_NOFOLLOW, regular files only, bounded: a planted link or FIFO is refused
    if raw is None:
        return FileStatus(name, path, State.MISSING, None, new)
    if _same(raw, new):
        return FileStatus(name, path, State.CURRENT, raw, new)
    if conflict_line(raw):
        return FileStatus(name, path, State.CONFLICTED, raw, new)
    marker, body = split_marker_bytes(raw)
    if marker is None:
        return FileStatus(name, path, State.FOREIGN, raw, new)
    if not body_intact(marker, body):
        return FileStatus(name, path, State.HAND_EDITED, raw, new)
    return FileStatus(name, path, State.OUTDATED, raw, new)


# What git (and diff3, merge, hg) writes around each side of a conflict, at the start of a line.
# A merge of two compiles conflicts on the marker line first (each side's hash differs), so the
# file no longer starts with a marker and would otherwise read as "not written by mailpolicy".
_CONFLICT_OPEN, _CONFLICT_CLOSE = b"<<<<<<< ", b">>>>>>> "


def conflict_line(raw: bytes) -> int:
    """Return the 1-based line of the first conflict opener when a closer follows it, else 0."""
    opener = 0 if raw.startswith(_CONFLICT_OPEN) else raw.find(b"\n" + _CONFLICT_OPEN) + 1
    if raw[opener:opener + len(_CONFLICT_OPEN)] != _CONFLICT_OPEN:
        return 0
    if raw.find(b"\n" + _CONFLICT_CLOSE, opener) < 0:
        return 0
    return raw.count(b"\n", 0, opener) + 1


def _stale(out: OutputFolder, wanted: dict[str, str], source: str) -> list[FileStatus]:
    """Find untouched files this policy generated earlier that it no longer produces (a renamed map)."""
    found = []
    for name in out.names():
        if name in wanted or not is_output_name(name):
            continue
        try:
            with out.open_regular(name) as handle:  # not a regular file, or too large: not one compile wrote
                if handle is None or not handle.readline(512).startswith(PREFIX.encode()):
                    continue
            raw = out.read(name)
        except (OSError, Refused):
            continue  # unreadable: not a file this user's compile wrote
        if raw is None:
            continue
        marker, body = split_marker_bytes(raw)
        if marker is not None and marker.source == source and body_intact(marker, body):
            found.append(FileStatus(name, out.path / name, State.STALE, raw, None))
    return found


def first_difference(old: str, new: str) -> int:
    """Return the 1-based number of the first line where `old` and `new` differ, past their markers."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    # Two marker lines differ whenever anything below them does: point at the line that made it so.
    start = 1 if old.startswith(PREFIX) and new.startswith(PREFIX) and old_lines[1:] != new_lines[1:] else 0
    for number, (a, b) in enumerate(zip(old_lines[start:], new_lines[start:]), start=start + 1):
        if a != b:
            return number
    return min(len(old_lines), len(new_lines))


_WHY = {
    State.MISSING: "is missing",
    State.OUTDATED: "differs from what {source} compiles to",
    State.HAND_EDITED: "differs from what {source} compiles to, and was edited by hand since it was written",
    State.FOREIGN: "differs from what {source} compiles to, and was not written by mailpolicy",
    State.CONFLICTED: "holds merge conflict markers; it is generated from {source}",
    State.STALE: "was compiled from {source}, which no longer produces it",
}


def drift_diagnostics(status: FolderStatus, source: str) -> list[Diagnostic]:
    """Return the refusals (MP609-MP611), one MP601 per file `compile` would change, and MP606 for a pending interrupted write."""
    found = list(status.refused)
    if status.interrupted:
        found.append(cat.INTERRUPTED_WRITE.at(
            None, f"a write into {status.folder} was killed midway: {JOURNAL} is still there",
            hint="run `mailpolicy compile` again: it puts the previous files back, then writes"))
    for file in status.changes:
        line = first_difference(file.old, file.new) if file.old is not None and file.new is not None else 1
        found.append(cat.OUTPUT_DRIFT.at(
            Span(str(file.path), line, 1), f"{file.path} {_WHY[file.state].format(source=source)}",
            hint="run `mailpolicy compile` and commit the result" if file.state is not State.STALE
            else "delete it, or run `mailpolicy compile`, which removes it"))
    return found


def refusal_diagnostics(files: Iterable[FileStatus]) -> list[Diagnostic]:
    """Return an error for each file compile must not overwrite without --force (MP602, MP605)."""
    found = []
    for file in files:
        if file.state is State.CONFLICTED:
            found.append(cat.OUTPUT_CONFLICTED.at(
                Span(str(file.path), conflict_line(file.raw), 1),
                f"{file.path} holds merge conflict markers: a merge combined two compiled versions of it; "
                "refusing to overwrite it without --force",
                hint="resolve conflicts in the policy first, then recompile with --force (the output is "
                     "regenerated, not merged by hand); docs/output.md shows a merge driver that avoids this"))
        elif file.state is State.HAND_EDITED:
            found.append(cat.HAND_EDITED.at(
                Span(str(file.path), 1, 1),
                f"{file.path} was edited by hand since mailpolicy wrote it: its content no longer matches "
                "the hash in its first line; refusing to overwrite it",
                hint="move the change into the policy (or delete the file), or rerun with --force to overwrite it"))
        else:
            found.append(cat.FOREIGN_OUTPUT.at(
                Span(str(file.path), 1, 1),
                f"{file.path} was not written by mailpolicy (it has no `{PREFIX.strip()}` line); "
                "refusing to overwrite it",
                hint="write to another folder, merge it with --base, or rerun with --force to overwrite it"))
    return found
