"""MP414 and MP401 against postconf: the audit names exactly the parameters postconf calls unused.

postconf -n (Postfix 3.7.11) warns "unused parameter: name=value" for a main.cf name it does not
know and that no `$name` in main.cf or a master.cf `-o` refers to, and says nothing of one that
something refers to. The audit's MP414 (or MP401, for a near miss of a real name) must fall on
the same names, no more and no fewer.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from click.testing import CliRunner

from mailpolicy.cli import cli
from tests.helpers import write_files

MAIN_CF = """\
compatibility_level = 3.6
foo_bar = 1
mua_x = permit_sasl_authenticated
dms_y = $mua_x
smtpd_sender_restrictions = $dms_y
dovecot_destination_recipient_limit = 1
smtpd_relay_restriction = permit_mynetworks
mua_z = permit
podop = socketmap:unix:/tmp/podop.socket:
virtual_alias_maps = ${podop}alias
"""
MASTER_CF = """\
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o smtpd_client_restrictions=$mua_z
"""


def _postconf_unused(folder: Path) -> set[str]:
    run = subprocess.run(["postconf", "-c", str(folder), "-n"], capture_output=True, text=True, check=True)
    return set(re.findall(r"unused parameter: ([^=\s]+)=", run.stderr))


def _audit_unused(folder: Path) -> set[str]:
    result = CliRunner().invoke(cli, ["--color", "never", "audit", str(folder)])
    found = re.findall(r"^\S+main\.cf:(\d+):\d+: \w+\[(MP401|MP414)\]", result.output, flags=re.M)
    lines = MAIN_CF.splitlines()
    return {lines[int(line) - 1].split(" = ")[0] for line, _code in found}


def test_the_audit_calls_unused_exactly_what_postconf_does(tmp_path: Path, requires_postconf) -> None:
    write_files(tmp_path, {"main.cf": MAIN_CF, "master.cf": MASTER_CF})
    expected = _postconf_unused(tmp_path)
    assert expected == {"foo_bar", "dovecot_destination_recipient_limit", "smtpd_relay_restriction"}
    assert _audit_unused(tmp_path) == expected
