"""deploy merges the services compile writes into the installed master.cf, and postfix check accepts the result.

A configuration laid out as the sandbox lays one out (never started): its master.cf has the
sandbox's own smtpd on a loopback port and the support services. Deploying the phones example
adds the policy's three services in one block, keeps every other line, needs no --privileged
(MP630 is for a whole master.cf in a build), and a second deploy finds nothing to do.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.sandbox.postfix import Postfix
from tests.conftest import REPO
from tests.postfix_support import loopback_main_cf

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]


def test_deploy_merges_the_services_into_master_cf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "stopped"
    root.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(root, 0o755)
    postfix = Postfix(root, loopback_main_cf(), {}, 2525, chroot=False)
    etc = postfix.config_dir
    installed = (etc / "master.cf").read_text()
    policy = (REPO / "examples" / "phones.mailpolicy").read_text() + f"sender map hash:{etc}/controlled_envelope_senders\n"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "phones.mailpolicy").write_text(policy)
    runner = CliRunner()
    assert runner.invoke(cli, ["compile", "phones.mailpolicy", "-o", "build"]).exit_code == 0

    done = runner.invoke(cli, ["deploy", "build", "--to", str(etc)])
    assert done.exit_code == 0, done.output
    assert "postfix check: ok" in done.output and "MP630" not in done.output
    merged = (etc / "master.cf").read_text()
    assert [line for line in installed.splitlines() if line] == [
        line for line in merged.splitlines() if line and not _in_block(merged, line)]
    assert "submissions inet n - y - - smtpd\n  -o syslog_name=postfix/submissions\n" in merged
    again = runner.invoke(cli, ["deploy", "build", "--to", str(etc)])
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert not postfix.own_pids()


def _in_block(text: str, line: str) -> bool:
    start = text.index("# >>> mailpolicy")
    end = text.index("# <<< mailpolicy <<<") + len("# <<< mailpolicy <<<")
    return line in text[start:end].splitlines()
