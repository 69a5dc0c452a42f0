"""Small helpers shared by unit tests: compile policy text written inline."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mailpolicy.compiler import Compilation, compile_policy

# The seed's server done right, in six lines: one local domain, SASL through Dovecot, relaying for
# logged-in clients only, one sender address owned by one login. Tests add or replace lines.
SMALL_POLICY = """postfix 3.7
hostname mx.example0.com
local domains example0.com
sasl dovecot private/auth
relay only authenticated
allow user jimminey as jcricket@example0.com
"""


# A policy needs a `hostname` (MP216). Tests that are about something else state one after their
# own lines, so the line numbers they assert stay those of the text they wrote.
HOSTNAME_LINE = "hostname mx.example0.com\n"
_HOSTNAME_STATEMENT = re.compile(r"^\s*hostname\b", re.MULTILINE)


def with_hostname(text: str) -> str:
    """Return `text` with HOSTNAME_LINE appended when it has no `hostname` line and is not empty."""
    if not text.strip() or _HOSTNAME_STATEMENT.search(text):
        return text
    return text + ("" if text.endswith("\n") else "\n") + HOSTNAME_LINE


def compile_text(tmp_path: Path, text: str, name: str = "site.mailpolicy", *, hostname: bool = True,
                 **files: str) -> Compilation:
    """Write `text` (and any extra files) into tmp_path and compile it.

    `hostname=False` compiles `text` exactly as written (a test of MP216 itself); otherwise a text
    without a `hostname` line gets HOSTNAME_LINE at its end (`with_hostname`)."""
    if hostname:
        text = with_hostname(text)
    for extra, content in files.items():
        target = tmp_path / extra.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return compile_policy(path)


def codes(compilation: Compilation) -> list[tuple[str, int]]:
    """Return (code, line) of every diagnostic."""
    return [(d.code, d.span.line if d.span else 0) for d in compilation.diagnostics]


def mailpolicy_command() -> list[str]:
    """Return the argv that runs this project's own `mailpolicy`, never another one on PATH.

    The console script pip installed beside the running interpreter (the venv's bin/), or, when
    there is none (the package is only importable), the same entry point through this interpreter.
    """
    script = Path(sys.executable).with_name("mailpolicy")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from mailpolicy.cli import main; sys.argv[0] = 'mailpolicy'; main()"]
