"""All-or-nothing writes: a failure or a kill at any rename leaves (or gives back) the previous set."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailpolicy.output.atomic import JOURNAL, interrupted, recover, replace_file, write_files
from mailpolicy.output.folder import OutputFolder, Refused
from mailpolicy.output.journal import read_journal

OLD = {"main.cf": "old main\n", "senders": "old map\n", "gone": "old gone\n"}
NEW = {"main.cf": "new main\n", "senders": "new map\n", "added": "new added\n"}


def _contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def _old_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    write_files(folder, OLD)
    return folder


def test_writes_every_file_removes_the_named_ones_and_leaves_no_helper_files(tmp_path: Path) -> None:
    folder = _old_folder(tmp_path)
    (folder / "senders").chmod(0o640)
    written = write_files(folder, NEW, remove=["gone"])
    assert written == [folder / "main.cf", folder / "senders", folder / "added"]
    assert _contents(folder) == {"added": "new added\n", "main.cf": "new main\n", "senders": "new map\n"}
    assert (folder / "senders").stat().st_mode & 0o777 == 0o640, "permissions of a replaced file are kept"
    assert (folder / "added").stat().st_mode & 0o777 == 0o644


def test_main_cf_is_renamed_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _old_folder(tmp_path)
    order = []
    real = OutputFolder.replace

    def spy(self, src, dst):
        order.append(dst)
        real(self, src, dst)

    monkeypatch.setattr(OutputFolder, "replace", spy)
    write_files(folder, NEW, remove=["gone"])
    assert [name for name in order if name != JOURNAL] == ["added", "senders", "main.cf"]


def test_a_failure_while_staging_leaves_the_old_files_untouched(tmp_path: Path, monkeypatch) -> None:
    folder = _old_folder(tmp_path)
    real = OutputFolder.write_temp
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(OutputFolder, "write_temp", failing)
    with pytest.raises(OSError):
        write_files(folder, NEW, remove=["gone"])
    assert _contents(folder) == OLD


def test_a_failure_between_renames_is_rolled_back_at_once(tmp_path: Path, monkeypatch) -> None:
    folder = _old_folder(tmp_path)
    real = OutputFolder.replace
    renamed = []

    def failing(self, src, dst):
        if not dst.startswith("."):
            renamed.append(dst)
            if len(renamed) == 2:
                raise OSError(5, "Input/output error")
        real(self, src, dst)

    monkeypatch.setattr(OutputFolder, "replace", failing)
    with pytest.raises(OSError):
        write_files(folder, NEW, remove=["gone"])
    assert _contents(folder) == OLD
    assert not interrupted(folder)


# The child writes the old set, then the new one with os.replace patched to SIGKILL the process
# right after the Nth rename of an output file: the state a power cut or an OOM kill leaves.
_KILL_AFTER = """
import os, signal, sys
from pathlib import Path
from mailpolicy.output import atomic
folder, after = Path(sys.argv[1]), int(sys.argv[2])
from mailpolicy.output.folder import OutputFolder, Refused
from mailpolicy.output.journal import read_journal
real, seen = OutputFolder.replace, []
def replace(self, src, dst):
    real(self, src, dst)
    if dst != atomic.JOURNAL:
        seen.append(dst)
        if len(seen) == after:
            os.kill(os.getpid(), signal.SIGKILL)
