"""MP341 held to the real `postfix check`: it reports a value exactly when Postfix refuses to start with it.

Each case is one main.cf line added to a small configuration in a folder of its own (its own
queue and data directories, so nothing of the machine's Postfix is read or touched). The audit
of that folder and `postfix -c FOLDER check` must agree: MP341 with Postfix's own fatal text when
postfix check stops with "fatal:", no MP341 when it does not. `postfix` prints its errors only to
a terminal (POSTFIX-NOTES.md), so it runs under script(1); msg.c sleeps a second after a fatal
error, so the refused cases take a second each.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mailpolicy.audit.run import audit_config

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

BASE = "myhostname = mx.example0.com\ncompatibility_level = 3.6\nmydestination = example0.com\n"

# (the line, the fatal text Postfix prints, or None: it starts)
CASES = [
    ("setgid_group =", "bad string length 0 < 1: setgid_group = "),
    ("mail_owner =", "bad string length 0 < 1: mail_owner = "),
    ("syslog_name = $no_such_parameter", "bad string length 0 < 1: syslog_name = "),
    ("queue_service_name =", "bad string length 0 < 1: queue_service_name = "),
    ("default_verp_delimiters = +", "bad string length 1 < 2: default_verp_delimiters = +"),
    ("default_verp_delimiters = +=-", "bad string length 3 > 2: default_verp_delimiters = +=-"),
    ("myorigin = example0.com, example1.com", "myorigin parameter setting must not contain multiple values"),
    ("relayhost = MX.example0.com", "myhostname and relayhost parameter settings must not be identical"),
    ("mail_owner = root", "parameter mail_owner: user root has privileged user ID"),
    ("default_privs = root", "parameter default_privs: user root has privileged user ID"),
    ("setgid_group = root", "parameter setgid_group: group root has privileged group ID"),
    ("default_privs = postfix", "parameters default_privs and mail_owner specify the same user postfix"),
    # Values Postfix starts with.
    ("relayhost = [mx.example0.com]", None),
    ("myorigin = example0.com", None),
    ("default_verp_delimiters = +=", None),
    ("syslog_name = postfix/submission", None),
    ("default_privs = nobody", None),
    ("setgid_group = postdrop", None),
    ("mail_owner = postfix", None),
    ("mydestination =", None),  # minimum length 0
]


def postfix_check(folder: Path) -> str:
    """Return what `postfix -c FOLDER check` prints (on a terminal, as script(1) gives it one)."""
    result = subprocess.run(["script", "-qec", f"postfix -c {folder} check", "/dev/null"],
                            capture_output=True, text=True, timeout=60, check=False)
    return result.stdout + result.stderr


@pytest.mark.parametrize(("line", "fatal"), CASES, ids=[line for line, _ in CASES])
def test_mp341_agrees_with_postfix_check(tmp_path, line, fatal) -> None:
    tmp_path.chmod(0o755)
    queue, data = tmp_path / "queue", tmp_path / "data"
    queue.mkdir()
    data.mkdir()
    (tmp_path / "main.cf").write_text(f"{BASE}queue_directory = {queue}\ndata_directory = {data}\n{line}\n")
    (tmp_path / "master.cf").write_text("smtp inet n - y - - smtpd\n")
    said = re.search(r"fatal: (.*)", postfix_check(tmp_path))
    found = [d for d in audit_config(tmp_path).diagnostics if d.code == "MP341"]
    if fatal is None:
        assert said is None and found == [], (said, found)
        return
    assert said is not None and fatal in said.group(1), said
    (diagnostic,) = found
    assert diagnostic.is_error and fatal in diagnostic.message
    assert diagnostic.span.line == 6  # the case's own line
