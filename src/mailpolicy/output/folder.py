"""An output folder opened once and worked on through its descriptor: the primitives every read and write of outputs uses.

A path is looked up again at every system call, so a folder or file swapped for a symlink between
a check and a use redirects the use: a racer with write access to the folder, or a symlink
committed to git (`build -> /etc`, `build/main.cf -> /root/secret`). Here the folder is opened
once, with O_DIRECTORY|O_NOFOLLOW, and checked with fstat; every later open, rename, link, unlink
and stat names a plain entry relative to that descriptor (dir_fd=); files are opened with
O_NOFOLLOW|O_NONBLOCK and must fstat as regular files (a FIFO cannot hang a read, /dev/zero
cannot fill memory) of bounded size; a new file's mode is set with fchmod on its own descriptor,
never by name. `OutputFolder` is the API for anything that installs files (compile, deploy).

Modes: a new file gets the mode asked for (main.cf 0644, the sender map 0640) less the umask; a
replaced file keeps its own mode (read with lstat, never from a symlink's target) less set-id,
sticky, execute and group/other write bits (`KEEPABLE_MODE`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Iterable, Iterator

from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.diagnostics.catalogue import Code
from mailpolicy.source import Span

RESERVED_PREFIX = ".mailpolicy-"
TEMP_NAME = re.compile(r"\.mailpolicy-[A-Za-z0-9_]{1,64}\.tmp")
# main.cf, and the last component of a `sender map` path: the characters MP205 allows in a path.
OUTPUT_NAME = re.compile(r"[A-Za-z0-9._+@:-]{1,255}")
# The largest output is a sender map, never larger than the policy files it came from, which
# together are at most load.loader.MAX_TOTAL_BYTES (256 MiB; not imported: it pulls in the parser).
MAX_OUTPUT_BYTES = 256 * 1024 * 1024
DEFAULT_MODE = 0o644
# The sender login map source: not world-readable unless its owner makes it so (chmod; a replaced
# file keeps its mode). postmap(1) gives the .db the source's group/other read bits
# (postmap.c: `umask(022 | (~st.st_mode & 077))`), and smtpd opens the table as root before it
# drops privileges (smtpd_check_init() in pre_jail_init), so 0640 works on the server too.
SENDER_MAP_MODE = 0o640
# What a replaced file may keep of its mode: read and owner write. Never set-id or sticky bits
# (a setuid map), execute, or group/other write (a 0666 main.cf anyone could rewrite).
KEEPABLE_MODE = 0o644
# A file the user named and owns (a policy `fmt` rewrites, an `import -o` target) keeps its
# permission bits, group write included (a shared repository under umask 002); never set-id or sticky.
KEEPABLE_USER_MODE = 0o777
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class Refused(OSError):
    """An output folder or file mailpolicy will not read or write: its diagnostic says why.

    An OSError, so that a caller that only knows I/O errors still prints the message, never a traceback.
    """

    def __init__(self, code: Code, path: Path | str, message: str, hint: str, line: int = 1) -> None:
        super().__init__(message)
        self.code, self.path, self.message, self.hint, self.line = code, str(path), message, hint, line

    def diagnostic(self) -> Diagnostic:
        return self.code.at(Span(self.path, self.line, 1), self.message, hint=self.hint)


def is_output_name(name: str) -> bool:
    """Tell whether `name` is a plain name mailpolicy may write: no `/`, not `.`/`..`, not reserved."""
    return bool(OUTPUT_NAME.fullmatch(name)) and name not in (".", "..") and not name.startswith(RESERVED_PREFIX)


def current_umask() -> int:
    """Return the process umask without changing it (Linux reports it in /proc/self/status)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class OutputFolder:
    """A folder held open by descriptor; names given to its methods are plain entries of it."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd = path, fd

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: Path, *, create: bool = False, check_owner: bool = True,
             top: Path | None = None) -> Iterator[OutputFolder | None]:
        """Open `path` (None when it is missing and not `create`), refusing a symlink and, as root, a shared folder.

        `top`: the folder the user named when `path` is a host's folder in it (`-o build` with
        several policies writes build/mx1/): `top` is opened without following a link too, and
        `path` relative to it, so a committed `build -> /etc` cannot redirect build/mx1/.
        """
        parent_fd = None
        try:
            if top is not None:
                assert path.parent == top, (path, top)
                parent_fd = _open_directory(top, top, create, None)
                fd = None if parent_fd is None else _open_directory(Path(path.name), path, create, parent_fd)
            else:
                fd = _open_directory(path, path, create, None)
            if fd is None:
                yield None  # nothing there yet (or a file on the way): every output is missing
                return
            try:
                if check_owner:
                    _check_owner(path, os.fstat(fd))
                yield cls(path, fd)
            finally:
                os.close(fd)
        finally:
            if parent_fd is not None:
                os.close(parent_fd)

    @classmethod
    @contextlib.contextmanager
    def parent_of(cls, path: Path) -> Iterator[OutputFolder]:
        """Open the folder of a file the user named (symlinks on the way followed: the user chose them)."""
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
        try:
            yield cls(path.parent, fd)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive flock on the folder itself: no lock file to leave behind; best effort."""
        with contextlib.suppress(OSError):
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)

    def lstat(self, name: str) -> os.stat_result | None:
        """Return the entry's own stat (a symlink is not followed), or None when there is none."""
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def names(self) -> list[str]:
        return sorted(os.listdir(self.fd))

    def read(self, name: str, limit: int = MAX_OUTPUT_BYTES) -> bytes | None:
        """Return a regular file's bytes (None when missing); refuse a symlink, FIFO, device or folder, or a file over `limit`."""
        with self.open_regular(name, limit) as handle:
            if handle is None:
                return None
            data = handle.read(limit + 1)  # bounded even if the file grows after fstat
        if len(data) > limit:
            raise _too_large(self.path / name, limit)
        return data

    @contextlib.contextmanager
    def open_regular(self, name: str, limit: int = MAX_OUTPUT_BYTES):
        """Open a regular file for reading by its plain name (None when missing), refusing anything else."""
        info = self.lstat(name)
        if info is not None and not stat.S_ISREG(info.st_mode):
            # Refused before opening: opening a device can act (a tape rewinds, a terminal hangs up).
            raise not_regular(self.path / name, _kind(info.st_mode))
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=self.fd)
        except FileNotFoundError:
            yield None
            return
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise not_regular(self.path / name, "a symlink") from None
            raise
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise not_regular(self.path / name, _kind(info.st_mode))
            if info.st_size > limit:
                raise _too_large(self.path / name, limit)
        except BaseException:
            os.close(fd)
            raise
        with os.fdopen(fd, "rb") as handle:
            yield handle

    def kept_mode(self, name: str, keepable: int = KEEPABLE_MODE) -> int | None:
        """Return the mode a replacement of `name` keeps: its own (lstat) masked by `keepable`; None if not a regular file."""
        info = self.lstat(name)
        if info is None or not stat.S_ISREG(info.st_mode):
            return None
        return stat.S_IMODE(info.st_mode) & keepable

    def write_temp(self, chunks: Iterable[bytes], mode: int) -> tuple[str, str, int]:
        """Write a new temporary file, fsync it and set its mode with fchmod; return its name, sha256 and a descriptor.

        The descriptor stays open (the caller closes it) so the file's inode cannot be freed and its
        number reused by a racer's file before `is_file_of` compares them.
        """
        fd, name = self._create_temp()
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                # fchmod on the descriptor: a chmod by name would follow a symlink put in its place.
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
                kept = os.dup(handle.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                self.unlink(name)
            raise
        return name, digest.hexdigest(), kept

    def _create_temp(self) -> tuple[int, str]:
        for _ in range(100):
            name = f"{RESERVED_PREFIX}{secrets.token_hex(8)}.tmp"
            try:
                # O_EXCL|O_NOFOLLOW: a name a racer made first (a file or a symlink) is never written through.
                return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC, 0o600,
                               dir_fd=self.fd), name
            except FileExistsError:
                continue
        raise FileExistsError(errno.EEXIST, "no free temporary name", str(self.path))

    def is_file_of(self, name: str, fd: int) -> bool:
        """Tell whether the entry `name` is the regular file open as `fd` (not a symlink or a file swapped in)."""
        info, mine = self.lstat(name), os.fstat(fd)
        # The descriptor keeps the inode alive, so no other file (or link) can have its number meanwhile.
        return info is not None and (info.st_dev, info.st_ino) == (mine.st_dev, mine.st_ino)

    def replace(self, source: str, target: str) -> None:
        os.replace(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def link(self, source: str, target: str) -> None:
        os.link(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd, follow_symlinks=False)

    def unlink(self, name: str, missing_ok: bool = False) -> None:
        try:
            os.unlink(name, dir_fd=self.fd)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def fsync(self) -> None:
        """Make renames durable: they are only once the folder itself is synced (POSIX)."""
        with contextlib.suppress(OSError):
            os.fsync(self.fd)


def read_inside(root: Path, path: Path, limit: int) -> bytes:
    """Read the regular file `path` only if it really lies in folder `root` (symlinks on the way resolved).

    For files a configuration folder names (a deployed map): the folder may be a copy someone else
    made or committed, whose main.cf or links could point at any file this user can read (a root
    `diff --against` would print /etc/shadow's lines as map keys). The folder the file is opened
    from is checked by its descriptor (/proc/self/fd), so a link swapped in after a check does not
    count; the file itself is opened O_NOFOLLOW, regular and bounded. Raises OSError saying why.
    """
    inside = os.path.realpath(root)
    with OutputFolder.parent_of(Path(os.path.realpath(path.parent)) / path.name) as out:
        opened = os.readlink(f"/proc/self/fd/{out.fd}") if os.path.isdir("/proc/self/fd") else str(out.path)
        if opened != inside and not opened.startswith(inside.rstrip("/") + "/"):
            raise OSError(errno.EACCES, f"it is outside {root}: only files in the folder given are read", str(path))
        try:
            data = out.read(path.name, limit)
        except Refused as refused:
            raise OSError(errno.EINVAL, refused.message, str(path)) from None
    if data is None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
    return data


def _open_directory(path: Path, display: Path, create: bool, dir_fd: int | None) -> int | None:
    """Open a folder with O_DIRECTORY|O_NOFOLLOW (relative to `dir_fd` if given); None when missing and not `create`."""
    if _is_symlink(path, dir_fd):
        raise _symlinked_folder(display)
    if create:
        if dir_fd is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            with contextlib.suppress(FileExistsError):
                os.mkdir(path, dir_fd=dir_fd)
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
    except (FileNotFoundError, NotADirectoryError) as error:
        # Made a symlink since the check above: Linux refuses O_DIRECTORY|O_NOFOLLOW on a link with
        # ENOTDIR, not the ELOOP of O_NOFOLLOW alone (measured: tests/output/test_folder_primitives.py).
        if isinstance(error, NotADirectoryError) and _is_symlink(path, dir_fd):
            raise _symlinked_folder(display) from None
        if create:
            raise
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _symlinked_folder(display) from None  # the same race, where a system reports ELOOP
        raise


def _is_symlink(path: Path, dir_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.stat(path, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def new_file_mode(requested: int = DEFAULT_MODE) -> int:
    """Return the mode of a file created now: what is asked for, less the umask (`umask 077` keeps everything private)."""
    return requested & ~current_umask() & 0o777


def running_as_root() -> bool:
    return os.geteuid() == 0


def _check_owner(path: Path, info: os.stat_result) -> None:
    """As root, refuse a folder another user could change: they could plant names root then reads or renames."""
    if not running_as_root():
        return  # the kernel already keeps this user out of folders that are not theirs
    # A sticky bit does not help: others can still create the names compile reads (a journal, a missing main.cf).
    me = os.geteuid()
    if info.st_uid != me:
        why = f"is owned by uid {info.st_uid}, not by uid {me}"
    elif info.st_mode & stat.S_IWOTH:
        why = "is writable by every user"
    elif info.st_mode & stat.S_IWGRP and info.st_gid != 0:
        why = f"is writable by group {info.st_gid}"
    else:
        return
    raise Refused(cat.OUTPUT_FOLDER_UNSAFE, path, f"the output folder {path} {why}; mailpolicy runs as root "
                  "and will not read or write files there that another user can replace",
                  hint=f"write to a folder only root can change (`chown root {path}; chmod go-w {path}`), "
                       "or run mailpolicy as that folder's owner")


def _symlinked_folder(path: Path) -> Refused:
    return Refused(cat.OUTPUT_FOLDER_UNSAFE, path, f"the output folder {path} is a symlink; mailpolicy writes "
                   "only into the folder named, never through a link (a committed `build` link could point anywhere)",
                   hint=f"name the folder the link points to with -o, or replace the link {path} by a folder")


def not_regular(path: Path, kind: str) -> Refused:
    return Refused(cat.OUTPUT_NOT_REGULAR, path, f"{path} is {kind}, not a regular file; mailpolicy neither reads "
                   "nor replaces it", hint=f"remove {path} (mailpolicy writes a regular file in its place)")


def _too_large(path: Path, limit: int) -> Refused:
    return Refused(cat.OUTPUT_TOO_LARGE, path, f"{path} is over the limit of {limit:,} bytes for an output file; "
                   "it is not read", hint=f"remove {path} or write to another folder")


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symlink")):
        if test(mode):
            return kind
    return "not a regular file"