OutputFolder.replace = replace
atomic.write_files(folder, {new!r}, remove=["gone"])
"""


@pytest.mark.parametrize("after", [1, 2])
def test_a_kill_between_renames_leaves_each_file_whole_and_recover_gives_back_the_old_set(
        tmp_path: Path, after: int) -> None:
    folder = _old_folder(tmp_path)
    child = subprocess.run([sys.executable, "-c", _KILL_AFTER.format(new=NEW), str(folder), str(after)],
                           capture_output=True, text=True)
    assert child.returncode == -9, child.stderr
    # Every visible file is wholly old or wholly new, and the journal says the set is mixed.
    for name in ("main.cf", "senders", "added", "gone"):
        path = folder / name
        if path.exists():
            assert path.read_text() in (OLD.get(name), NEW.get(name))
    assert (folder / "main.cf").read_text() == OLD["main.cf"], "main.cf is renamed last"
    assert interrupted(folder)
    journal = json.loads((folder / JOURNAL).read_text())
    assert [entry["name"] for entry in journal["entries"]] == ["gone", "added", "senders", "main.cf"]
    assert sorted(recover(folder)) == ["added", "gone", "main.cf", "senders"]
    assert _contents(folder) == OLD
    # The next write starts from the restored set and completes.
    write_files(folder, NEW, remove=["gone"])
    assert _contents(folder) == {"added": "new added\n", "main.cf": "new main\n", "senders": "new map\n"}


def test_a_kill_before_the_journal_leaves_stray_files_that_the_next_write_removes(tmp_path: Path) -> None:
    folder = _old_folder(tmp_path)
    (folder / ".mailpolicy-abc.tmp").write_text("half written")
    os.link(folder / "main.cf", folder / ".mailpolicy-backup-main.cf")
    assert not interrupted(folder)
    write_files(folder, {"main.cf": "next\n"})
    assert _contents(folder) == {**OLD, "main.cf": "next\n"}


def test_recovery_keeps_a_file_made_since_in_place_of_one_the_killed_write_created(tmp_path: Path) -> None:
    folder = _old_folder(tmp_path)
    journal = {"version": 1, "entries": [{"name": "added", "temp": None, "backup": None, "sha256": "0" * 64}]}
    (folder / JOURNAL).write_text(json.dumps(journal))
    (folder / "added").write_text("made by hand after the kill\n")
    recover(folder)
    assert (folder / "added").read_text() == "made by hand after the kill\n"
    assert not interrupted(folder)
    assert recover(folder) == [], "nothing to restore: an empty list of names"


def test_reserved_and_path_like_names_are_refused(tmp_path: Path) -> None:
    for name in (".mailpolicy-journal", "sub/main.cf", ".."):
        with pytest.raises(ValueError) as raised:
            write_files(tmp_path / "out", {name: "x"})
        assert str(raised.value) == f"{name!r} cannot be an output file name"


def test_replace_file_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "policy.mailpolicy"
    path.write_text("old\n")
    path.chmod(0o600)
    replace_file(path, "new\n")
    assert path.read_text() == "new\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["policy.mailpolicy"]


@pytest.mark.parametrize("mode, kept", [(0o664, 0o664), (0o755, 0o755), (0o4755, 0o755), (0o2664, 0o664),
                                        (0o1644, 0o644)])
def test_replace_file_keeps_permission_bits_but_never_set_id_or_sticky_bits(tmp_path: Path, mode, kept) -> None:
    path = tmp_path / "policy.mailpolicy"
    path.write_text("old\n")
    path.chmod(mode)
    replace_file(path, "new\n")
    assert path.stat().st_mode & 0o7777 == kept


def test_bytes_that_are_not_utf8_are_written_back_unchanged(tmp_path: Path) -> None:
    raw = b"# caf\xe9 (Latin-1)\nbiff = no\n"
    write_files(tmp_path, {"main.cf": raw.decode("utf-8", "surrogateescape")})
    assert (tmp_path / "main.cf").read_bytes() == raw


# A racer in the folder of a file the user named (`fmt` rewriting a policy): its temporary is
# swapped (or deleted) between the write and the rename. The file is left as it was, the refusal
# names it, and no temporary is left behind.
def _swap_temporary(folder: OutputFolder, temp: str) -> list[int]:
    os.unlink(temp, dir_fd=folder.fd)
    return [os.open(temp, os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=folder.fd)]  # the racer's file, held open


def _delete_temporary(folder: OutputFolder, temp: str) -> list[int]:
    os.unlink(temp, dir_fd=folder.fd)
    return []


RACERS = {"swapped for a file of the racer's": _swap_temporary, "deleted": _delete_temporary}


@pytest.mark.parametrize("race", RACERS.values(), ids=RACERS.keys())
def test_replace_file_refuses_a_raced_temporary_naming_the_file(tmp_path: Path, monkeypatch, race) -> None:
    path = tmp_path / "policy.mailpolicy"
    path.write_text("old\n")
    real = OutputFolder.is_file_of
    opened: list[int] = []

    def racer(self, name, fd):
        opened.extend(race(self, name))
        return real(self, name, fd)

    monkeypatch.setattr(OutputFolder, "is_file_of", racer)
    with pytest.raises(Refused) as raised:
        replace_file(path, "new\n")
    for fd in opened:
        os.close(fd)
    assert raised.value.diagnostic().code == "MP614" and raised.value.path == str(path)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["policy.mailpolicy"], "the temporary was removed"


def test_the_journal_on_disk_during_the_renames_lists_every_entry_and_is_private(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    # What a kill at the first rename leaves for recovery (the child-process tests above see it too,
    # but a mutant in this process only fails a test that reads the journal in this process).
    folder = _old_folder(tmp_path)
    real, seen = OutputFolder.replace, []

    def replace(self, source, target):
        if target != JOURNAL and not seen:
            seen.append((read_journal(self), stat.S_IMODE(os.stat(JOURNAL, dir_fd=self.fd).st_mode)))
        real(self, source, target)

    monkeypatch.setattr(OutputFolder, "replace", replace)
    old = os.umask(0o022)
    try:
        write_files(folder, NEW, remove=["gone"])
    finally:
        os.umask(old)
    ((entries, mode),) = seen
    assert [(e["name"], e["temp"] is not None, e["backup"]) for e in entries] == [
        ("gone", False, ".mailpolicy-backup-gone"), ("added", True, None),
        ("senders", True, ".mailpolicy-backup-senders"), ("main.cf", True, ".mailpolicy-backup-main.cf")]
    assert mode == 0o600


def test_a_temporary_swapped_before_its_rename_is_refused_naming_its_file(tmp_path: Path, monkeypatch) -> None:
    folder = _old_folder(tmp_path)
    real, calls = OutputFolder.is_file_of, []

    def racer(self, name, fd):
        calls.append(name)  # 1: the journal's temporary; 2: the first output's ("senders", main.cf is last)
        return False if len(calls) == 2 else real(self, name, fd)

    monkeypatch.setattr(OutputFolder, "is_file_of", racer)
    with pytest.raises(Refused) as raised:
        write_files(folder, {"main.cf": "new main\n", "senders": "new map\n"})
    assert raised.value.path == str(folder / "senders") and raised.value.diagnostic().code == "MP614"
    assert _contents(folder) == OLD, "the previous files were put back"
