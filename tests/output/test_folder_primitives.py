"""output/folder.py's primitives, each held to what keeps the folder safe (the mutation run's survivors, docs/mutation.md).

The CLI tests show the attacks fail end to end; these pin the single calls a change could weaken
without an end-to-end test noticing: the temporary's creation mode and flags, a link never
followed, the umask read without /proc, the owner check's exact verdicts, and read_inside's
boundary under a race.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import stat
from pathlib import Path

import pytest

from mailpolicy.output import atomic
from mailpolicy.output import folder as folder_module
from mailpolicy.output.folder import OutputFolder, Refused, read_inside


@pytest.fixture
def out(tmp_path: Path):
    with OutputFolder.open(tmp_path, check_owner=False) as opened:
        yield opened


def test_a_temporary_is_created_private_and_not_inherited(out: OutputFolder, tmp_path: Path) -> None:
    old = os.umask(0)  # so the mode given to open() is the file's mode, bit for bit
    try:
        fd, name = out._create_temp()
    finally:
        os.umask(old)
    try:
        # 0600 from the start: the sender map is written into it before the final fchmod.
        assert stat.S_IMODE(os.fstat(fd).st_mode) == 0o600
        assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC  # not leaked into postfix/postmap children
        assert (tmp_path / name).is_file() and name.startswith(folder_module.RESERVED_PREFIX)
    finally:
        os.close(fd)


@pytest.mark.parametrize("planted", ["symlink", "file"])
def test_a_name_planted_at_the_temporary_name_is_never_written_through(out: OutputFolder, tmp_path: Path,
                                                                       monkeypatch, planted: str) -> None:
    victim = tmp_path.parent / f"{tmp_path.name}-victim"
    victim.write_text("root's file\n")
    monkeypatch.setattr(folder_module.secrets, "token_hex", lambda size: "0" * (2 * size))  # a racer's guess
    name = f"{folder_module.RESERVED_PREFIX}{'0' * 16}.tmp"
    if planted == "symlink":
        (tmp_path / name).symlink_to(victim)
    else:
        (tmp_path / name).write_text("racer's\n")
    with pytest.raises(FileExistsError) as raised:
        out._create_temp()
    assert raised.value.errno == 17 and raised.value.strerror == "no free temporary name"
    assert raised.value.filename == str(tmp_path)
    assert victim.read_text() == "root's file\n"


def test_link_links_a_symlink_itself_never_the_file_it_points_to(out: OutputFolder, tmp_path: Path) -> None:
    secret = tmp_path.parent / f"{tmp_path.name}-secret"
    secret.write_text("secret\n")
    (tmp_path / "main.cf").symlink_to(secret)
    out.link("main.cf", "backup")
    assert (tmp_path / "backup").is_symlink()
    assert secret.stat().st_nlink == 1  # no second name for root's file inside the folder


def test_running_as_root_means_effective_uid_0() -> None:
    assert folder_module.running_as_root() is (os.geteuid() == 0)


def test_the_umask_is_read_and_kept_also_without_proc(monkeypatch) -> None:
    def no_proc(*args, **kwargs):
        raise OSError(2, "No such file or directory", "/proc/self/status")

    old = os.umask(0o027)
    try:
        assert folder_module.current_umask() == 0o027
        monkeypatch.setattr(folder_module, "open", no_proc, raising=False)  # shadows the builtin for the module
        assert folder_module.current_umask() == 0o027
        assert os.umask(0o027) == 0o027  # unchanged after the fallback
    finally:
        os.umask(old)


@pytest.mark.parametrize("name", [".", ".."])
def test_the_folder_and_its_parent_are_no_output_names(name: str) -> None:
    assert not folder_module.is_output_name(name)


# --- the owner check as root: exact verdicts, no false refusal -------------------------------------

def _info(uid: int = 0, gid: int = 0, mode: int = 0o755) -> os.stat_result:
    return os.stat_result((stat.S_IFDIR | mode, 1, 1, 2, uid, gid, 4096, 0, 0, 0))


@pytest.mark.parametrize(("info", "why"), [
    (_info(uid=1000), "is owned by uid 1000, not by uid 0"),
    (_info(mode=0o777), "is writable by every user"),
    (_info(gid=50, mode=0o775), "is writable by group 50"),
])
def test_as_root_a_shared_folder_is_refused_saying_why(monkeypatch, info, why: str) -> None:
    monkeypatch.setattr(folder_module, "running_as_root", lambda: True)
    monkeypatch.setattr(folder_module.os, "geteuid", lambda: 0)
    with pytest.raises(Refused) as raised:
        folder_module._check_owner(Path("/srv/build"), info)
    assert raised.value.message == (f"the output folder /srv/build {why}; mailpolicy runs as root and will not "
                                    "read or write files there that another user can replace")
    assert raised.value.path == "/srv/build"
    assert raised.value.hint == ("write to a folder only root can change (`chown root /srv/build; chmod go-w "
                                 "/srv/build`), or run mailpolicy as that folder's owner")


@pytest.mark.parametrize("info", [_info(gid=50, mode=0o755), _info(gid=0, mode=0o775), _info(mode=0o1755)])
def test_as_root_a_folder_only_root_can_change_is_accepted(monkeypatch, info) -> None:
    monkeypatch.setattr(folder_module, "running_as_root", lambda: True)
    monkeypatch.setattr(folder_module.os, "geteuid", lambda: 0)
    folder_module._check_owner(Path("/srv/build"), info)  # no Refused: a false error is as bad as a miss


# --- read_inside: the boundary of the folder given --------------------------------------------------

def test_read_inside_refuses_a_folder_swapped_for_a_link_after_it_was_resolved(tmp_path: Path, monkeypatch) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    (outside / "inner" / "map").write_text("secret\n")
    root.mkdir()
    (root / "sub").symlink_to(outside)
    # The race: realpath saw root/sub/inner as a folder inside root; by the open it leads outside.
    monkeypatch.setattr(folder_module.os.path, "realpath", lambda path: str(path))
    with pytest.raises(OSError) as raised:
        read_inside(root, root / "sub" / "inner" / "map", 1000)
    assert raised.value.errno == 13 and raised.value.filename == str(root / "sub" / "inner" / "map")
    assert raised.value.strerror == f"it is outside {root}: only files in the folder given are read"


# The sibling `build` of a root whose name extends it: by a character (`buildX`), or by a blank
# (`build `: only the "/" may be stripped before the prefix test).
@pytest.mark.parametrize("root_name", ["buildX", "build "])
def test_read_inside_refuses_a_sibling_folder_whose_name_its_own_extends(tmp_path: Path, root_name: str) -> None:
    root, sibling = tmp_path / root_name, tmp_path / "build"
    (sibling / "sub").mkdir(parents=True)
    (sibling / "sub" / "map").write_text("secret\n")
    root.mkdir()
    (root / "link").symlink_to(sibling / "sub")
    with pytest.raises(OSError, match="it is outside"):
        read_inside(root, root / "link" / "map", 1000)


def test_read_inside_reads_a_file_of_a_subfolder_and_honours_the_limit_given(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "map").write_bytes(b"x" * 100)
    assert read_inside(tmp_path, tmp_path / "sub" / "map", 100) == b"x" * 100
    with pytest.raises(OSError) as raised:
        read_inside(tmp_path, tmp_path / "sub" / "map", 99)
    assert raised.value.errno == 22 and raised.value.filename == str(tmp_path / "sub" / "map")
    with pytest.raises(FileNotFoundError) as missing:
        read_inside(tmp_path, tmp_path / "sub" / "none", 99)
    assert (missing.value.errno, missing.value.strerror) == (2, "No such file or directory")
    assert missing.value.filename == str(tmp_path / "sub" / "none")


# --- a file system without hard links: the backup is a copy (output/atomic.py _stage) --------------

def _no_hard_links(self, source: str, target: str) -> None:
    raise OSError(1, "Operation not permitted")


def test_without_hard_links_the_backup_is_a_copy_with_the_old_content_and_mode(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "main.cf").write_text("old\n")
    (tmp_path / "main.cf").chmod(0o640)
    monkeypatch.setattr(OutputFolder, "link", _no_hard_links)
    written: dict[str, int] = {}
    with OutputFolder.open(tmp_path, check_owner=False) as out:
        try:
            entry = atomic._stage(out, "main.cf", "new\n", 0o644, written)
        finally:
            for fd in written.values():
                os.close(fd)
    assert set(entry) == {"name", "temp", "backup", "sha256"}
    assert entry["sha256"] == hashlib.sha256(b"new\n").hexdigest()
    backup = tmp_path / entry["backup"]
    # What a rollback puts back: the old text with the old mode, never an empty or wider file.
    assert backup.read_text() == "old\n" and stat.S_IMODE(backup.stat().st_mode) == 0o640
    assert (tmp_path / entry["temp"]).read_text() == "new\n"


def test_read_inside_without_proc_checks_the_resolved_folder(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "map").write_text("inside\n")
    (tmp_path.parent / f"{tmp_path.name}-out").mkdir(exist_ok=True)
    (tmp_path.parent / f"{tmp_path.name}-out" / "map").write_text("outside\n")
    (tmp_path / "link").symlink_to(tmp_path.parent / f"{tmp_path.name}-out")
    real_isdir = folder_module.os.path.isdir
    monkeypatch.setattr(folder_module.os.path, "isdir", lambda p: False if p == "/proc/self/fd" else real_isdir(p))
    assert read_inside(tmp_path, tmp_path / "sub" / "map", 100) == b"inside\n"
    with pytest.raises(OSError, match="it is outside"):
        read_inside(tmp_path, tmp_path / "link" / "map", 100)


@pytest.mark.parametrize(("mode", "kind"), [
    (stat.S_IFDIR, "a folder"), (stat.S_IFIFO, "a FIFO"), (stat.S_IFCHR, "a character device"),
    (stat.S_IFBLK, "a block device"), (stat.S_IFSOCK, "a socket"), (stat.S_IFLNK, "a symlink"),
    (0, "not a regular file"),
])
def test_a_refusal_names_the_kind_of_file_found(mode: int, kind: str) -> None:
    # MP609's message: "main.cf is a character device, not a regular file" (refusals.ref has the real ones).
    assert folder_module._kind(mode) == kind


def test_a_file_larger_than_its_size_said_is_refused_after_reading_one_byte_past_the_limit() -> None:
    # A file that grows after fstat, for real: /proc files say st_size 0 and hold more.
    proc = Path(f"/proc/{os.getpid()}")
    with OutputFolder.open(proc, check_owner=False) as out:
        assert out.lstat("status").st_size == 0
        with pytest.raises(Refused) as raised:
            out.read("status", 10)
        assert raised.value.path == str(proc / "status")
        assert raised.value.message == f"{proc}/status is over the limit of 10 bytes for an output file; it is not read"


def test_without_hard_links_the_backup_of_an_empty_file_is_empty(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "map").write_text("")
    monkeypatch.setattr(OutputFolder, "link", _no_hard_links)
    written: dict[str, int] = {}
    with OutputFolder.open(tmp_path, check_owner=False) as out:
        try:
            entry = atomic._stage(out, "map", None, 0o644, written)  # a removal: backup only
        finally:
            for fd in written.values():
                os.close(fd)
    assert entry["temp"] is None and (tmp_path / entry["backup"]).read_bytes() == b""


def test_a_temporary_whose_write_fails_is_removed_and_the_error_kept(out: OutputFolder, tmp_path: Path) -> None:
    def chunks():
        yield b"half of it"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError) as raised:
        out.write_temp(chunks(), 0o644)
    assert raised.value.errno == 28
    assert list(tmp_path.iterdir()) == [], "no temporary left behind"


def test_a_temporary_name_taken_by_someone_else_is_passed_over_for_another(out: OutputFolder, tmp_path: Path,
                                                                            monkeypatch) -> None:
    guesses = iter(["0" * 16, "1" * 16])
    monkeypatch.setattr(folder_module.secrets, "token_hex", lambda size: next(guesses))
    (tmp_path / f"{folder_module.RESERVED_PREFIX}{'0' * 16}.tmp").write_text("racer's\n")
    fd, name = out._create_temp()
    os.close(fd)
    assert name == f"{folder_module.RESERVED_PREFIX}{'1' * 16}.tmp"
    assert (tmp_path / f"{folder_module.RESERVED_PREFIX}{'0' * 16}.tmp").read_text() == "racer's\n"


# --- _open_directory: the folder is opened as a folder, never through a link -----------------------

def test_a_folder_made_a_symlink_after_the_check_is_refused_at_the_open(tmp_path: Path, monkeypatch) -> None:
    # The race: the check saw a folder; by the open it is a link to another one. The open does not
    # follow it (O_NOFOLLOW; Linux says ENOTDIR with O_DIRECTORY), and the refusal says why (MP613).
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "build").symlink_to(tmp_path / "elsewhere")
    real, checks = folder_module._is_symlink, []

    def checked_before_the_swap(path, dir_fd):
        checks.append(path)
        return False if len(checks) == 1 else real(path, dir_fd)

    monkeypatch.setattr(folder_module, "_is_symlink", checked_before_the_swap)
    for create in (False, True):
        checks.clear()
        with pytest.raises(Refused) as raised:
            with OutputFolder.open(tmp_path / "build", create=create, check_owner=False):
                pass
        assert raised.value.path == str(tmp_path / "build") and "is a symlink" in raised.value.message
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_file_where_the_folder_should_be_is_no_folder(tmp_path: Path) -> None:
    (tmp_path / "build").write_text("a file\n")
    with OutputFolder.open(tmp_path / "build", check_owner=False) as out:
        assert out is None  # every output reads as missing (--check, --diff); a write fails
    with pytest.raises(FileExistsError):  # mkdir's answer: a file holds the name
        with OutputFolder.open(tmp_path / "build", create=True, check_owner=False):
            pass


def test_create_makes_missing_parents_and_reopens_an_existing_host_folder(tmp_path: Path) -> None:
    with OutputFolder.open(tmp_path / "a" / "b", create=True, check_owner=False) as out:
        assert out is not None and (tmp_path / "a" / "b").is_dir()
    for _ in range(2):  # -o build with several policies: build/mx1 made once, then found
        with OutputFolder.open(tmp_path / "build" / "mx1", create=True, check_owner=False,
                               top=tmp_path / "build") as out:
            assert out.names() == []
