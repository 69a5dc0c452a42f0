"""availability.py: each missing prerequisite of a sandbox is named, and a complete machine has none.

Every reason is what verify prints before exiting 2 (and what a `postfix` test skips with outside
CI). The machine is faked one prerequisite at a time: root, /proc, each program, each system user
and the postdrop group (docs/mutation.md: this module ran no mutant before).
"""

from __future__ import annotations

import grp
import os
import pwd

import pytest

from mailpolicy.sandbox import availability
from tests.postfix_support import require_postfix

PROGRAMS = [path for path, _ in availability._PROGRAMS]


@pytest.fixture
def complete(monkeypatch) -> None:
    """A machine with everything (whatever this one has)."""
    monkeypatch.setattr(availability.os.path, "isdir", lambda path: path == "/proc/self")
    monkeypatch.setattr(availability.os, "geteuid", lambda: 0)
    monkeypatch.setattr(availability.os, "access", lambda path, mode: mode == os.X_OK and path in PROGRAMS)
    monkeypatch.setattr(availability.pwd, "getpwnam", lambda name: name)
    monkeypatch.setattr(availability.grp, "getgrnam", lambda name: name)


def missing(monkeypatch, module, attribute: str, absent: str) -> None:
    real = getattr(module, attribute)

    def lookup(name: str):
        if name == absent:
            raise KeyError(name)
        return real(name)

    monkeypatch.setattr(module, attribute, lookup)


@pytest.mark.usefixtures("complete")
def test_a_complete_machine_has_no_reason() -> None:
    assert availability.sandbox_available() is None


@pytest.mark.usefixtures("complete")
def test_without_proc_or_root_it_says_so(monkeypatch) -> None:
    monkeypatch.setattr(availability.os, "geteuid", lambda: 1000)
    assert availability.sandbox_available() == "not root (Postfix's master and the smtpd chroot need root)"
    monkeypatch.setattr(availability.os.path, "isdir", lambda path: False)
    assert availability.sandbox_available() == "no /proc (the sandbox finds its processes there)"


@pytest.mark.usefixtures("complete")
@pytest.mark.parametrize(("path", "reason"), availability._PROGRAMS)
def test_each_missing_program_is_named(monkeypatch, path: str, reason: str) -> None:
    monkeypatch.setattr(availability.os, "access", lambda p, mode: mode == os.X_OK and p in PROGRAMS and p != path)
    assert availability.sandbox_available() == reason


@pytest.mark.usefixtures("complete")
@pytest.mark.parametrize("user", ["postfix", "dovecot", "dovenull"])
def test_each_missing_system_user_is_named(monkeypatch, user: str) -> None:
    missing(monkeypatch, availability.pwd, "getpwnam", user)
    assert availability.sandbox_available() == f"no system user {user!r} (normally created by the Debian packages)"


@pytest.mark.usefixtures("complete")
def test_a_missing_postdrop_group_is_named(monkeypatch) -> None:
    missing(monkeypatch, availability.grp, "getgrnam", "postdrop")
    assert availability.sandbox_available() == "no system group 'postdrop' (normally created by the postfix package)"


def test_this_machine_is_judged_by_the_real_lookups() -> None:
    require_postfix()  # skipped (under CI: failed) where no sandbox can run
    assert availability.sandbox_available() is None
    assert all(os.access(path, os.X_OK) for path in PROGRAMS)
    assert [pwd.getpwnam(user).pw_name for user in ("postfix", "dovecot", "dovenull")]
    assert grp.getgrnam("postdrop").gr_name == "postdrop"
