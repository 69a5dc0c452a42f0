"""Every refusal of output/ says exactly which file, where, why and what to do: compared whole with refusals.ref.

The end-to-end tests check that each refusal happens (the code, "nothing in it was acted on");
the mutation run (docs/mutation.md, fifth run) showed that a refusal naming the wrong file
(`path` -> None prints "None"), losing its hint, pointing at another line or column, or saying
something else, passed them all. A user acts on these words (which file to look at or delete),
so each situation below is built for real in a temporary folder and its diagnostics are
rendered in full (code, file, line, column, message, hint) into one reference; run with
`--update-goldens` to rewrite it after a deliberate change, and read the diff.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Callable

import pytest

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.output import atomic
from mailpolicy.output.drift import drift_diagnostics, inspect_folder, refusal_diagnostics
from mailpolicy.output.folder import OutputFolder, Refused
from mailpolicy.output.journal import JOURNAL, MAX_ENTRIES, MAX_JOURNAL_BYTES, read_journal
from mailpolicy.output.marker import add_marker
from tests.references import matches_reference

REFERENCE = Path(__file__).with_name("refusals.ref")
HASH = "ab" * 32


def _refusal(action: Callable[[], object]) -> list[Diagnostic]:
    with pytest.raises(Refused) as raised:
        action()
    assert str(raised.value) == raised.value.message, "a caller that prints any OSError prints the message"
    return [raised.value.diagnostic()]


def _opened(folder: Path, action: Callable[[OutputFolder], object]) -> list[Diagnostic]:
    with OutputFolder.open(folder, check_owner=False) as out:
        return _refusal(lambda: action(out))


# --- the folder and the files in it (output/folder.py) ---------------------------------------------

def _symlinked_folder(tmp: Path) -> list[Diagnostic]:
    (tmp / "real").mkdir()
    (tmp / "build").symlink_to(tmp / "real")
    return _refusal(lambda: OutputFolder.open(tmp / "build").__enter__())


def _symlinked_host_folder(tmp: Path) -> list[Diagnostic]:
    # -o build with several policies: the host's folder build/mx1 is named, not the top folder.
    (tmp / "build").mkdir()
    (tmp / "elsewhere").mkdir()
    (tmp / "build" / "mx1").symlink_to(tmp / "elsewhere")
    return _refusal(lambda: OutputFolder.open(tmp / "build" / "mx1", top=tmp / "build").__enter__())


def _symlinked_top_folder(tmp: Path) -> list[Diagnostic]:
    (tmp / "elsewhere").mkdir()
    (tmp / "build").symlink_to(tmp / "elsewhere")
    return _refusal(lambda: OutputFolder.open(tmp / "build" / "mx1", top=tmp / "build").__enter__())


def _not_regular(make: Callable[[Path], object]) -> Callable[[Path], list[Diagnostic]]:
    def case(tmp: Path) -> list[Diagnostic]:
        make(tmp / "main.cf")
        return _opened(tmp, lambda out: out.read("main.cf"))
    return case


def _socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))


def _too_large(tmp: Path) -> list[Diagnostic]:
    (tmp / "main.cf").write_bytes(b"x" * 5000)
    return _opened(tmp, lambda out: out.read("main.cf", 4096))


# --- the journal (output/journal.py, atomic.recover_in) --------------------------------------------

def _write_journal(folder: Path, text: str | bytes, mode: int = 0o600) -> None:
    path = folder / JOURNAL
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    path.chmod(mode)


def _journal(text: str | bytes, mode: int = 0o600) -> Callable[[Path], list[Diagnostic]]:
    def case(tmp: Path) -> list[Diagnostic]:
        _write_journal(tmp, text, mode)
        return _opened(tmp, read_journal)
    return case


def _entries(*entries) -> str:
    return json.dumps({"version": 1, "entries": list(entries)})


def _entry(name="main.cf", temp=None, backup=None, sha256=None) -> dict:
    return {"name": name, "temp": temp, "backup": backup, "sha256": sha256}


def _journal_through(make: Callable[[Path], object]) -> Callable[[Path], list[Diagnostic]]:
    def case(tmp: Path) -> list[Diagnostic]:
        make(tmp / JOURNAL)
        return _opened(tmp, read_journal)
    return case


def _linked_journal(path: Path) -> None:
    (path.parent.parent / "elsewhere").write_text(_entries())
    path.symlink_to(path.parent.parent / "elsewhere")


def _backup_not_regular(tmp: Path) -> list[Diagnostic]:
    (tmp / ".mailpolicy-backup-main.cf").mkdir()
    _write_journal(tmp, _entries(_entry(backup=".mailpolicy-backup-main.cf")))
    return _opened(tmp, atomic.recover_in)


def _raced(tmp: Path) -> list[Diagnostic]:
    # After the rename, the name no longer holds the inode this write made (someone swapped it).
    (tmp / "main.cf").write_text("someone else's\n")
    (tmp / "mine").write_text("what compile wrote\n")
    fd = os.open(tmp / "mine", os.O_RDONLY)
    try:
        return _opened(tmp, lambda out: atomic._check_ours(out, "main.cf", "main.cf", fd))
    finally:
        os.close(fd)


# --- drift and the files compile will not overwrite (output/drift.py) ------------------------------

WANTED = {name: add_marker(f"{name}\nnew\n", "site.mailpolicy")
          for name in ("current", "missing", "outdated", "edited", "foreign", "conflicted")}
ON_DISK = {
    "current": WANTED["current"],
    "outdated": add_marker("outdated\nold\n", "site.mailpolicy"),
    "edited": add_marker("edited\nold\n", "site.mailpolicy").replace("old", "by hand"),
    "foreign": "foreign\nmade by hand\n",
    # Under the marker compile would write (a merge of two compiles of one body): MP601 points below it.
    "conflicted": WANTED["conflicted"].split("\n")[0] + "\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> bob\n",
    "stale": add_marker("a map no longer produced\n", "site.mailpolicy"),
}


def _drift(tmp: Path) -> list[Diagnostic]:
    for name, text in ON_DISK.items():
        (tmp / name).write_text(text)
    _write_journal(tmp, _entries())
    status = inspect_folder(tmp, WANTED, "site.mailpolicy")
    return [*drift_diagnostics(status, "site.mailpolicy"), *refusal_diagnostics(status.protected)]


def _drift_refused(tmp: Path) -> list[Diagnostic]:
    (tmp / "main.cf").symlink_to("/etc/shadow")
    _write_journal(tmp, "{")
    return drift_diagnostics(inspect_folder(tmp, {"main.cf": WANTED["current"]}, "site.mailpolicy"),
                             "site.mailpolicy")


def _drift_no_folder(tmp: Path) -> list[Diagnostic]:
    # --check before the first compile: each file is missing; no interrupted write is claimed.
    return drift_diagnostics(inspect_folder(tmp / "build", {"main.cf": WANTED["current"]}, "site.mailpolicy"),
                             "site.mailpolicy")


CASES: dict[str, Callable[[Path], list[Diagnostic]]] = {
    "the output folder is a symlink": _symlinked_folder,
    "a host's folder under -o is a symlink": _symlinked_host_folder,
    "the top folder of a host's folder is a symlink": _symlinked_top_folder,
    "an output that is a symlink": _not_regular(lambda p: p.symlink_to("/etc/shadow")),
    "an output that is a FIFO": _not_regular(os.mkfifo),
    "an output that is a folder": _not_regular(Path.mkdir),
    "an output that is a socket": _not_regular(_socket),
    "an output over the limit": _too_large,
    "a journal owned by you but writable by its group": _journal(_entries(), 0o620),
    "a journal writable by everyone": _journal(_entries(), 0o602),
    "a journal over its limit": _journal(b" " * (MAX_JOURNAL_BYTES + 1)),
    "a journal that is not UTF-8": _journal(b'{"version": 1, "entries": ["\xff"]}'),
    "a journal that is not JSON, on its third line": _journal('{\n "version": 1,\n "entries": [,]}'),
    "a journal of another version": _journal(json.dumps({"version": 2, "entries": []})),
    "a journal with another key": _journal(json.dumps({"version": 1, "entries": [], "x": 1})),
    "a journal that is a list": _journal("[]"),
    "a journal whose entries are not a list": _journal(json.dumps({"version": 1, "entries": {}})),
    "a journal with too many entries": _journal(_entries(*(_entry(f"f{n}") for n in range(MAX_ENTRIES + 1)))),
    "an entry that is not an object": _journal(_entries("main.cf")),
    "an entry with a missing key": _journal(_entries({"name": "main.cf", "temp": None, "backup": None})),
    "an entry naming a path": _journal(_entries(_entry("../main.cf"))),
    "an entry naming a number": _journal(_entries(_entry(7))),
    "the second entry for a name": _journal(_entries(_entry(), _entry("map"), _entry())),
    "an entry whose temporary is not one": _journal(_entries(_entry(temp="../x.tmp"))),
    "an entry whose backup is another file's": _journal(_entries(_entry(backup=".mailpolicy-backup-map"))),
    "an entry whose hash is not one": _journal(_entries(_entry(sha256=HASH.upper()))),
    "the third entry is wrong": _journal(_entries(_entry("a", sha256=HASH), _entry("b"), _entry("c", temp=5))),
    "a journal that is a symlink": _journal_through(_linked_journal),
    "a journal that is a FIFO": _journal_through(os.mkfifo),
    "a journal naming a backup that is a folder": _backup_not_regular,
    "an output swapped while it was written": _raced,
    "each state of drift, an interrupted write and the files compile will not overwrite": _drift,
    "drift with an output and a journal refused": _drift_refused,
    "drift of a folder that does not exist yet": _drift_no_folder,
}


def _render(name: str, diagnostics: list[Diagnostic], tmp: Path) -> str:
    lines = [f"## {name}"]
    for d in diagnostics:
        where = "-" if d.span is None else f"{d.span.path}:{d.span.line}:{d.span.column}"
        lines += [f"{d.severity.value}[{d.code}] {where}", f"  {d.message}", f"  hint: {d.hint}"]
        lines += [f"  related {r.span.path}:{r.span.line}: {r.message}" for r in d.related]
    return "\n".join(lines).replace(str(tmp), "{tmp}") + "\n"


def test_every_refusal_names_its_file_place_reason_and_remedy(tmp_path: Path, update_goldens: bool) -> None:
    rendered = []
    for number, (name, case) in enumerate(CASES.items()):
        tmp = tmp_path / str(number)
        tmp.mkdir()
        rendered.append(_render(name, case(tmp), tmp))
    assert matches_reference(REFERENCE, "\n".join(rendered), update_goldens), \
        f"refusals differ from {REFERENCE.name}: diff it with refusals.actual"
