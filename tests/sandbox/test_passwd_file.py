"""The sandbox's Dovecot passwd file holds every test password: it is never readable by others.

The file is created with O_CREAT|O_EXCL and mode 0600, given group dovecot and mode 0640 on the
open descriptor, and only then written. An audit hook sees every open(2) Python makes, so the
tests check how the file was opened, not only the mode it ends with.
"""

from __future__ import annotations

import os
import pwd
import stat
import sys
from pathlib import Path

import pytest

from mailpolicy.sandbox import dovecot
from tests.postfix_support import missing_prerequisite

_opens: list[tuple[str, object, int]] = []
_watching: list[bool] = []


def _audit(event: str, args: tuple) -> None:
    if _watching and event == "open" and str(args[0]).endswith("passwd"):
        _opens.append((str(args[0]), args[1], args[2]))


sys.addaudithook(_audit)


@pytest.fixture
def opens():
    _opens.clear()
    _watching.append(True)
    yield _opens
    _watching.clear()


def needs_dovecot_user() -> None:
    try:
        pwd.getpwnam("dovecot")
    except KeyError:
        missing_prerequisite("no dovecot user: install dovecot-core")
    if os.geteuid() != 0:
        missing_prerequisite("giving the file to group dovecot needs root (CI runs as root for Postfix)")


def test_the_passwd_file_is_created_exclusively_and_private(tmp_path: Path, opens, monkeypatch) -> None:
    needs_dovecot_user()
    seen = []
    real_fchown = os.fchown

    def fchown(fd: int, uid: int, gid: int) -> None:
        # The moment the file first exists under its name: what could another user read now?
        info = os.fstat(fd)
        seen.append((stat.S_IMODE(info.st_mode), info.st_size))
        real_fchown(fd, uid, gid)

    monkeypatch.setattr(dovecot.os, "fchown", fchown)
    old = os.umask(0)  # whatever the umask, the mode is the code's
    try:
        dovecot.write_passwd(tmp_path / "passwd", dovecot.passwd_file({"jimminey": "secret"}))
    finally:
        os.umask(old)
    ((_path, _mode, flags),) = opens
    assert flags & os.O_CREAT and flags & os.O_EXCL and flags & os.O_NOFOLLOW
    assert seen == [(0o600, 0)], "created readable by others, or written before its mode was set"
    info = os.stat(tmp_path / "passwd")
    assert stat.S_IMODE(info.st_mode) == 0o640
    assert info.st_gid == pwd.getpwnam("dovecot").pw_gid and info.st_uid == os.geteuid()
    assert (tmp_path / "passwd").read_text() == "jimminey:{PLAIN}secret::::::\n"


def test_a_file_planted_at_the_name_is_refused(tmp_path: Path) -> None:
    needs_dovecot_user()
    target = tmp_path / "elsewhere"
    target.write_text("keep\n")
    (tmp_path / "passwd").symlink_to(target)
    with pytest.raises(FileExistsError):
        dovecot.write_passwd(tmp_path / "passwd", "x:{PLAIN}y::::::\n")
    assert target.read_text() == "keep\n"
