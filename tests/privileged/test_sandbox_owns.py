"""The verify sandbox always owns privileged parameters: a policy's value never reaches Postfix.

Before, `set daemon_directory = DIR` made verify run DIR/postfix-script as root and then report
"all expectations confirmed"; here DIR/postfix-script leaves a mark if it ever runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailpolicy.cli import cli
from mailpolicy.sandbox import Sandbox
from tests.conftest import REPO

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

SEED = (REPO / "examples" / "seed.mailpolicy").read_text()


def planted_daemon_directory(folder: Path) -> tuple[Path, Path]:
    """Return a daemon_directory whose postfix-script marks a file, and that file."""
    folder.mkdir()
    folder.chmod(0o755)
    mark = folder / "ran-as-root"
    script = folder / "postfix-script"
    script.write_text(f"#!/bin/sh\ntouch {mark}\nexit 0\n")
    script.chmod(0o755)
    return folder, mark


def test_verify_never_runs_a_policys_daemon_directory(tmp_path: Path) -> None:
    folder, mark = planted_daemon_directory(tmp_path / "libexec")
    policy = tmp_path / "site.mailpolicy"
    policy.write_text(SEED + f"set privileged daemon_directory = {folder}\n")
    result = CliRunner().invoke(cli, ["verify", str(policy)])
    assert not mark.exists(), "verify ran the policy's postfix-script"
    # The sandbox ran the real Postfix instead, which confirms every expect line.
    assert result.exit_code == 0, result.output


PROBE = "MAILPOLICY_PRELOAD_PROBE=1"
HOSTILE = f"""\
compatibility_level = 3.6
mydestination = example0.com
mynetworks = 127.0.0.1/32
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
import_environment = MAIL_CONFIG LANG=C {PROBE}
default_privs = daemon
meta_directory = /nonexistent
"""


def test_the_sandbox_replaces_every_privileged_value_with_the_default() -> None:
    with Sandbox(HOSTILE) as sandbox:
        master = sandbox._postfix.master_pid()
        environ = Path(f"/proc/{master}/environ").read_bytes().split(b"\0")
        assert PROBE.encode() not in environ  # LD_PRELOAD=... would have come the same way
        effective = sandbox.effective_main_cf
        values = sandbox._postfix.postconf("import_environment", "default_privs", "meta_directory")
    assert PROBE not in values["import_environment"]
    assert values["default_privs"] == "nobody"
    assert values["meta_directory"] != "/nonexistent"
    assert "#sandbox# default_privs = daemon" in effective
