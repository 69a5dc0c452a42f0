"""`mailpolicy deploy` on a running, throwaway Postfix: the new policy goes live; a broken build does not.

One sandboxed Postfix (its own configuration folder, tests/postfix_support.py) runs a hand-written
main.cf. Deploying a compiled build changes what the server answers (a new local domain is
accepted, an owned address is refused to a client that does not log in: the sender map was
postmapped and read). Then three broken builds, each failing at a different step: a map postmap
refuses, a main.cf `postfix check` refuses, and a master.cf on which master dies at reload. After
each, every file of the configuration folder is byte for byte what it was, and the server still
gives the answers of the good deploy. Last, a deploy killed after its first rename leaves a mix
and its journal; the next deploy puts the previous files back before anything else.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mailpolicy.output.marker import add_marker, split_marker
from mailpolicy.sandbox import Attempt
from mailpolicy.sandbox.postfix import Postfix
from tests.postfix_support import loopback_main_cf

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

BASE_MAIN_CF = "# the administrator's own main.cf: deploy must keep these comments and other lines\n" + loopback_main_cf()

POLICY = """\
postfix 3.7
hostname mx.example0.com
local domains example0.com, {domains}
sasl dovecot private/auth
relay only authenticated
sender map hash:{etc}/controlled_envelope_senders
allow user jimminey as jcricket@example0.com
"""

OUTSIDE = "127.0.0.9"


@pytest.fixture(scope="module")
def site(boot_sandbox):
    return boot_sandbox(BASE_MAIN_CF, logins={"jimminey": "secret"})


def mailpolicy(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from mailpolicy.cli import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1", **(env or {})}, timeout=300)


# Loaded by the deploying interpreter (PYTHONPATH): once the first file of the configuration
# folder is replaced (the sender map's indexed file goes first), the process kills itself, as a
# power cut or the OOM killer would, leaving the folder a mix of two deploys.
_KILL_HOOK = """
import os, signal
_real = os.replace
def _replace(src, dst):
    _real(src, dst)
    if str(dst).endswith(".db"):
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = _replace
"""


def compile_build(tmp: Path, etc: Path, name: str, domains: str) -> Path:
    policy = tmp / f"{name}.mailpolicy"
    policy.write_text(POLICY.format(domains=domains, etc=etc))
    result = mailpolicy("compile", policy.name, "-o", name, cwd=tmp)
    assert result.returncode == 0, result.stderr
    return tmp / name


def tamper(path: Path, edit) -> None:
    """Change a generated file and re-seal its marker, as a broken compiler (not a hand edit) would."""
    marker, body = split_marker(path.read_text())
    path.write_text(add_marker(edit(body), marker.source))


def snapshot(etc: Path) -> dict[str, bytes]:
    """Every file of the configuration folder but the backups, by name."""
    return {p.name: p.read_bytes() for p in etc.iterdir() if p.is_file()}


def answer(site, mail_from: str, rcpt_to: str) -> tuple[int, str]:
    got: Attempt = site.try_send(OUTSIDE, None, None, mail_from, rcpt_to)
    return got.code, got.reply


# root is a local user (local_recipient_maps reads passwd), so a local domain accepts it.
BEFORE = {
    "new domain": (554, "5.7.1 <root@example1.com>: Relay access denied"),
    "owned sender, no login": (250, "2.1.5 Ok"),
}
AFTER = {
    "new domain": (250, "2.1.5 Ok"),
    "owned sender, no login": (553, "5.7.1 <jcricket@example0.com>: Sender address rejected: not logged in"),
}
PROBES = {
    "new domain": ("friend@gmail.test", "root@example1.com"),
    "owned sender, no login": ("jcricket@example0.com", "root@example0.com"),
}


def answers(site) -> dict[str, tuple[int, str]]:
    return {name: answer(site, *probe) for name, probe in PROBES.items()}


def test_deploy_goes_live_and_broken_builds_roll_back(site, tmp_path: Path) -> None:
    etc = site.root / "etc"
    assert answers(site) == BEFORE

    good = compile_build(tmp_path, etc, "good", "example1.com")
    dry = mailpolicy("deploy", str(good), "--to", str(etc), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "+mydestination = $myhostname, localhost, example0.com, example1.com" in dry.stdout
    assert f"would run postfix -c {etc} reload (Postfix is running)" in dry.stderr
    assert answers(site) == BEFORE and not (etc / "controlled_envelope_senders").exists()

    done = mailpolicy("deploy", str(good), "--to", str(etc), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "postfix reload: ok" in done.stderr
    deployed = (etc / "main.cf").read_text()
    assert deployed.startswith("# the administrator's own main.cf") and "maillog_file = " in deployed
    assert (etc / "controlled_envelope_senders.db").exists()
    backup = Path(re.search(r"the previous files are kept in (\S+)", done.stderr).group(1))
    assert backup.parent == etc / "mailpolicy-backups" and (backup / "main.cf").read_text() != deployed
    assert answers(site) == AFTER
    good_files = snapshot(etc)

    # 1. A map line postmap cannot read (it warns and skips it; deploy counts that as a refusal).
    bad_map = compile_build(tmp_path, etc, "bad-map", "example2.com")
    tamper(bad_map / "controlled_envelope_senders", lambda body: body + "a-key-without-a-value\n")
    # 2. A main.cf postfix check refuses: a queue directory that does not exist.
    bad_check = compile_build(tmp_path, etc, "bad-check", "example2.com")
    tamper(bad_check / "main.cf", lambda body: body + "queue_directory = /nonexistent/mailpolicy-test\n")
    # 3. A master.cf on which master dies when it re-reads it: a service on a port already taken.
    bad_reload = compile_build(tmp_path, etc, "bad-reload", "example2.com")
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    (bad_reload / "master.cf").write_text((etc / "master.cf").read_text()
                                          + f"127.0.0.1:{port} inet n - n - - smtpd\n")
    # queue_directory is a folder Postfix writes as root: deploy installs a change to it only with
    # --privileged (MP629), which this test gives to reach postfix check.
    refused = mailpolicy("deploy", str(bad_check), "--to", str(etc), cwd=tmp_path)
    assert refused.returncode == 1 and "error[MP629]" in refused.stderr and snapshot(etc) == good_files
    expected = {
        bad_map: ("MP623", "nothing was installed", ()),
        bad_check: ("MP624", "the previous files are back in place", ("--privileged",)),
        bad_reload: ("MP625", "the previous files are back in place", ("--privileged",)),  # master.cf: MP630
    }
    try:
        for build, (code, says, options) in expected.items():
            result = mailpolicy("deploy", str(build), "--to", str(etc), *options, cwd=tmp_path)
            assert result.returncode == 1, (build.name, result.stderr)
            assert f"error[{code}]" in result.stderr and says in result.stderr, result.stderr
            assert snapshot(etc) == good_files, build.name
            assert answers(site) == AFTER, build.name
    finally:
        taken.close()
    assert "postfix -c" in result.stderr and "start: ok" in result.stderr  # master was brought back
    assert not any(p.name.startswith(".mailpolicy-") for p in etc.iterdir())


def test_a_deploy_killed_midway_is_undone_by_the_next(site, tmp_path: Path) -> None:
    etc = site.root / "etc"
    good = compile_build(tmp_path, etc, "good", "example1.com")
    assert mailpolicy("deploy", str(good), "--to", str(etc), cwd=tmp_path).returncode == 0
    good_files = snapshot(etc)
    newer = compile_build(tmp_path, etc, "newer", "example2.com")
    (tmp_path / "newer" / "controlled_envelope_senders").write_text(add_marker(
        "jcricket@example0.com\tjimminey\nalice@example0.com\talice\n", "newer.mailpolicy"))
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_KILL_HOOK)

    killed = mailpolicy("deploy", str(newer), "--to", str(etc), cwd=tmp_path, env={"PYTHONPATH": str(hook)})
    assert killed.returncode == -9, killed.stderr
    mixed = snapshot(etc)
    assert mixed["controlled_envelope_senders.db"] != good_files["controlled_envelope_senders.db"]
    assert mixed["main.cf"] == good_files["main.cf"] and ".mailpolicy-deploy-journal" in mixed

    dry = mailpolicy("deploy", str(good), "--to", str(etc), "--dry-run", cwd=tmp_path)
    assert "would first put back the files of an interrupted deploy" in dry.stderr and snapshot(etc) == mixed
    again = mailpolicy("deploy", str(good), "--to", str(etc), cwd=tmp_path)
    assert again.returncode == 0 and "warning[MP626]" in again.stderr, again.stderr
    assert "already holds this build" in again.stderr
    assert snapshot(etc) == good_files
    assert answers(site) == AFTER


def test_a_stopped_postfix_gets_the_files_checked_and_is_left_stopped(tmp_path: Path) -> None:
    # A configuration laid out as the sandbox lays one out, but never started.
    root = tmp_path / "stopped"
    root.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(root, 0o755)
    postfix = Postfix(root, BASE_MAIN_CF, {}, 2525, chroot=False)
    etc = postfix.config_dir
    good = compile_build(tmp_path, etc, "good", "example1.com")
    done = mailpolicy("deploy", str(good), "--to", str(etc), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "postfix check: ok" in done.stderr and "note[MP628]" in done.stderr and "reload" not in done.stderr
    assert "mydestination = $myhostname, localhost, example0.com, example1.com" in (etc / "main.cf").read_text()
    assert not postfix.own_pids()  # nothing was started
